// Give the wasm's imports and exports short names, in the .wasm and in its JS glue alike (bytes):
// wasm-bindgen names each import `__wbg_<method>_<16 hex digits of a hash>`, and each name is
// written twice — in the module and in the glue that provides or calls it — where the hash digits
// do not compress; the exports (`kdsigner_sign`, `__wbg_kdsigner_free`, closure shims named by
// their whole Rust type …) are read by the glue alone. Imports become `_0`, `_1`, …, exports
// `$0`, `$1`, … (but `memory`): the first load is ~4.5 K gzip smaller (BENCHMARKS.md).
//
//   node scripts/short-imports.mjs <wasm> [--part <part.wasm>] <glue.js>…
//
// With `--part`, the lazily loaded part cut from <wasm> (scripts/split-part.mjs) imports the
// renamed exports by their new names, and the placeholders of its functions in <wasm> (imports
// named by their table slot) become one import, `_ph`, which the glue defines: a function that
// throws (src/part.rs: a root is never called before the part is loaded).
//
// In the JS only the wasm's own names are replaced: an import name as a whole identifier (an
// export such as `__wbindgen_malloc` is not an import), an export only where the glue reads it,
// `wasm.<name>` (the glue's public functions keep their names); `<wasm>.d.ts`, which lists the
// exports, follows. The .wasm is rewritten with the two sections' lengths recomputed. Run on a
// wasm-bindgen output directory after wasm-opt.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { exportsOf, leb, readLeb, readStr, sections, skipImport, str } from "./wasm-binary.mjs";

const escape = (s) => s.replace(/[$]/g, "\\$");

const args = process.argv.slice(2);
const partAt = args.indexOf("--part");
const partPath = partAt >= 0 ? args.splice(partAt, 2)[1] : undefined;
const [wasmPath, ...jsPaths] = args;
if (!wasmPath || jsPaths.length === 0) {
  console.error("usage: node scripts/short-imports.mjs <wasm> [--part <part.wasm>] <glue.js>…");
  process.exit(2);
}

// `_0`, `_1`, … `_z`, `_10` …: never a JS keyword, and no other identifier of the glue (checked below).
const shortName = (i) => `_${i.toString(36)}`;

let bytes;
const readName = (p) => readStr(bytes, p);
// A module's sections, the import (2) and export (7) sections rewritten by `edit(id, body)`
// (`null`: kept as they are).
function rewrite(wasm, path, edit) {
  bytes = wasm;
  const out = [bytes.subarray(0, 8)];
  for (const { id, at, body, end } of sections(wasm, path)) {
    out.push((id === 2 || id === 7 ? edit(id, body) : null) ?? bytes.subarray(at, end));
  }
  return Buffer.concat(out);
}
// A section's entries, each rewritten by `entry(p)` → [the new entry's bytes, where the next starts].
function rewriteSection(id, body, entry) {
  let [count, p] = readLeb(bytes, body);
  const entries = [leb(count)];
  for (; count > 0; count--) {
    const [entryBytes, next] = entry(p);
    entries.push(entryBytes);
    p = next;
  }
  const section = Buffer.concat(entries);
  return Buffer.concat([Buffer.from([id]), leb(section.length), section]);
}

