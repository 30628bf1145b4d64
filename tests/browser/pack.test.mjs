// What users install: `npm pack` of pkg/, installed from the tarball into two fresh projects —
// a Node 20 ESM script and a webpack app loaded in headless Chromium — each talking to a devnode.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchChromium } from "./chromium.mjs";
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

const script = (url) => `
import { CeramicClient, CeramicError, KeyDidSigner, StreamID } from "ceramic-wasm";
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

test("a fresh webpack app installs the tarball, bundles it and runs it in Chromium", async () => {
  const dir = freshProject("webpack-app", {
    "src/index.js": `import("./app.js");\n`,
    "src/app.js": script(node.url) + "document.body.dataset.result = JSON.stringify(result);\n",
    "webpack.config.js": `export default { mode: "production", entry: "./src/index.js", experiments: { asyncWebAssembly: true },
      performance: { hints: false }, resolve: { modules: ["node_modules"] } };\n`,
  });
  // webpack itself comes from this repository's dev dependencies.
  execFileSync(join(root, "node_modules/.bin/webpack"), ["--config", "webpack.config.js"], { cwd: dir, stdio: "pipe" });
  writeFileSync(join(dir, "dist/index.html"), `<!doctype html><body><script src="main.js"></script></body>`);
  const web = await serve(join(dir, "dist"));
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`http://127.0.0.1:${web.address().port}/`);
    await page.waitForFunction(() => document.body.dataset.result, null, { timeout: 20000 });
    const out = JSON.parse(await page.evaluate(() => document.body.dataset.result));
    assert.deepEqual(out, { version: "0.58.0", verified: true, content: { title: "packed" }, code: "INVALID_STREAM_ID" });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    web.close();
  }
});

test("the web build works in a plain module page, without a bundler", async () => {
  const { cpSync } = await import("node:fs");
  const dir = join(work, "plain-page");
  cpSync(join(root, "pkg/web"), join(dir, "web"), { recursive: true });
  writeFileSync(join(dir, "index.html"), `<!doctype html><body><script type="module">
    import init, { CeramicClient, CeramicError, KeyDidSigner } from "./web/index.js";
    await init();
    const client = new CeramicClient({ url: ${JSON.stringify(node.url)} });
    let code;
    try { await client.getStreamState("kjzl6kcym7w8y7nzgytqayf6aro12zt0mm01n6ydjomyvvklcspx9kr6gpbwd09"); } catch (e) { code = e instanceof CeramicError && e.code; }
    document.body.dataset.result = JSON.stringify({ did: KeyDidSigner.generate().did.slice(0, 12), network: await client.network(), code });
  </script></body>`);
  const web = await serve(dir);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${web.address().port}/`);
    await page.waitForFunction(() => document.body.dataset.result, null, { timeout: 20000 });
    assert.deepEqual(JSON.parse(await page.evaluate(() => document.body.dataset.result)), { did: "did:key:z6Mk", network: "inmemory", code: "NOT_FOUND" });
  } finally {
    await browser.close();
    web.close();
  }
});
