// Build the extension into a folder Chromium loads (chrome://extensions → "Load unpacked", or
// --load-extension): this folder's files plus the package's browser build.
//
//   node build.mjs [--package node_modules/ceramic-wasm] [--out dist]
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? resolve(process.argv[i + 1]) : fallback;
};
const pkg = arg("--package", [join(here, "node_modules/ceramic-wasm"), join(here, "../../pkg")].find((p) => existsSync(p)));
const out = arg("--out", join(here, "dist"));
if (!pkg || !existsSync(join(pkg, "web/index.js"))) {
  console.error("ceramic-wasm not found: npm install ceramic-wasm, or pass --package <path to the package>");
  process.exit(1);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const f of ["manifest.json", "background.js", "content.js", "wallet.html", "wallet.css", "wallet.js"]) {
  cpSync(join(here, f), join(out, f));
}
// The web build (the worker loads it with init()), its error class, and the lazily loaded part.
const lazyPart = readdirSync(pkg).find((f) => /^ceramic_wasm_part-[0-9a-f]+\.wasm$/.test(f));
if (!lazyPart) {
  console.error(`no lazily loaded part (ceramic_wasm_part-<hash>.wasm) in ${pkg}: build the package first`);
  process.exit(1);
}
for (const part of ["web", lazyPart, "ceramic-error.js"]) cpSync(join(pkg, part), join(out, "ceramic-wasm", part), { recursive: true });
console.log(`extension built in ${out}`);