const renamed = new Map();
const exported = new Map();
let exportCount = -1;
// The export names kept as they are (`memory` and those of three characters or fewer).
const kept = new Set([...exportsOf(readFileSync(wasmPath)).found.keys()].filter((n) => n === "memory" || n.length <= 3));
let placeholders = 0;
const main = rewrite(readFileSync(wasmPath), wasmPath, (id, body) => id === 2
  // The import section: (module, name, kind, type) entries; only functions are expected.
  ? rewriteSection(2, body, (p) => {
    const [module, afterModule] = readName(p);
    const [name, kindAt] = readName(afterModule);
    if (bytes[kindAt] !== 0) throw new Error(`${wasmPath}: import ${name} is not a function`);
    const [, next] = readLeb(bytes, kindAt + 1);
    let short;
    if (partPath && /^\d+$/.test(name)) {
      short = "_ph";
      placeholders++;
    } else {
      if (!renamed.has(name)) renamed.set(name, shortName(renamed.size));
      short = renamed.get(name);
    }
    return [Buffer.concat([str(module), str(short), bytes.subarray(kindAt, next)]), next];
  })
  // The export section: (name, kind, index) entries.
  : rewriteSection(7, body, (p) => {
    let [name, kindAt] = readName(p);
    const [, next] = readLeb(bytes, kindAt + 1);
    if (name !== "memory" && name.length > 3) {
      // Skipping the short names the module already exports (wasm-split names its exports `a`,
      // `$a`, `_a` …).
      do exportCount++; while (kept.has(`$${exportCount.toString(36)}`));
      exported.set(name, `$${exportCount.toString(36)}`);
      name = exported.get(name);
    }
    return [Buffer.concat([str(name), bytes.subarray(kindAt, next)]), next];
  }));
// The part's imports of the main module's exports (module `p`), renamed alike.
const part = partPath && rewrite(readFileSync(partPath), partPath, (id, body) => id === 7
  ? null
  : rewriteSection(2, body, (p) => {
    const [module, afterModule] = readName(p);
    const [name, kindAt] = readName(afterModule);
    const next = skipImport(bytes, kindAt);
    const short = module === "p" ? exported.get(name) ?? name : name;
    return [Buffer.concat([str(module), str(short), bytes.subarray(kindAt, next)]), next];
  }));
for (const path of jsPaths) {
  let js = readFileSync(path, "utf8");
  for (const name of renamed.values()) {
    if (new RegExp(`(?<![\\w$])${name}(?![\\w$])`).test(js)) {
      throw new Error(`${path}: the short name ${name} is already an identifier of the glue`);
    }
  }
  for (const [long, short] of renamed) {
    js = js.replace(new RegExp(`(?<![\\w$])${long}(?![\\w$])`, "g"), () => short);
  }
  for (const [long, short] of exported) {
    js = js.replace(new RegExp(`(?<![\\w$])wasm\\.${escape(long)}(?![\\w$])`, "g"), () => `wasm.${short}`);
  }
  if (placeholders) {
    // The placeholders' one definition: an export of the bundler target's `_bg.js`, an entry of
    // the imports object of the web and nodejs targets. Every glue that provides the imports
    // must get it (a target without it would fail to instantiate).
    const body = `() => { throw new Error("ceramic-wasm: the lazily loaded part was called before it was loaded"); }`;
    if (/(?<![\w$])_ph(?![\w$])/.test(js)) throw new Error(`${path}: _ph is already an identifier of the glue`);
    const before = js;
    const provides = js.includes("export function __wbg_set_wasm(") || js.includes("function __wbg_get_imports(");
    if (js.includes("export function __wbg_set_wasm(")) js += `export const _ph = ${body};\n`;
    js = js.replace(/(function __wbg_get_imports\(\) \{\s*const import0 = \{\s*__proto__: null,)/, `$1\n        _ph: ${body},`);
    if (provides && js === before) throw new Error(`${path}: the placeholders' definition found no place in this glue`);
    if (js !== before) placeholders = -1;
  }
  writeFileSync(path, js);
}
if (placeholders > 0) throw new Error(`${jsPaths.join(", ")}: no glue to define the placeholders in`);
const types = `${wasmPath}.d.ts`;
if (existsSync(types)) {
  let ts = readFileSync(types, "utf8");
  for (const [long, short] of exported) {
    ts = ts.replace(new RegExp(`(?<=export const )${escape(long)}(?=:)`, "g"), () => short);
  }
  writeFileSync(types, ts);
}
writeFileSync(wasmPath, main);
if (part) writeFileSync(partPath, part);
