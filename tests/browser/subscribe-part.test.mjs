// A subscription's code is in the lazily loaded part: in a page that cannot fetch the part yet, the
// subscription waits (backing off, as for a node it cannot reach) and goes on once it can.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launchChromium } from "./chromium.mjs";
import { startDevnode } from "../js/devnode.mjs";
import { servePackagePage } from "./package-page.mjs";

let node, web, browser;

before(async () => {
  node = await startDevnode();
  web = await servePackagePage({
    "index.html": `<!doctype html><body><script type="module">
    import init, { CeramicClient, KeyDidSigner } from "./ceramic-wasm/web/index.js";
    await init();
    const client = new CeramicClient({ url: new URLSearchParams(location.search).get("node"), cache: false });
    window.first = async () => {
      const signer = KeyDidSigner.generate();
      const model = await client.createModel({ signer, definition: { version: "2.0", name: "Fed", interface: false,
        implements: [], accountRelation: { type: "list" }, schema: { type: "object", additionalProperties: false } } });
      const from = await client.resumeToken();
      const doc = await client.createDocument({ model, content: {}, signer });
      const it = client.subscribe({ model, resumeAt: from, pollIntervalMs: 50 });
      const ev = await it.next();
      await it.return();
      return { kind: ev.value.kind, doc: ev.value.streamId === doc.toString() };
    };
    document.body.dataset.ready = "true";
  </script></body>`,
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  web?.close();
  await node?.stop();
});

test("a subscription waits for a part it cannot fetch yet, then goes on", { timeout: 60_000 }, async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  let refused = 0;
  await page.route("**/ceramic_wasm_part-*.wasm", (route) => (refused < 2 ? (refused++, route.abort()) : route.continue()));
  await page.goto(`${web.url}?node=${encodeURIComponent(node.url)}`);
  await page.waitForFunction(() => document.body.dataset.ready === "true");
  // The first two fetches of the part fail; the subscription's first item still arrives.
  assert.deepEqual(await page.evaluate(() => window.first()), { kind: "init", doc: true });
  assert.equal(refused, 2);
  assert.deepEqual(errors, []);
  await page.close();
});
