// Which function of a linked wasm uses which static data, read off the relocations that the
// linker writes with `-C link-arg=--emit-relocs` (scripts/build-pkg.sh): split-part.mjs moves the
// data only the lazily loaded part uses (mostly its messages) into the part.
//
// Addresses in linked code are plain constants; only the relocations say which object a constant
// points into (the object the compiler named, whatever the addend), so nothing here guesses from
// the code's numbers.
//
//   node scripts/data-refs.mjs --strip <linked.wasm> <out.wasm>
//     writes the module without the `linking` and `reloc.*` sections (they describe the code as
//     the linker wrote it; wasm-bindgen keeps them, and they are stale once it rewrites the code).
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dataSegments, functionBodies, functionNames, readLeb, readSleb, readStr, sections } from "./wasm-binary.mjs";

/** `wasm` without its `linking` and `reloc.*` custom sections. */
export function stripRelocs(wasm) {
  const kept = [wasm.subarray(0, 8)];
  for (const { id, at, body, end } of sections(wasm)) {
    const name = id === 0 ? readStr(wasm, body)[0] : "";
    if (name !== "linking" && !name.startsWith("reloc.")) kept.push(wasm.subarray(at, end));
  }
  return Buffer.concat(kept);
}

// Relocation types (LLVM's WasmRelocs.def): those that carry an addend, and those that write a
// memory address.
const WITH_ADDEND = new Set([3, 4, 5, 8, 9, 11, 14, 15, 16, 17, 21, 22, 23, 25]);
const MEMORY_ADDR = new Set([3, 4, 5, 11, 14, 15, 16, 17, 21, 23, 25]);
// … and those that write a function's index in the table (its address, in a function pointer).
const TABLE_INDEX = new Set([1, 2, 12, 18, 19, 24]);

/**
 * The data objects of a linked module and who uses them:
 * `{ objects: [{ name, addr, size, segment }], segments: [name], byFunction: Map<function name,
 * Set<object>>, byObject: Map<object, Set<object>> }` (objects by index in `objects`, sorted by
 * address; `segment` is the name of the output segment, `.rodata`, `.data`, …).
 */
