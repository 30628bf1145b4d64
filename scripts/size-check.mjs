// The size budget: fails when the package a page downloads grows more than 3 % over the budget in
// bench/size-budget.json (sizes as scripts/sizes.mjs measures them: first load and whole, JS minified, gzip -9).
// Usage: node scripts/size-check.mjs [pkg]   (after scripts/build-pkg.sh; SIZE_BUDGET_FILE=… for another budget)
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageSizes } from "./sizes.mjs";

const root = new URL("..", import.meta.url).pathname;
const { firstLoad, whole } = await packageSizes(process.argv[2] ?? join(root, "pkg"));
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
