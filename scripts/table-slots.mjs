// Empty the function table's slots that only wasm-bindgen's describers took (scripts/build-pkg.sh,
// between wasm-bindgen and split-part.mjs).
//
//   node scripts/table-slots.mjs <in.wasm> <linked.wasm> <out.wasm>
//
// <in.wasm> is wasm-bindgen's output with its names kept (`--keep-debug`); <linked.wasm> the
// linker's output it was made from, linked with `--emit-relocs`.
//
// wasm-bindgen learns each binding's types by running its describe functions, which write the
// table index of every closure `invoke` shim they describe (js-sys's `forEach`, `map`, `some` …
// callbacks on typed arrays and arrays, the closures our code hands to JS); then it deletes the
// describers. The slots stay filled: the linker put each shim in the table because a describer
// took its address, and a function in the table is one no optimiser may drop. wasm-bindgen 0.2's
// glue calls closures through named exports, not through the table, so a slot whose function's
// index was taken only by describers (the linker's table-index relocations say who took it) is
// one nothing left can reach: it is left empty here (a call through it would trap), and
// wasm-opt drops the shims nothing calls, or inlines them into the one export that does.
// Main wasm −3.5 K raw, −0.7 K gzip (BENCHMARKS.md).
//
// A slot is emptied only when its function is the same one, by name, in both modules and every
// function that took its index is a describer that is no longer in <in.wasm>; a data reference
// (a vtable, a function pointer in a static) keeps it.
import { readFileSync, writeFileSync } from "node:fs";
import { linkedData } from "./data-refs.mjs";
import { elementSegments, functionNames, withElementSegments } from "./wasm-binary.mjs";

const [input, linked, output] = process.argv.slice(2);
if (!output) {
  console.error("usage: node scripts/table-slots.mjs <in.wasm> <linked.wasm> <out.wasm>");
  process.exit(2);
}
const bytes = readFileSync(input);
const linkedBytes = readFileSync(linked);
const { tableRefs, demangle } = linkedData(linkedBytes, linked);
const linkedNames = functionNames(linkedBytes, linked);
const names = functionNames(bytes, input);
if (names.size === 0) throw new Error(`${input}: no function names (run wasm-bindgen with --keep-debug)`);
// wasm-bindgen writes a second function of a name `name[1]`.
const present = new Set([...names.values()].map((n) => n.replace(/\[\d+\]$/, "")));
const describer = /^__wbindgen_describe_|as wasm_bindgen\[[0-9a-f]+\]::describe::WasmDescribe>::describe$|::describe_invoke::<|::__rt::wbg_cast::breaks_if_inlined::</;

const before = elementSegments(linkedBytes, linked);
const after = elementSegments(bytes, input);
if (before.length !== 1 || after.length !== 1 || before[0].offset !== after[0].offset || before[0].funcs.length !== after[0].funcs.length) {
  throw new Error(`${input}: the table is not laid out as in ${linked} (one element segment each, at the same slot, as long)`);
}
const { offset, funcs } = after[0];
const emptied = new Set();
for (let k = 0; k < funcs.length; k++) {
  const name = names.get(funcs[k]);
  // wasm-bindgen puts its own imports in some slots (the casts it replaced): those stay.
  if (name === undefined || name !== demangle.get(linkedNames.get(before[0].funcs[k]))) continue;
  const takers = tableRefs.get(before[0].funcs[k]);
  if (takers && [...takers].every((t) => t !== null && !present.has(t) && describer.test(t))) emptied.add(k);
}
// The kept slots as runs, each an element segment of its own; the emptied ones hold null.
const segments = [];
for (let k = 0; k < funcs.length; k++) {
  if (emptied.has(k)) continue;
  const last = segments[segments.length - 1];
  if (last && last.offset + last.funcs.length === offset + k) last.funcs.push(funcs[k]);
  else segments.push({ offset: offset + k, funcs: [funcs[k]] });
}
writeFileSync(output, withElementSegments(bytes, segments, input));
console.log(`table-slots: ${emptied.size} of ${funcs.length} slots emptied (taken only by wasm-bindgen's describers)`);
