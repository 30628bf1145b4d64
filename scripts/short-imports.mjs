// Give the wasm's imports and exports short names, in the .wasm and in its JS glue alike (bytes):
// wasm-bindgen names each import `__wbg_<method>_<16 hex digits of a hash>`, and each name is
// written twice — in the module and in the glue that provides or calls it — where the hash digits
// do not compress; the exports (`kdsigner_sign`, `__wbg_kdsigner_free`, closure shims named by
// their whole Rust type …) are read by the glue alone. Imports become `_0`, `_1`, …, exports
// `$0`, `$1`, … (but `memory`): the first load is ~4.5 K gzip smaller (BENCHMARKS.md).
//
//   node scripts/short-imports.mjs <wasm> <glue.js>…
//
// In the JS only the wasm's own names are replaced: an import name as a whole identifier (an
// export such as `__wbindgen_malloc` is not an import), an export only where the glue reads it,
// `wasm.<name>` (the glue's public functions keep their names); `<wasm>.d.ts`, which lists the
// exports, follows. The .wasm is rewritten with the two sections' lengths recomputed. Run on a
// wasm-bindgen output directory after wasm-opt.
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const escape = (s) => s.replace(/[$]/g, "\\$");

const [wasmPath, ...jsPaths] = process.argv.slice(2);
if (!wasmPath || jsPaths.length === 0) {
  console.error("usage: node scripts/short-imports.mjs <wasm> <glue.js>…");
  process.exit(2);
}
const bytes = readFileSync(wasmPath);

function readLeb(buf, at) {
  let value = 0, shift = 0, b;
  do {
    b = buf[at++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return [value, at];
}
function leb(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}
const str = (s) => Buffer.concat([leb(Buffer.byteLength(s)), Buffer.from(s)]);
// `_0`, `_1`, … `_z`, `_10` …: never a JS keyword, and no other identifier of the glue (checked below).
const shortName = (i) => `_${i.toString(36)}`;

// A name at `p`: its text and where the bytes after it start.
function readName(p) {
  const [len, s] = readLeb(bytes, p);
  return [bytes.subarray(s, s + len).toString(), s + len];
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

if (bytes.readUInt32LE(0) !== 0x6d736100) throw new Error(`${wasmPath}: not a wasm module`);
let at = 8;
const out = [bytes.subarray(0, 8)];
const renamed = new Map();
const exported = new Map();
while (at < bytes.length) {
  const id = bytes[at];
  const [size, body] = readLeb(bytes, at + 1);
  const end = body + size;
  if (id === 2) {
    // The import section: (module, name, kind, type) entries; only functions are expected.
    out.push(rewriteSection(2, body, (p) => {
      const [module, afterModule] = readName(p);
      const [name, kindAt] = readName(afterModule);
      if (bytes[kindAt] !== 0) throw new Error(`${wasmPath}: import ${name} is not a function`);
      const [, next] = readLeb(bytes, kindAt + 1);
      if (!renamed.has(name)) renamed.set(name, shortName(renamed.size));
      return [Buffer.concat([str(module), str(renamed.get(name)), bytes.subarray(kindAt, next)]), next];
    }));
  } else if (id === 7) {
    // The export section: (name, kind, index) entries.
    out.push(rewriteSection(7, body, (p) => {
      let [name, kindAt] = readName(p);
      const [, next] = readLeb(bytes, kindAt + 1);
      if (name !== "memory" && name.length > 3) {
        exported.set(name, `$${exported.size.toString(36)}`);
        name = exported.get(name);
      }
      return [Buffer.concat([str(name), bytes.subarray(kindAt, next)]), next];
    }));
  } else {
    out.push(bytes.subarray(at, end));
  }
  at = end;
}
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
  writeFileSync(path, js);
}
const types = `${wasmPath}.d.ts`;
if (existsSync(types)) {
  let ts = readFileSync(types, "utf8");
  for (const [long, short] of exported) {
    ts = ts.replace(new RegExp(`(?<=export const )${escape(long)}(?=:)`, "g"), () => short);
  }
  writeFileSync(types, ts);
}
writeFileSync(wasmPath, Buffer.concat(out));
