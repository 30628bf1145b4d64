// ceramic-wasm against the JS SDK, side by side: the same loops (bench/browser/cases.mjs) in one
// headless Chromium page (Debian's, through playwright-core) with both libraries bundled, then in
// Node 20; and the gzip bytes of what a page downloads of each.
//
//   bash scripts/build-pkg.sh && node bench/side-by-side.mjs [--events 300] [--signs 300] [--stream 10000]
//
// Prints markdown tables (BENCHMARKS.md keeps the results with this command).
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { packageSizes, gzipBytes } from "../scripts/sizes.mjs";
import { serve } from "../scripts/serve.mjs";
import { launchChromium } from "../tests/browser/chromium.mjs";
import { runAll, table } from "./browser/cases.mjs";

const root = new URL("..", import.meta.url).pathname;
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const opts = { events: arg("events", 300), signs: arg("signs", 300), stream: arg("stream", 10_000) };

execFileSync(join(root, "node_modules/.bin/webpack"), ["--config", join(root, "bench/webpack.bench.mjs")], { stdio: "ignore" });

// 1. Chromium: one page, both libraries.
const web = await serve(join(root, ".artifacts/bench/page"));
const browser = await launchChromium();
let chromiumRows, chromiumVersion;
try {
  const page = await browser.newPage();
  page.on("console", (m) => { if (m.text().startsWith("bench:")) console.error(m.text()); });
  page.on("pageerror", (e) => console.error(`page error: ${e}`));
  page.setDefaultTimeout(600_000);
  await page.goto(`http://127.0.0.1:${web.address().port}/`);
  await page.waitForFunction(() => document.body.dataset.ready === "true");
  chromiumRows = await page.evaluate((o) => window.runBench(o), opts);
  chromiumVersion = browser.version();
} finally {
  await browser.close();
  web.close();
}

// 2. Node: the same loops on the Node build and the SDK's Node entry points.
const cw = await import(join(root, "pkg/node/index.mjs"));
const { createInitEvent } = await import("@ceramic-sdk/model-instance-client");
const { DocumentInitEventPayload } = await import("@ceramic-sdk/model-instance-protocol");
const { signedEventToContainer, signedEventToCAR } = await import("@ceramic-sdk/events");
const { StreamID } = await import("@ceramic-sdk/identifiers");
const { getAuthenticatedDID } = await import("@didtools/key-did");
const { DID } = await import("dids");
const { getResolver } = await import("key-did-resolver");
const sdk = { createInitEvent, signedEventToContainer, signedEventToCAR, DocumentInitEventPayload, getAuthenticatedDID, DID, getResolver, StreamID };
const nodeRows = await runAll(cw, sdk, { ...opts, log: (m) => console.error(`node: ${m}`) });

// 3. Bytes a page downloads.
const ours = await packageSizes(join(root, "pkg"));
const stacks = join(root, ".artifacts/bench/stacks");
const sizes = [
  ["ceramic-wasm, first load (wasm + JS, the JS minified by terser as the stacks below are)", ours.firstLoad],
  ["ceramic-wasm, whole package (every lazily loaded part; JS minified)", ours.whole],
  ["ceramic-wasm, first load with the JS as shipped in pkg/ (JSDoc included)", ours.firstLoadRaw],
  ["ceramic-wasm, whole package with the JS as shipped", ours.wholeRaw],
  ["JS SDK stack with the same features (http, model, model-instance, events, dids, key-did, cacao, eip191)", gzipBytes(join(stacks, "sdk-full.js"))],
  ["JS SDK write-only stack (model-instance + http + key-did)", gzipBytes(join(stacks, "sdk-write.js"))],
];

console.log(`Chromium ${chromiumVersion} (headless), one page, median of 5 rounds after 3 warm-up runs of each side:\n`);
console.log(table(chromiumRows, "Chromium"));
console.log(`\nNode ${process.version}, same loops:\n`);
console.log(table(nodeRows, "Node"));
console.log("\n| gzip -9 bytes a page downloads | bytes |\n|---|---:|");
for (const [name, n] of sizes) console.log(`| ${name} | ${n.toLocaleString("en-US")} |`);
