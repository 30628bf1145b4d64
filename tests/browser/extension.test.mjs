// The extension wallet sample (examples/extension-wallet) loaded into headless Chromium: a page
// connects to it, creates and updates a document through it (the approval prompt shows the
// Model and content, then the stream and the patch, read from the signed bytes), a rejection
// ends in SIGNER_REJECTED, the service worker is stopped and restarts without losing the key,
// a locked wallet asks for the passphrase (a wrong one is refused), and the key at rest is
// encrypted with the passphrase. Screenshots of the prompts go to .artifacts/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { webcrypto } from "node:crypto";
import { launchWithExtension } from "./chromium.mjs";
import { startDevnode } from "../js/devnode.mjs";
import { servePackagePage } from "./package-page.mjs";
import { KeyDidSigner } from "ceramic-wasm";

const root = new URL("../..", import.meta.url).pathname;
const example = join(root, "examples/extension-wallet");
const PASSPHRASE = "correct horse battery staple";
const artifacts = join(root, ".artifacts");
let node, web, context, dir, sw, extensionId;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "extension-test-"));
  // Built the way its README says, from the package.
  execFileSync(process.execPath, [join(example, "build.mjs"), "--package", join(root, "pkg"), "--out", join(dir, "ext")]);
  node = await startDevnode();
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("### An extension wallet"));
  const block = section.match(/```js\n([\s\S]*?)```/)[1]
    .replace(/^import .*$/gm, "")
    .replace('"http://127.0.0.1:5101"', "nodeUrl");
  const helper = readFileSync(join(example, "page/wallet-signer.js"), "utf8").replace('from "ceramic-wasm"', 'from "./ceramic-wasm/web/index.js"');
  web = await servePackagePage({
    "wallet-signer.js": helper,
    "readme.js": `import { CeramicClient } from "./ceramic-wasm/web/index.js";
      import { connectWallet } from "./wallet-signer.js";
      export async function readmeExample(model, nodeUrl) {\n${block}\nreturn { did, doc: doc.toString() };\n}\n`,
    "index.html": `<!doctype html><body><script type="module">
      import init, { CeramicClient, CeramicError, KeyDidSigner } from "./ceramic-wasm/web/index.js";
      import { connectWallet } from "./wallet-signer.js";
      import { readmeExample } from "./readme.js";
      await init();
      window.readme = (m, nodeUrl) => code(readmeExample(m, nodeUrl));
      let client, wallet, model;
      const code = (p) => p.then((v) => ({ ok: v }), (e) => ({ code: e instanceof CeramicError ? e.code : "not a CeramicError: " + e, message: e.message }));
      window.ping = () => new Promise((resolve) => {
        const onMessage = (e) => { if (e.data?.target === "ceramic-wallet-page" && e.data.id === "ping") { removeEventListener("message", onMessage); resolve(e.data.result?.wallet); } };
        addEventListener("message", onMessage);
        postMessage({ target: "ceramic-wallet", id: "ping", method: "ceramic_ping" }, location.origin);
      });
      window.connect = (nodeUrl) => code((async () => {
        client = new CeramicClient({ url: nodeUrl });
        wallet = await connectWallet();
        // The Model is the app developer's (a key of the page); documents are the user's (the wallet's).
        model = await client.createModel({ signer: KeyDidSigner.generate(), definition: { version: "2.0", name: "Note",
          interface: false, implements: [], accountRelation: { type: "list" },
          schema: { type: "object", additionalProperties: false, properties: { title: { type: "string" }, tags: { type: "array", items: { type: "string" } } } } } });
        return { did: wallet.did, model: model.toString() };
      })());
      window.create = (content) => code(client.createDocument({ model, content, signer: wallet.signer }).then(String));
      window.update = (streamId, content) => code(client.updateDocument({ streamId, content, signer: wallet.signer }).then(String));
      window.load = async (streamId) => {
        const s = await client.loadDocument(streamId);
        return { content: s.content, controller: s.controller, verified: s.verified, events: s.log.length };
      };
      // A request the wallet must refuse without asking: not an event it can show.
      window.blind = () => code(wallet.signer.sign(new TextEncoder().encode("e30.AAAA")));
    </script>`,
  });
  context = await launchWithExtension(join(dir, "ext"), join(dir, "profile"));
  sw = context.serviceWorkers()[0] ?? (await context.waitForEvent("serviceworker"));
  extensionId = new URL(sw.url()).host;
  mkdirSync(artifacts, { recursive: true });
});

