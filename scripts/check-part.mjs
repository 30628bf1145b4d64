// Check that a main wasm and the part cut from it fit (scripts/split-part.mjs): the part
// instantiates against the main module's exports (every import there, of the type it expects) and
// its element segment replaces every placeholder in the main module's table.
//
//   node scripts/check-part.mjs <main.wasm> <part.wasm>
//
// The main module is instantiated with stub imports that throw (nothing runs: wasm-bindgen's start
// is an export the glue calls).
import { readFileSync } from "node:fs";

const [mainPath, partPath] = process.argv.slice(2);
if (!partPath) {
  console.error("usage: node scripts/check-part.mjs <main.wasm> <part.wasm>");
  process.exit(2);
}
const main = new WebAssembly.Module(readFileSync(mainPath));
const imports = {};
const placeholders = new Set(); // function indices of the placeholder imports
WebAssembly.Module.imports(main).forEach(({ module, name, kind }, index) => {
  if (kind !== "function") throw new Error(`${mainPath}: import ${module}.${name} is a ${kind}`);
  imports[module] ??= {};
  imports[module][name] = () => {
    throw new Error(`import ${name} called`);
  };
  if (name === "_ph") placeholders.add(String(index));
});
const { exports } = new WebAssembly.Instance(main, imports);
// A table slot holding an imported function shows that function's index as its name.
const slots = [];
for (const t of Object.values(exports).filter((e) => e instanceof WebAssembly.Table)) {
  for (let i = 0; i < t.length; i++) {
    const f = t.get(i);
    if (typeof f === "function" && placeholders.has(f.name)) slots.push([t, i, f]);
  }
}
if (slots.length === 0) throw new Error(`${mainPath}: no placeholders in its table`);
// Every placeholder is reached through the table (a direct call of one would never be replaced).
if (new Set(slots.map(([, , f]) => f.name)).size !== placeholders.size) {
  throw new Error(`${mainPath}: ${placeholders.size} placeholder imports, ${slots.length} table slots holding them`);
}
new WebAssembly.Instance(new WebAssembly.Module(readFileSync(partPath)), { p: exports });
const left = slots.filter(([t, i, f]) => t.get(i) === f).map(([, i]) => i);
if (left.length) throw new Error(`${partPath}: table slots ${left.join(", ")} still hold placeholders`);
console.log(`check-part: ${partPath} fills the ${slots.length} placeholders of ${mainPath}`);
