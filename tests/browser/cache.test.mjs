// The IndexedDB event store in Chromium: a document loaded once is loaded again after a page
// reload with a single request to the node, verified in the page as the first time; a client made
// without a `cache` option uses it by default, `cache: false` turns it off.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { launchChromium } from "./chromium.mjs";
import { startDevnode } from "../js/devnode.mjs";
import { servePackagePage } from "./package-page.mjs";

const root = new URL("../..", import.meta.url).pathname;
let node, web, browser;

// The README's store block, run in the page (after the reload).
const readme = readFileSync(join(root, "README.md"), "utf8");
const block = readme.slice(readme.indexOf("**Loading again.**")).match(/```js\n([\s\S]*?)```/)[1];
const [importLine, ...body] = block.trim().split("\n");

before(async () => {
  node = await startDevnode();
  const files = {};
  files["readme.js"] = (`${importLine.replace('"ceramic-wasm/cache"', '"./ceramic-wasm/cache/index.js"')}
import { CeramicClient } from "./ceramic-wasm/web/index.js";
export function readmeClient(nodeUrl) {
  ${body.join("\n").replace('"http://127.0.0.1:5101"', "nodeUrl")}
  return client;
}
`);
  files["index.html"] = (`<!doctype html><body><script type="module">
    import init, { CeramicClient, KeyDidSigner } from "./ceramic-wasm/web/index.js";
    import { indexedDbCache } from "./ceramic-wasm/cache/index.js";
    import { readmeClient } from "./readme.js";
    await init();
    const url = new URLSearchParams(location.search).get("node");
    window.write = async (n) => {
      const client = new CeramicClient({ url });
      const signer = KeyDidSigner.generate();
      const model = await client.createModel({ signer, definition: { version: "2.0", name: "Kept", interface: false, implements: [],
        accountRelation: { type: "list" }, schema: { type: "object", properties: { n: { type: "integer" } }, additionalProperties: false } } });
      const doc = await client.createDocument({ model, content: { n: 0 }, signer });
      for (let i = 1; i < n; i++) await client.updateDocument({ streamId: doc, content: { n: i }, signer });
      return doc.toString();
    };
    window.load = async (doc, mode = "explicit") => {
      const requests = [];
      const fetchLogged = (r) => (requests.push(new URL(r.url).pathname), fetch(r));
      const cache = { explicit: indexedDbCache(), off: false, default: undefined }[mode];
      const client = new CeramicClient({ url, fetch: fetchLogged, ...(mode === "default" ? {} : { cache }) });
      const t = performance.now();
      const s = await client.loadDocument(doc);
      return { requests: requests.length, ms: performance.now() - t, content: s.content, verified: s.verified, events: s.log.length };
    };
    window.readme = async (doc) => {
      const s = await readmeClient(url).loadDocument(doc);
      return { verified: s.verified, content: s.content };
    };
    // The default store writes in the background: wait until it holds \`n\` events.
    window.stored = async (n) => {
      for (let i = 0; i < 100; i++) {
        const count = await indexedDbCache().get("?").then(() => new Promise((resolve) => {
          const req = indexedDB.open("ceramic-wasm-events");
          req.onsuccess = () => { const c = req.result.transaction("events").objectStore("events").count(); c.onsuccess = () => { req.result.close(); resolve(c.result); }; };
          req.onerror = () => resolve(0);
        }));
        if (count >= n) return count;
        await new Promise((r) => setTimeout(r, 50));
      }
      return -1;
    };
    document.body.dataset.ready = "true";
  </script></body>`);
  web = await servePackagePage(files);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  web?.close();
  await node?.stop();
});

test("after a reload, an unchanged document costs one request", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const at = `${web.url}?node=${encodeURIComponent(node.url)}`;
  await page.goto(at);
  await page.waitForFunction(() => document.body.dataset.ready === "true");
  const doc = await page.evaluate(() => window.write(50));
  // No cache option: the default store (IndexedDB in a browser) keeps what the load fetched.
  const first = await page.evaluate((d) => window.load(d, "default"), doc);
  // Every event the load fetched (the document's 50 and its Model's init event: all requests but
  // the one for the stream's tip) is written before the reload: the store writes in batches, and a
  // reload in between would leave the last one to fetch again.
  const fetched = first.requests - 1;
  assert.ok((await page.evaluate((n) => window.stored(n), fetched)) >= fetched, "the default store holds the events");
  await page.reload();
  await page.waitForFunction(() => document.body.dataset.ready === "true");
  const second = await page.evaluate((d) => window.load(d), doc);
  const byDefault = await page.evaluate((d) => window.load(d, "default"), doc);
  const off = await page.evaluate((d) => window.load(d, "off"), doc);
  console.log(JSON.stringify({ first, second, byDefault, off }));
  assert.deepEqual([first.events, first.verified, first.content], [50, true, { n: 49 }]);
  assert.ok(first.requests > 50, `${first.requests}`);
  assert.deepEqual([second.events, second.verified, second.content, second.requests], [50, true, { n: 49 }, 1]);
  assert.deepEqual([byDefault.events, byDefault.verified, byDefault.requests], [50, true, 1]);
  // Opted out: everything from the node again, verified the same.
  assert.deepEqual([off.events, off.verified, off.content], [50, true, { n: 49 }]);
  assert.ok(off.requests > 50, `${off.requests}`);
  assert.deepEqual(await page.evaluate((d) => window.readme(d), doc), { verified: true, content: { n: 49 } });
  await context.close();
});
