// `ceramic-wasm/worker` in Chromium: a 10,000-event stream verified in the worker while the page
// keeps drawing frames (a requestAnimationFrame loop), against the same verification on the page's
// thread; progress, cancellation, a verified load from a devnode, and the README's worker block.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { launchChromium } from "./chromium.mjs";
import { startDevnode } from "../js/devnode.mjs";
import { servePackagePage } from "./package-page.mjs";

const root = new URL("../..", import.meta.url).pathname;
let node, web, browser;

// The README's worker block, as a page runs it (the package served beside the page).
const readme = readFileSync(join(root, "README.md"), "utf8");
const section = readme.slice(readme.indexOf("### Verifying off the main thread"));
const readmeBlock = section.match(/```js\n([\s\S]*?)```/)[1]
  .replace('"ceramic-wasm/worker"', '"./ceramic-wasm/worker/index.js"')
  .replace('"http://127.0.0.1:5101"', "nodeUrl");

before(async () => {
  node = await startDevnode();
  const files = {};
  files["readme.js"] = (`export async function readmeExample(cars, streamId, nodeUrl) {\n${readmeBlock.replace(/^import .*$/m, "")}\nreturn { verified, state };\n}\n`
    .replace("export async function", 'import { CeramicWorker } from "./ceramic-wasm/worker/index.js";\nexport async function'));
  files["index.html"] = (`<!doctype html><body><script type="module">
    import init, { CeramicClient, CeramicError, KeyDidSigner, createInitEvent, createDataEvent, verifyStream } from "./ceramic-wasm/web/index.js";
    import { CeramicWorker } from "./ceramic-wasm/worker/index.js";
    import { readmeExample } from "./readme.js";
    await init();
    const MODEL = "kjzl6hvfrbw6c90uwoyz8j519gxma787qbsfjtrarkr1huq1g1s224k7hopvsyg";
    let frames = 0;
    const tick = () => { frames++; requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
    const framesDuring = async (f) => {
      await new Promise((r) => requestAnimationFrame(r));
      const start = frames, t = performance.now();
      const out = await f();
      return { out, frames: frames - start, ms: performance.now() - t };
    };
    window.run = async (n, nodeUrl) => {
      const signer = KeyDidSigner.generate();
      const init0 = await createInitEvent({ model: MODEL, content: { n: 0 }, signer });
      const cars = [init0.car];
      let current = { commitId: init0.streamId, content: { n: 0 } };
      for (let i = 1; i < n; i++) {
        const next = await createDataEvent({ current, content: { n: i }, signer });
        cars.push(next.car);
        current = { commitId: next.commitId, content: { n: i } };
      }
      const page = await framesDuring(() => verifyStream(cars));
      const worker = new CeramicWorker();
      let progress = 0, last;
      const off = await framesDuring(() => worker.verifyStream(cars, { onProgress: (d, t) => { progress++; last = [d, t]; } }));
      // Cancelled after 50 ms: rejects at once, and the next call works.
      const ctrl = new AbortController();
      const pending = worker.verifyStream(cars, { signal: ctrl.signal });
      setTimeout(() => ctrl.abort(), 50);
      const t = performance.now();
      const cancelled = await pending.then(() => "resolved", (e) => (e instanceof CeramicError ? e.code : String(e)));
      const cancelMs = performance.now() - t;
      const again = await worker.verifyStream(cars.slice(0, 3));
      // A verified load in the worker, of a document the page wrote through the devnode.
      const client = new CeramicClient({ url: nodeUrl });
      const model = await client.createModel({ signer, definition: { version: "2.0", name: "W", interface: false, implements: [],
        accountRelation: { type: "list" }, schema: { type: "object", properties: { a: { type: "string" } }, additionalProperties: false } } });
      const doc = await client.createDocument({ model, content: { a: "from the page" }, signer });
      const loaded = await worker.loadDocument(doc, { url: nodeUrl });
      const missing = await worker.loadDocument("kjzl6kcym7w8y7nzgytqayf6aro12zt0mm01n6ydjomyvvklcspx9kr6gpbwd09", { url: nodeUrl })
        .then(() => "resolved", (e) => e instanceof CeramicError && e.code);
      const example = await readmeExample(cars.slice(0, 5), doc.toString(), nodeUrl);
      worker.terminate();
      return {
        page: { frames: page.frames, ms: page.ms, events: page.out.state.log.length },
        worker: { frames: off.frames, ms: off.ms, events: off.out.state.log.length, content: off.out.state.content },
        progress, last, cancelled, cancelMs, again: again.state.log.length,
        loaded: { verified: loaded.verified, content: loaded.content }, missing,
        example: { events: example.verified.state.log.length, verified: example.state.verified },
      };
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

test("a 10,000-event stream verified in a worker leaves the page drawing frames", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(web.url);
  await page.waitForFunction(() => document.body.dataset.ready === "true");
  const n = 10000;
  const r = await page.evaluate(([n, url]) => window.run(n, url), [n, node.url]);
  console.log(JSON.stringify({ page: r.page, worker: { frames: r.worker.frames, ms: r.worker.ms }, cancelMs: r.cancelMs }));
  assert.equal(r.page.events, n);
  assert.equal(r.worker.events, n);
  assert.deepEqual(r.worker.content, { n: n - 1 });
  // On the page's thread the verification holds the frame loop; in the worker it runs on (at
  // least a frame per 50 ms of verification, where the page thread gets almost none).
  assert.ok(r.page.frames <= 3, `page thread: ${r.page.frames} frames in ${r.page.ms} ms`);
  assert.ok(r.worker.frames >= r.worker.ms / 50, `worker: ${r.worker.frames} frames in ${r.worker.ms} ms`);
  assert.equal(r.progress, n);
  assert.deepEqual(r.last, [n, n]);
  assert.equal(r.cancelled, "ABORTED");
  assert.ok(r.cancelMs < 1000, `cancelled in ${r.cancelMs} ms`);
  assert.equal(r.again, 3);
  assert.deepEqual(r.loaded, { verified: true, content: { a: "from the page" } });
  assert.equal(r.missing, "NOT_FOUND");
  assert.deepEqual(r.example, { events: 5, verified: true });
  assert.deepEqual(errors, []);
});
