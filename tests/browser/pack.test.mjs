// What users install: `npm pack` of pkg/, installed from the tarball into fresh projects — a Node 20
// ESM script, a webpack app and a Vite app loaded in headless Chromium — each talking to a devnode.
// The browser apps also show the split: a did:key app downloads one .wasm; the lazily loaded
// part (P-256/secp256k1) is fetched only when a CACAO (eip191) event is first verified.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchChromium } from "./chromium.mjs";
import { servePackagePage } from "./package-page.mjs";
import { startDevnode } from "../js/devnode.mjs";
import { serve } from "../../scripts/serve.mjs";

const root = new URL("../..", import.meta.url).pathname;
let node, work, tarball;

before(async () => {
  node = await startDevnode();
  work = mkdtempSync(join(tmpdir(), "pack-"));
  const out = execFileSync("npm", ["pack", join(root, "pkg"), "--pack-destination", work, "--json"], { encoding: "utf8" });
  tarball = join(work, JSON.parse(out)[0].filename);
});

after(async () => {
  await node?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

function freshProject(name, files) {
  const dir = join(work, name);
  mkdirSync(join(dir, "src"), { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, private: true, type: "module" }));
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  // Only the tarball: no registry needed for a package without dependencies.
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--offline", tarball], { cwd: dir, stdio: "pipe" });
  return dir;
}

// An eip191 CACAO-signed init event (rust-ceramic's fixture), valid at `now: 1718400000`.
const cacaoEvent = JSON.parse(readFileSync(join(root, "../shared/vectors/rust-ceramic-events.json"), "utf8"))
  .fixtures.CACAO_SIGNED_DATA_EVENT_CAR;

// The app's phase 2, called by the test: verify the CACAO event (the first call needing the part).
const verifyCacao = `
window.verifyCacao = async () => {
  try {
    const checks = await verifyEvent(${JSON.stringify(cacaoEvent)}, null, { now: 1718400000 });
    return { kinds: checks.map((c) => c.kind) };
  } catch (e) {
    return { code: e.code };
  }
};
`;

const script = (url, from = "ceramic-wasm") => `
import { CeramicClient, CeramicError, KeyDidSigner, StreamID, verifyEvent } from "${from}";
const client = new CeramicClient({ url: ${JSON.stringify(url)} });
const signer = KeyDidSigner.generate();
const definition = { version: "2.0", name: "Packed", interface: false, implements: [], accountRelation: { type: "list" },
  schema: { type: "object", additionalProperties: false, properties: { title: { type: "string", maxLength: 10 } }, required: ["title"] } };
const model = await client.createModel({ definition, signer });
const doc = await client.createDocument({ model, content: { title: "packed" }, signer });
const state = await client.loadDocument(doc);
let code;
try { StreamID.fromString("x"); } catch (e) { code = e instanceof CeramicError && e.code; }
const result = { version: await client.version(), verified: state.verified, content: state.content, code };
`;

test("a fresh Node 20 ESM project installs the tarball and uses it", () => {
  const dir = freshProject("node-app", { "src/main.js": script(node.url) + "console.log(JSON.stringify(result));\n" });
  const out = JSON.parse(execFileSync("node", ["src/main.js"], { cwd: dir, encoding: "utf8" }).trim());
  assert.deepEqual(out, { version: "0.58.0", verified: true, content: { title: "packed" }, code: "INVALID_STREAM_ID" });
});

// Loads a built app in Chromium: phase 1 (did:key: create, load) downloads only the main .wasm;
// verifying a CACAO event then fetches the lazy part — first with its .wasm blocked (a coded error,
// and the page keeps working), then for real.
async function checkApp(dist) {
  const web = await serve(dist);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    const wasm = [];
    let block = false;
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.route("**/*.wasm", (route) => {
      wasm.push(new URL(route.request().url()).pathname);
      return block ? route.abort() : route.continue();
    });
    await page.goto(`http://127.0.0.1:${web.address().port}/`);
    await page.waitForFunction(() => document.body.dataset.result, null, { timeout: 20000 });
    const out = JSON.parse(await page.evaluate(() => document.body.dataset.result));
    assert.deepEqual(out, { version: "0.58.0", verified: true, content: { title: "packed" }, code: "INVALID_STREAM_ID" });
    assert.equal(wasm.length, 1, `a did:key app downloads one .wasm: ${wasm}`);

    block = true;
    assert.deepEqual(await page.evaluate(() => window.verifyCacao()), { code: "PART_NOT_LOADED" });
    assert.equal(wasm.length, 2, `the lazy part was asked for: ${wasm}`);
    block = false;
    const verified = await page.evaluate(() => window.verifyCacao());
    assert.ok(verified.kinds?.includes("capabilitySignature"), JSON.stringify(verified));
    assert.equal(wasm.length, 3, `${wasm}`);
    assert.notEqual(wasm[2], wasm[0], "the lazy part is its own .wasm");
    assert.equal(wasm[2], wasm[1]);
    // Loaded once: later calls need no download.
    await page.evaluate(() => window.verifyCacao());
    assert.equal(wasm.length, 3);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    web.close();
  }
}

