// <ceramic-document> in Chromium, from a plain <script type="module"> (no build step): it loads
// and verifies a devnode's document, renders content and proof, follows an update, is reachable by
// keyboard, names everything it shows to assistive technology, and says clearly when it cannot
// verify. Saves a screenshot to .artifacts/element.png. Runs the README's element block.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { launchChromium } from "./chromium.mjs";
import { startDevnode } from "../js/devnode.mjs";
import { servePackagePage } from "./package-page.mjs";

const root = new URL("../..", import.meta.url).pathname;
let node, web, browser;

const readme = readFileSync(join(root, "README.md"), "utf8");
const section = readme.slice(readme.indexOf("### A verified view: `<ceramic-document>`"));
const readmeHtml = section.match(/```html\n([\s\S]*?)```/)[1];

before(async () => {
  node = await startDevnode(["--anchor-interval", "1"]);
  const files = {};
  // The page writes a document through the package, then shows it with the README's markup.
  files["index.html"] = (`<!doctype html><html lang="en"><head><title>ceramic-document</title>
    <link rel="icon" href="data:,"></head><body><main>
    <script type="module">
      import init, { CeramicClient, KeyDidSigner } from "./ceramic-wasm/web/index.js";
      await init();
      const url = new URLSearchParams(location.search).get("node");
      const client = new CeramicClient({ url });
      const signer = KeyDidSigner.generate();
      const model = await client.createModel({ signer, definition: { version: "2.0", name: "Card", interface: false,
        implements: [], accountRelation: { type: "list" },
        schema: { type: "object", properties: { title: { type: "string" } }, additionalProperties: false } } });
      const doc = await client.createDocument({ model, content: { title: "first" }, signer });
      window.update = (title) => client.updateDocument({ streamId: doc, content: { title }, signer }).then(String);
      const html = ${JSON.stringify(readmeHtml).replaceAll("</", "<\\/")}
        .replace("k2t6wz4yhfp1…", doc.toString()).replace("https://ceramic.example.org", url)
        .replace('"ceramic-wasm/element"', '"./ceramic-wasm/element/ceramic-document.js"');
      const holder = document.createElement("div");
      holder.innerHTML = html.replace(/<script[\\s\\S]*<\\/script>/, "");
      document.querySelector("main").append(...holder.childNodes);
      await import("./ceramic-wasm/element/ceramic-document.js");
      document.body.dataset.doc = doc.toString();
    </script></main></body></html>`);
  web = await servePackagePage(files);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  web?.close();
  await node?.stop();
});

/** An axe-style pass over the shadow tree: landmarks, live regions and focusables have names. */
function audit(host) {
  const problems = [];
  const name = (e) => (e.getAttribute("aria-label") || e.textContent || "").trim();
  for (const e of host.shadowRoot.querySelectorAll("[role], summary, [tabindex], ol, dl")) {
    if (!name(e)) problems.push(`${e.tagName.toLowerCase()}[${e.getAttribute("part")}] has no accessible name`);
  }
  for (const e of host.shadowRoot.querySelectorAll("[tabindex]")) {
    if (Number(e.getAttribute("tabindex")) > 0) problems.push(`${e.tagName} has a positive tabindex`);
  }
  const roles = [...host.shadowRoot.querySelectorAll("[role]")].map((e) => e.getAttribute("role"));
  if (!roles.includes("region")) problems.push("no region landmark");
  if (!roles.includes("status") && !roles.includes("alert")) problems.push("no live status");
  return problems;
}

test("<ceramic-document> verifies, renders, follows updates, and is accessible", async () => {
  const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(`console: ${m.text()}`); });
  await page.goto(`${web.url}?node=${encodeURIComponent(node.url)}`);
  await page.waitForFunction(() => document.body.dataset.doc);
  const el = page.locator("ceramic-document");
  await page.waitForFunction(() => document.querySelector("ceramic-document")?.dataset.state === "verified", null, { timeout: 20000 });
  const shadow = (sel) => el.locator(sel);
  assert.match(await shadow("[part=status]").textContent(), /^Verified in this page · anchor: (none|local) · the node's claim matches$/);
  assert.deepEqual(JSON.parse(await shadow("[part=content]").textContent()), { title: "first" });
  const doc = await page.evaluate(() => document.body.dataset.doc);
  assert.equal(await shadow("section").getAttribute("aria-label"), `Ceramic document ${doc}`);

  // Keyboard: Tab reaches the content and the proof's summary; Enter opens the proof.
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.querySelector("ceramic-document").shadowRoot.activeElement?.getAttribute("part")), "content");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.querySelector("ceramic-document").shadowRoot.activeElement?.getAttribute("part")), "summary");
  await page.keyboard.press("Enter");
  assert.equal(await shadow("details").evaluate((d) => d.open), true);
  const facts = await shadow("[part=facts]").textContent();
  assert.match(facts, /Controllerdid:key:z6Mk/);
  assert.match(facts, /Node's claimmatches/);
  assert.ok((await shadow("[part=event]").first().textContent()).includes("signature: EdDSA signature by did:key:"));

  // The devnode anchors a new tip within its 1 s interval. An update built on the init event
  // while that time event lands is refused by the devnode, which keeps one branch (on
  // ceramic-one the same race makes a fork that the anchored branch wins): wait for the anchor
  // first, so that the update follows it (the node's tip is then a dag-cbor time event, `bafyrei…`).
  for (const deadline = Date.now() + 10000; ; await new Promise((r) => setTimeout(r, 100))) {
    const r = await fetch(`${node.url}/ceramic/streams/${doc}`);
    if (r.ok && (await r.json()).event_cid?.startsWith("bafyrei")) break;
    assert.ok(Date.now() < deadline, "the devnode did not anchor the document within 10 s");
  }

  // Live: an update made elsewhere shows up, verified.
  await page.evaluate(() => window.update("second"));
  await page.waitForFunction(() => {
    const c = document.querySelector("ceramic-document").shadowRoot.querySelector("[part=content]");
    return c && JSON.parse(c.textContent).title === "second";
  }, null, { timeout: 10000 });
  // Anchored by the devnode (1 s interval): the proof panel says on which chain.
  await page.waitForFunction(() => document.querySelector("ceramic-document").state?.anchor === "local", null, { timeout: 10000 });
  await shadow("details").evaluate((d) => { d.open = true; });
  assert.match(await shadow("[part=events]").textContent(), /time \S+ — on the development chain inmemory:0/);

  assert.deepEqual(await el.evaluate(audit), []);
  mkdirSync(join(root, ".artifacts"), { recursive: true });
  await page.screenshot({ path: join(root, ".artifacts/element.png"), fullPage: true });

  assert.deepEqual(errors, []);
  // A node that cannot be reached: an alert, not a verified look (Chromium logs the failed fetches).
  await el.evaluate((e) => e.setAttribute("node", "http://127.0.0.1:9"));
  await page.waitForFunction(() => document.querySelector("ceramic-document").dataset.state === "error", null, { timeout: 20000 });
  assert.match(await shadow("[role=alert]").textContent(), /^Not verified — NETWORK: /);
  assert.deepEqual(await el.evaluate(audit), []);
  assert.deepEqual(errors.filter((e) => !e.startsWith("console: Failed to load resource")), []);
});
