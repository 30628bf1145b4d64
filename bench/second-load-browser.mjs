// The browser's default event store (IndexedDB), measured in headless Chromium against
// ceramic-devnode: a verified load of an unchanged N-event document with the store off, with it on
// and empty (what the default costs a first load), and after a page reload (what it saves).
//   bash scripts/build-pkg.sh && cargo build -p ceramic-devnode && node bench/second-load-browser.mjs [N]
import { launchChromium } from "../tests/browser/chromium.mjs";
import { startDevnode } from "../tests/js/devnode.mjs";
import { servePackagePage } from "../tests/browser/package-page.mjs";

const n = Number(process.argv[2] ?? 1000);
const node = await startDevnode();
const web = await servePackagePage({
  "index.html": `<!doctype html><body><script type="module">
    import init, { CeramicClient, KeyDidSigner, createInitEvent, createDataEvent } from "./ceramic-wasm/web/index.js";
    await init();
    const url = new URLSearchParams(location.search).get("node");
    window.write = async (n) => {
      const client = new CeramicClient({ url, cache: false });
      const signer = KeyDidSigner.generate();
      const model = await client.createModel({ signer, definition: { version: "2.0", name: "Bench", interface: false, implements: [],
        accountRelation: { type: "list" }, schema: { type: "object", properties: { n: { type: "integer" } }, additionalProperties: false } } });
      // Built offline and posted in order: faster to set up than n updates.
      const init0 = await createInitEvent({ model, content: { n: 0 }, signer });
      await client.postEvent(init0.car);
      let current = { commitId: init0.streamId, content: { n: 0 } };
      for (let i = 1; i < n; i++) {
        const next = await createDataEvent({ current, content: { n: i }, signer });
        await client.postEvent(next.car);
        current = { commitId: next.commitId, content: { n: i } };
      }
      return init0.streamId.toString();
    };
    window.load = async (doc, cache) => {
      let requests = 0;
      const client = new CeramicClient({ url, fetch: (r) => (requests++, fetch(r)), ...(cache === "default" ? {} : { cache }) });
      const t = performance.now();
      const s = await client.loadDocument(doc);
      return { events: s.log.length, requests, ms: performance.now() - t };
    };
    window.settle = () => new Promise((r) => setTimeout(r, 2000)); // the store's background writes
    document.body.dataset.ready = "true";
  </script></body>`,
});
const browser = await launchChromium();
try {
  const page = await (await browser.newContext()).newPage();
  const at = `${web.url}?node=${encodeURIComponent(node.url)}`;
  const ready = () => page.waitForFunction(() => document.body.dataset.ready === "true");
  await page.goto(at);
  await ready();
  const doc = await page.evaluate((k) => window.write(k), n);
  const rows = [];
  const row = (label, r) => rows.push(`| ${label} | ${r.events} | ${r.requests} | ${r.ms.toFixed(1)} |`);
  row("store off (`cache: false`)", await page.evaluate((d) => window.load(d, false), doc));
  row("default store, empty (a first load)", await page.evaluate((d) => window.load(d, "default"), doc));
  await page.evaluate(() => window.settle());
  await page.reload();
  await ready();
  row("default store, after a page reload", await page.evaluate((d) => window.load(d, "default"), doc));
  row("store off again, after the reload", await page.evaluate((d) => window.load(d, false), doc));
  console.log(`| ${n}-event document, verified load in Chromium | events | requests | ms |\n|---|---:|---:|---:|\n${rows.join("\n")}`);
} finally {
  await browser.close();
  web.close();
  await node.stop();
}