test("a fresh webpack app installs the tarball, bundles it and runs it in Chromium", async () => {
  const dir = freshProject("webpack-app", {
    "src/index.js": `import("./app.js");\n`,
    "src/app.js": script(node.url) + verifyCacao + "document.body.dataset.result = JSON.stringify(result);\n",
    "webpack.config.js": `export default { mode: "production", entry: "./src/index.js", experiments: { asyncWebAssembly: true },
      performance: { hints: false }, resolve: { modules: ["node_modules"] } };\n`,
  });
  // webpack itself comes from this repository's dev dependencies.
  execFileSync(join(root, "node_modules/.bin/webpack"), ["--config", "webpack.config.js"], { cwd: dir, stdio: "pipe" });
  writeFileSync(join(dir, "dist/index.html"), `<!doctype html><body><script src="main.js"></script></body>`);
  await checkApp(join(dir, "dist"));
});

test("a fresh Vite app installs the tarball, builds it with no configuration and runs it in Chromium", async () => {
  const dir = freshProject("vite-app", {
    // As the README says for Vite: the `ceramic-wasm/web` entry, and `await init()` once.
    "src/app.js": `import init from "ceramic-wasm/web";\nawait init();\n` + script(node.url, "ceramic-wasm/web")
      + verifyCacao + "document.body.dataset.result = JSON.stringify(result);\n",
    "index.html": `<!doctype html><body><script type="module" src="/src/app.js"></script></body>`,
  });
  // Vite itself comes from this repository's dev dependencies.
  execFileSync(join(root, "node_modules/.bin/vite"), ["build", "--logLevel", "warn"], { cwd: dir, stdio: "pipe" });
  await checkApp(join(dir, "dist"));
});

test("the web build works in a plain module page, without a bundler", async () => {
  const web = await servePackagePage({ "index.html": `<!doctype html><body><script type="module">
    import init, { CeramicClient, CeramicError, KeyDidSigner } from "./ceramic-wasm/web/index.js";
    await init();
    const client = new CeramicClient({ url: ${JSON.stringify(node.url)} });
    let code;
    try { await client.getStreamState("kjzl6kcym7w8y7nzgytqayf6aro12zt0mm01n6ydjomyvvklcspx9kr6gpbwd09"); } catch (e) { code = e instanceof CeramicError && e.code; }
    document.body.dataset.result = JSON.stringify({ did: KeyDidSigner.generate().did.slice(0, 12), network: await client.network(), code });
  </script></body>` });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(web.url);
    await page.waitForFunction(() => document.body.dataset.result, null, { timeout: 20000 });
    assert.deepEqual(JSON.parse(await page.evaluate(() => document.body.dataset.result)), { did: "did:key:z6Mk", network: "inmemory", code: "NOT_FOUND" });
  } finally {
    await browser.close();
    web.close();
  }
});
