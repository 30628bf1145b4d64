// The IndexedDB outbox in Chromium: writes made offline wait in the outbox, survive a page reload
// while the node is still unreachable, and are published in order when the browser comes back
// online; the README's outbox block runs in the page.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { launchChromium } from "./chromium.mjs";
import { startDevnode } from "../js/devnode.mjs";
import { servePackagePage } from "./package-page.mjs";
import { CeramicClient } from "ceramic-wasm";

const root = new URL("../..", import.meta.url).pathname;
let node, web, browser;

const readme = readFileSync(join(root, "README.md"), "utf8");
const block = readme.slice(readme.indexOf("**Offline writes.**")).match(/```js\n([\s\S]*?)```/)[1];

before(async () => {
  node = await startDevnode();
  const body = block.replace(/^import .*$/gm, "").replace('"http://127.0.0.1:5101"', "url");
  web = await servePackagePage({
    "readme.js": `import { CeramicClient } from "./ceramic-wasm/web/index.js";
import { indexedDbOutbox } from "./ceramic-wasm/cache/index.js";
export function readmeClient(url) {\n${body}\nreturn client;\n}\n`,
    "index.html": `<!doctype html><body><script type="module">
    import init, { CeramicError, KeyDidSigner } from "./ceramic-wasm/web/index.js";
    import { readmeClient } from "./readme.js";
    await init();
    const url = new URLSearchParams(location.search).get("node");
    const client = readmeClient(url); // the README's: an IndexedDB outbox
    const code = (p) => p.then((v) => ({ ok: String(v) }), (e) => ({ code: e instanceof CeramicError ? e.code : String(e) }));
    let signer, model;
    window.setup = async () => {
      signer = KeyDidSigner.generate();
      model = await client.createModel({ signer, definition: { version: "2.0", name: "Offline", interface: false, implements: [],
        accountRelation: { type: "list" }, schema: { type: "object", additionalProperties: false,
          // A pattern: its check is in the lazily loaded part, which the outbox client fetched when it was made.
          properties: { n: { type: "integer" }, tag: { type: "string", pattern: "^[a-z]*$", maxLength: 8 } } } } });
      return model.toString();
    };
    window.create = (n) => code(client.createDocument({ model, content: { n }, signer }));
    window.update = (doc, n) => code(client.updateDocument({ streamId: doc, content: { n }, signer }));
    window.pending = () => client.pendingWrites();
    window.onLine = () => navigator.onLine;
    window.waitPublished = async () => {
      for (let i = 0; i < 100; i++) {
        if ((await client.pendingWrites()).length === 0) return true;
        await new Promise((r) => setTimeout(r, 100));
      }
      return false;
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

test("offline writes wait in IndexedDB, survive a reload and are published when back online", { timeout: 120_000 }, async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const parts = [];
  page.on("requestfinished", (r) => r.url().includes("/ceramic_wasm_part") && parts.push(r.url()));
  const at = `${web.url}?node=${encodeURIComponent(node.url)}`;
  const ready = () => page.waitForFunction(() => document.body.dataset.ready === "true");
  await page.goto(at);
  await ready();
  // Nothing has needed the part yet: the client with an outbox fetched it when it was made.
  if (parts.length === 0) {
    await page.waitForEvent("requestfinished", { predicate: (r) => r.url().includes("/ceramic_wasm_part"), timeout: 10_000 });
  }
  await page.evaluate(() => window.setup());
  assert.equal(parts.length, 1, "a client with an outbox fetches the lazily loaded part while online");

  // The network is cut: writes resolve, and wait in the outbox.
  await context.setOffline(true);
  assert.equal(await page.evaluate(() => window.onLine()), false);
  const created = await page.evaluate(() => window.create(0));
  const doc = created.ok ?? assert.fail(JSON.stringify(created));
  const updated = await page.evaluate((d) => window.update(d, 1), doc);
  assert.ok(updated.ok, JSON.stringify(updated));
  const waiting = await page.evaluate(() => window.pending());
  assert.equal(waiting.length, 2);
  const direct = new CeramicClient({ url: node.url, cache: false });
  await assert.rejects(direct.getStreamState(doc), (e) => e.code === "NOT_FOUND");

  // The browser is back online but the node is still unreachable: the `online` attempt fails
  // and keeps everything; the page is reloaded meanwhile, and a new client finds the outbox.
  await context.route(`${node.url}/**`, (route) => route.abort("connectionrefused"));
  await context.setOffline(false);
  await page.reload();
  await ready();
  assert.deepEqual(await page.evaluate(() => window.pending()), waiting);
  await assert.rejects(direct.getStreamState(doc), (e) => e.code === "NOT_FOUND");

  // The node is reachable again, and the browser says it is online: published, in order.
  await context.unroute(`${node.url}/**`);
  await context.setOffline(true);
  await context.setOffline(false); // fires `online`
  assert.equal(await page.evaluate(() => window.waitPublished()), true);
  const s = await direct.loadDocument(doc);
  assert.deepEqual([s.content.n, s.log.length, s.verified], [1, 2, true]);
  assert.deepEqual(s.log.map((e) => e.cid), waiting);
  assert.deepEqual(errors, []);
  await context.close();
});
