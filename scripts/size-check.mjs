// The size budget: fails when the package a page downloads grows more than 3 % over the budget in
// bench/size-budget.json. Sizes are gzip -9 of what a bundler ships from pkg/ (the bundler build):
//   firstLoad — the module every page loads: the main .wasm and the JS (index.js, the wasm-bindgen
//               glue, the error class);
//   whole     — firstLoad plus every lazily loaded part (further .wasm files in pkg/).
// Usage: node scripts/size-check.mjs [pkg]   (after scripts/build-pkg.sh; SIZE_BUDGET_FILE=… for another budget)
import { readFileSync, readdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const pkg = process.argv[2] ?? join(root, "pkg");
const gz = (f) => gzipSync(readFileSync(join(pkg, f)), { level: 9 }).length;
const files = readdirSync(pkg);
const js = files.filter((f) => f.endsWith(".js"));
const wasm = files.filter((f) => f.endsWith(".wasm"));
const main = "ceramic_wasm_bg.wasm";
const firstLoad = gz(main) + js.reduce((n, f) => n + gz(f), 0);
const whole = firstLoad + wasm.filter((f) => f !== main).reduce((n, f) => n + gz(f), 0);
const budgetFile = process.env.SIZE_BUDGET_FILE ?? join(root, "bench/size-budget.json");
const budget = JSON.parse(readFileSync(budgetFile, "utf8"));
let failed = false;
for (const [name, size] of [["firstLoad", firstLoad], ["whole", whole]]) {
  const limit = Math.floor(budget[name] * 1.03);
  const verdict = size > limit ? "OVER BUDGET" : "ok";
  console.log(`${name}: ${size} B gzip -9 (budget ${budget[name]}, limit +3 % = ${limit}) ${verdict}`);
  failed ||= size > limit;
}
if (failed) {
  console.error("The package grew more than 3 % over bench/size-budget.json: find the bytes (BENCHMARKS.md, twiggy) or, if they are worth it, raise the budget in the same commit and say why.");
  process.exit(1);
}