after(async () => {
  await context?.close();
  web?.close();
  await node?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Wait for the wallet's approval window and return it once it shows its request. */
async function prompt() {
  const p = await context.waitForEvent("page", { predicate: (pg) => pg.url().includes("wallet.html?request="), timeout: 20_000 });
  await p.waitForSelector("#request:not([hidden])");
  await p.waitForSelector("#approve:not([hidden]):not([disabled])"); // armed after a moment
  return p;
}

/** Run `f` in the page while answering the one prompt it raises with `answer(prompt)`. */
async function withPrompt(page, f, answer) {
  const shown = prompt();
  const result = page.evaluate(f.fn, f.arg);
  // A call that ends before any prompt shows is reported as what it is, not as a timeout.
  const p = await Promise.race([shown, result.then((r) => assert.fail(`ended before a prompt: ${JSON.stringify(r)}`))]);
  const seen = await answer(p);
  return { result: await result, seen };
}

const text = (p, sel) => p.locator(sel).innerText();
const prompts = () => context.pages().filter((pg) => pg.url().includes("wallet.html?request="));

test("a page creates and updates a document through the extension wallet, which shows what it signs", { timeout: 240_000 }, async () => {
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(web.url);
  await page.waitForFunction(() => typeof window.connect === "function");
  assert.equal(await page.evaluate(() => window.ping()), "ceramic-wasm sample", "the content script bridges the page to the service worker");
  // The wallet's own page asks the worker for its status (which only extension pages may).
  const ext = await context.newPage();
  await ext.goto(`chrome-extension://${extensionId}/wallet.html`);
  const status = async () => (await ext.evaluate(() => chrome.runtime.sendMessage({ type: "status" }))).result;
  const instance1 = (await status()).instance;

  // Connect: no key yet, so the prompt creates one under a passphrase (a short one is refused).
  const connected = await withPrompt(page, { fn: (url) => window.connect(url), arg: node.url }, async (p) => {
    assert.equal(await text(p, "#request-title"), "Connect to this site?");
    assert.match(await text(p, "#origin"), /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(await text(p, "#approve"), "Create key & approve");
    await p.fill("#passphrase", "short");
    await p.click("#approve");
    await p.waitForFunction(() => document.getElementById("error").textContent.includes("8 characters"));
    await p.fill("#passphrase", PASSPHRASE);
    await p.click("#approve");
  });
  const { did, model } = connected.result.ok ?? assert.fail(JSON.stringify(connected.result));
  assert.match(did, /^did:key:z6Mk/);

  // Create: the prompt shows the Model, the controller and the content, from the payload bytes.
  const created = await withPrompt(page, { fn: (c) => window.create(c), arg: { title: "hello", tags: ["a"] } }, async (p) => {
    assert.equal(await text(p, "#request-title"), "Create a document");
    assert.equal(await p.isVisible("#passphrase"), false); // unlocked: nothing to type
    const details = await text(p, "#details");
    assert.ok(details.includes(model), details);
    assert.ok(details.includes(did), details);
    assert.ok(details.includes('"title": "hello"'), details);
    await p.screenshot({ path: join(artifacts, "extension-approve-create.png") });
    await p.click("#approve");
  });
  const streamId = created.result.ok ?? assert.fail(JSON.stringify(created.result));
  let state = await page.evaluate((id) => window.load(id), streamId);
  assert.deepEqual(state.content, { title: "hello", tags: ["a"] });
  assert.equal(state.controller, did);
  assert.equal(state.verified, true);

  // Update: the prompt shows the document and the change (the JSON-Patch the event carries).
  const updated = await withPrompt(page, { fn: ([id, c]) => window.update(id, c), arg: [streamId, { title: "hello again", tags: ["a"] }] }, async (p) => {
    assert.equal(await text(p, "#request-title"), "Update a document");
    const details = await text(p, "#details");
    assert.ok(details.includes(streamId), details);
    assert.ok(details.includes('replace "/title" → "hello again"'), details);
    // The wallet computed the StreamID of the document it signed into being: it knows its Model.
    assert.ok(details.includes(model), details);
    assert.ok(details.includes(new URL(web.url).origin), details); // created from this site
    await p.screenshot({ path: join(artifacts, "extension-approve-update.png") });
    await p.click("#approve");
  });
  assert.match(updated.result.ok ?? assert.fail(JSON.stringify(updated.result)), /^k/);
  state = await page.evaluate((id) => window.load(id), streamId);
  assert.equal(state.content.title, "hello again");

  // Rejected: a coded error, and nothing was written.
  const rejected = await withPrompt(page, { fn: ([id, c]) => window.update(id, c), arg: [streamId, { title: "never" }] }, (p) => p.click("#reject"));
  assert.equal(rejected.result.code, "SIGNER_REJECTED", JSON.stringify(rejected.result));
  // Closing the prompt without answering is a rejection too.
  const closed = await withPrompt(page, { fn: ([id, c]) => window.update(id, c), arg: [streamId, { title: "never" }] }, (p) => p.close());
  assert.equal(closed.result.code, "SIGNER_REJECTED", JSON.stringify(closed.result));
  state = await page.evaluate((id) => window.load(id), streamId);
  assert.equal(state.content.title, "hello again");
  assert.equal(state.events, 2);

  // A signing input that is not a Ceramic event the wallet can show: refused without a prompt.
  const blind = await page.evaluate(() => window.blind());
  assert.equal(blind.code, "SIGNER_FAILED", JSON.stringify(blind));
  assert.match(blind.message, /only Ceramic events it can show/);
  assert.deepEqual(prompts(), []);

  // The service worker is stopped (as Chrome does when it is idle) and restarts on the next
  // message: the key is still there and still unlocked for this browser session.
  const cdp = await context.browser()?.newBrowserCDPSession?.() ?? (await context.newCDPSession(page));
  const { targetInfos } = await cdp.send("Target.getTargets");
  const worker = targetInfos.find((t) => t.type === "service_worker" && t.url.startsWith(`chrome-extension://${extensionId}/`));
  assert.ok(worker, "the wallet's service worker is running");
  await cdp.send("Target.closeTarget", { targetId: worker.targetId });
  let instance2 = instance1;
  for (let i = 0; i < 50 && instance2 === instance1; i++) {
    await new Promise((r) => setTimeout(r, 100));
    instance2 = (await status().catch(() => ({}))).instance ?? instance1;
  }
  assert.notEqual(instance2, instance1, "a new service worker instance answered");
  const afterRestart = await withPrompt(page, { fn: ([id, c]) => window.update(id, c), arg: [streamId, { title: "after restart", tags: ["a"] }] }, async (p) => {
    assert.equal(await text(p, "#approve"), "Approve"); // unlocked: no passphrase asked
    await p.click("#approve");
  });
  assert.ok(afterRestart.result.ok, JSON.stringify(afterRestart.result));
  state = await page.evaluate((id) => window.load(id), streamId);
  assert.equal(state.content.title, "after restart");
  assert.equal(state.controller, did);

  // Locked (from the wallet's popup): the next request asks for the passphrase; a wrong one is
  // refused and the request stays open; the right one signs with the same key.
  const popup = await context.newPage();
  await popup.goto(`chrome-extension://${extensionId}/wallet.html`);
  await popup.waitForSelector("#lock:not([hidden])");
  assert.ok((await text(popup, "#key-status")).includes(did));
  await popup.click("#lock");
  await popup.waitForSelector("#unlock:not([hidden])");
  await popup.close();
  const unlocked = await withPrompt(page, { fn: ([id, c]) => window.update(id, c), arg: [streamId, { title: "unlocked", tags: ["a"] }] }, async (p) => {
    assert.equal(await text(p, "#approve"), "Unlock & approve");
    assert.equal(await p.isVisible("#passphrase"), true);
    await p.fill("#passphrase", "wrong passphrase");
    await p.click("#approve");
    await p.waitForFunction(() => document.getElementById("error").textContent === "wrong passphrase");
    await p.fill("#passphrase", PASSPHRASE);
    await p.click("#approve");
  });
  assert.ok(unlocked.result.ok, JSON.stringify(unlocked.result));
  state = await page.evaluate((id) => window.load(id), streamId);
  assert.equal(state.content.title, "unlocked");
  assert.equal(state.events, 4);

  // The README's block: connected and unlocked already, so one prompt, for the event.
  const example = await withPrompt(page, { fn: ([m, url]) => window.readme(m, url), arg: [model, node.url] }, async (p) => {
    assert.ok((await text(p, "#details")).includes('"title": "from my wallet"'));
    await p.click("#approve");
  });
  const { doc } = example.result.ok ?? assert.fail(JSON.stringify(example.result));
  assert.equal(example.result.ok.did, did);
  state = await page.evaluate((id) => window.load(id), doc);
  assert.deepEqual(state.content, { title: "from my wallet" });
  assert.equal(state.controller, did);
  assert.deepEqual(errors, []);

  // At rest: a vault that the passphrase opens to this very key, and no seed in the clear.
  const sw2 = context.serviceWorkers().find((w) => w.url().startsWith(`chrome-extension://${extensionId}/`));
  const stored = await sw2.evaluate(() => chrome.storage.local.get(null));
  const { vault } = stored;
  assert.equal(vault.did, did);
  const unb64 = (s) => Buffer.from(s, "base64url");
  const base = await webcrypto.subtle.importKey("raw", Buffer.from(PASSPHRASE), "PBKDF2", false, ["deriveBits"]);
  const bits = await webcrypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: unb64(vault.kdf.salt), iterations: vault.kdf.iterations }, base, 256);
  assert.ok(vault.kdf.iterations >= 600_000);
  const aes = await webcrypto.subtle.importKey("raw", bits, "AES-GCM", false, ["decrypt"]);
  const seed = new Uint8Array(await webcrypto.subtle.decrypt({ name: "AES-GCM", iv: unb64(vault.cipher.iv), additionalData: Buffer.from(did) }, aes, unb64(vault.data)));
  assert.equal(KeyDidSigner.fromSeed(seed).did, did);
  const everything = JSON.stringify(stored) + JSON.stringify(await sw2.evaluate(() => chrome.storage.session.get(null)));
  for (const form of [Buffer.from(seed).toString("base64url"), Buffer.from(seed).toString("base64"), Buffer.from(seed).toString("hex")]) {
    assert.ok(!everything.includes(form), "the seed is stored nowhere in the clear");
  }
});