export function linkedData(wasm, path = "module") {
  const custom = new Map();
  for (const { id, body, end } of sections(wasm, path)) {
    if (id === 0) {
      const [name, at] = readStr(wasm, body);
      custom.set(name, { at, end });
    }
  }
  // Function i's body: [from, to) relative to the code section's contents.
  const code = functionBodies(wasm, path);
  const funcImports = code.imported;
  const codeRanges = code.bodies.map(({ from, to }) => [from - code.body, to - code.body]);
  // Relocations in data count from the start of the data section's contents.
  const data = dataSegments(wasm, path);
  const segments = data.segments.map(({ addr, from, to }) => [from - data.body, to - data.body, addr]);
  for (const want of ["linking", "reloc.CODE", "name"]) {
    if (!custom.has(want)) throw new Error(`${path}: no ${want} section (link with --emit-relocs, keep names)`);
  }

  const names = functionNames(wasm, path);

  // The symbol table (the `linking` section's subsection 8) and the segments' names (5).
  const symbols = [];
  const segmentNames = [];
  {
    const { at, end } = custom.get("linking");
    let [version, p] = readLeb(wasm, at);
    if (version !== 2) throw new Error(`${path}: linking section version ${version}`);
    while (p < end) {
      const type = wasm[p];
      const [size, body] = readLeb(wasm, p + 1);
      let [n, q] = type === 5 || type === 8 ? readLeb(wasm, body) : [0, body];
      for (; n > 0; n--) {
        if (type === 5) {
          let name;
          [name, q] = readStr(wasm, q);
          [, q] = readLeb(wasm, q); // alignment
          [, q] = readLeb(wasm, q); // flags
          segmentNames.push(name);
          continue;
        }
        const kind = wasm[q++];
        let flags;
        [flags, q] = readLeb(wasm, q);
        const symbol = { kind };
        if (kind === 1) {
          [symbol.name, q] = readStr(wasm, q);
          if (!(flags & 0x10)) {
            let offset;
            [symbol.segment, q] = readLeb(wasm, q);
            [offset, q] = readLeb(wasm, q);
            [symbol.size, q] = readLeb(wasm, q);
            // An absolute symbol (the linker's `__heap_base`, …) is an address, not an object.
            if (!(flags & 0x200)) symbol.addr = segments[symbol.segment][2] + offset;
          }
        } else {
          [symbol.index, q] = readLeb(wasm, q);
          if (kind !== 3 && (!(flags & 0x10) || flags & 0x40)) [, q] = readStr(wasm, q);
        }
        symbols.push(symbol);
      }
      p = body + size;
    }
  }

  const objects = symbols
    .filter((s) => s.kind === 1 && s.addr !== undefined)
    .sort((a, b) => a.addr - b.addr || a.size - b.size);
  const indexOf = new Map(objects.map((o, i) => [o, i]));
  // The objects holding an address (every one that starts at or before it and reaches past it:
  // two symbols may name the same bytes). Objects over 64 KiB are not looked for: a pointer in one
  // is a pointer in no object we know of, which keeps its target in the first module.
  const holding = (addr) => {
    let lo = 0, hi = objects.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (objects[mid].addr <= addr) [found, lo] = [mid, mid + 1];
      else hi = mid - 1;
    }
    const out = [];
    for (let i = found; i >= 0 && addr - objects[i].addr < 64 * 1024; i--) {
      if (addr < objects[i].addr + objects[i].size) out.push(i);
    }
    return out;
  };
  const relocations = (name) => {
    const out = [];
    if (!custom.has(name)) return out;
    let p = custom.get(name).at, n;
    [, p] = readLeb(wasm, p); // the section they apply to
    [n, p] = readLeb(wasm, p);
    for (; n > 0; n--) {
      const type = wasm[p++];
      let offset, index, addend = 0;
      [offset, p] = readLeb(wasm, p);
      [index, p] = readLeb(wasm, p);
      if (WITH_ADDEND.has(type)) [addend, p] = readSleb(wasm, p);
      if (MEMORY_ADDR.has(type)) out.push({ offset, symbol: symbols[index] });
      else if (TABLE_INDEX.has(type)) out.push({ offset, symbol: symbols[index], table: true });
    }
    return out;
  };

  // Names as wasm-bindgen writes them (`--keep-debug`: rustc-demangle's `{}` form, crate hashes
  // included), which binutils' Rust demangler writes alike but for constant generic arguments; a
  // name written otherwise matches no function, and its data stays in the first module.
  const mangled = [...new Set(names.values())];
  const demangled = execFileSync("c++filt", [], { input: mangled.join("\n") + "\n", encoding: "utf8", maxBuffer: 1 << 28 }).split("\n");
  if (demangled.length !== mangled.length + 1) throw new Error("c++filt: not one name a line");
  // (rustc-demangle writes a constant generic argument `64usize`, binutils `64: usize`.)
  const demangle = new Map(mangled.map((m, i) => [m, demangled[i].replace(/\b(\d+|true|false): ([iu](?:size|8|16|32|64|128)|bool|char)\b/g, (_, v, t) => (t === "bool" ? v : v + t))]));
  const byFunction = new Map();
  let f = 0;
  // Who takes each function's table index: the names of the functions whose code does, and
  // `null` for the data (a function pointer in a static, a vtable).
  const tableRefs = new Map();
  const takes = (symbol, by) => {
    if (symbol.kind !== 0) throw new Error(`${path}: a table index of a symbol that is not a function`);
    if (!tableRefs.has(symbol.index)) tableRefs.set(symbol.index, new Set());
    tableRefs.get(symbol.index).add(by);
  };
  for (const { offset, symbol, table } of relocations("reloc.CODE")) {
    while (f < codeRanges.length && codeRanges[f][1] <= offset) f++;
    if (f === codeRanges.length || offset < codeRanges[f][0]) throw new Error(`${path}: a relocation outside every function`);
    const name = demangle.get(names.get(funcImports + f));
    if (name === undefined) throw new Error(`${path}: function ${funcImports + f} has no name`);
    if (table) {
      takes(symbol, name);
      continue;
    }
    if (!indexOf.has(symbol)) continue; // an absolute address
    if (!byFunction.has(name)) byFunction.set(name, new Set());
    byFunction.get(name).add(indexOf.get(symbol));
  }
  const byObject = new Map();
  for (const { offset, symbol, table } of relocations("reloc.DATA")) {
    if (table) {
      takes(symbol, null);
      continue;
    }
    const segment = segments.find(([from, to]) => offset >= from && offset < to);
    const from = segment ? holding(segment[2] + offset - segment[0]) : [];
    // A pointer in no object we know of (key `null`): the object it points at stays.
    for (const key of from.length ? from : [null]) {
      if (!byObject.has(key)) byObject.set(key, new Set());
      if (indexOf.has(symbol)) byObject.get(key).add(indexOf.get(symbol));
    }
  }
  return {
    objects: objects.map(({ name, addr, size, segment }) => ({ name, addr, size, segment: segmentNames[segment] })),
    byFunction,
    byObject,
    tableRefs,
    demangle,
  };
}

if (process.argv[1] === new URL(import.meta.url).pathname && process.argv[2] === "--strip") {
  const [input, output] = process.argv.slice(3);
  writeFileSync(output, stripRelocs(readFileSync(input)));
}
