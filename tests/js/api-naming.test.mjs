// Every public name of the TypeScript API is camelCase: parameters and fields of the generated
// .d.ts (wasm-bindgen takes Rust's snake_case names unless told otherwise).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

const root = new URL("../..", import.meta.url).pathname;

test("no snake_case parameter or field in the generated types", () => {
  const dts = readFileSync(`${root}/pkg/ceramic_wasm.d.ts`, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "") // doc comments
    .replace(/\/\/.*$/gm, "");
  const names = new Set();
  // `name:` or `name?:` as a parameter or a field.
  for (const m of dts.matchAll(/([A-Za-z_$][\w$]*)\??\s*:/g)) names.add(m[1]);
  assert.ok(names.has("initCar") && names.has("streamId"), "the scan sees the API's names");
  const snake = [...names].filter((n) => /[a-z0-9]_[a-z0-9]/i.test(n));
  assert.deepEqual(snake, [], `snake_case names in the TypeScript API: ${snake.join(", ")}`);
});
