// Cut the lazily loaded part out of a built wasm (src/part.rs): every function reachable only
// through a root — a function of ours whose name ends in `_in_part` — goes to a second module.
//
//   node scripts/split-part.mjs <in.wasm> <primary.wasm> <part.wasm> [<linked.wasm>]
//
// <in.wasm> is wasm-bindgen's output with its names kept (`--keep-debug`), before wasm-opt. The
// call graph comes from binaryen's text (`wasm-dis`); the cut is binaryen's `wasm-split`
// (Debian's package `binaryen`: scripts/setup.sh installs it; npm's `binaryen` has no wasm-split):
// the part imports the first module's memory, table, globals and the functions it calls (module
// `p`, see `__partImports` in src/wasm/lazy.rs), and the first module's calls of a root go through
// a table slot that holds a placeholder import (`./ceramic_wasm_bg.js`, named by its slot) until
// the part's element segment fills it. Functions are renamed `f<index>` first, so that neither
// tool has to agree with the other on how to write Rust's names.
//
// With <linked.wasm> — the linker's output that <in.wasm> was made from, linked with
// `--emit-relocs` — the read-only data that only the part's functions use (its messages, mostly)
// goes with them: zeroed in the first module (wasm-opt then drops the zeros) and written by the
// part's own data segments when it is instantiated (scripts/data-refs.mjs says who uses what).
//
// Checks: every `fn <name>_in_part` in src/ is one root in the wasm, a generic one at least one (a
// root inlined or renamed would take nothing with it), and no root is an export or in the table
// (only calls can wait for the placeholder to be replaced).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { linkedData } from "./data-refs.mjs";
import { dataSegments, exportsOf, functionNames, leb, sections, sleb, str, withFunctionNames } from "./wasm-binary.mjs";

// `--names`: both outputs keep the functions' names (for measuring them: BENCHMARKS.md, "Where
// the bytes are"); the package's build leaves them out.
const keepNames = process.argv.includes("--names");
const [input, primaryOut, partOut, linked] = process.argv.slice(2).filter((a) => a !== "--names");
if (!partOut) {
  console.error("usage: node scripts/split-part.mjs [--names] <in.wasm> <primary.wasm> <part.wasm> [<linked.wasm>]");
  process.exit(2);
}
const root = new URL("..", import.meta.url).pathname;
const bytes = readFileSync(input);


// The module with its function names replaced by `f<index>` (other name subsections dropped);
// the real names, by index, kept for finding the roots.
const names = functionNames(bytes, input);
if (names.size === 0) throw new Error(`${input}: no function names (wasm-bindgen --keep-debug)`);
const renamedBytes = withFunctionNames(bytes, new Map([...names.keys()].map((i) => [i, `f${i}`])), input);

// wasm-split 108 writes the export of a second table (wasm-bindgen's `__wbindgen_externrefs`,
// externref, in builds with reference types; scripts/build-pkg.sh turns them off) as an export of
// the first (funcref): the first module's exports of tables, memories
// and globals are put back as they were (wasm-split adds tables to neither module's index space
// of the first module, so the old indices hold).
function keepExports(original, path) {
  const before = exportsOf(original).found;
  const wasm = readFileSync(path);
  const { found, at, end } = exportsOf(wasm);
  const entries = [...found].map(([name, [kind, index]]) => {
    const was = before.get(name);
    if (kind !== 0 && was) [kind, index] = was;
    return Buffer.concat([str(name), Buffer.from([kind]), leb(index)]);
  });
  const section = Buffer.concat([leb(entries.length), ...entries]);
  writeFileSync(path, Buffer.concat([wasm.subarray(0, at), Buffer.from([7]), leb(section.length), section, wasm.subarray(end)]));
}

// A module whose function names `f<index>` (wasm-split's `-g` keeps them) are the names they stood
// for; the other name subsections are dropped.
function realNames(wasm) {
  const fns = functionNames(wasm);
  for (const [index, name] of fns) {
    const m = name.match(/^f(\d+)$/);
    if (m) fns.set(index, names.get(Number(m[1])) ?? name);
  }
  return withFunctionNames(wasm, fns);
}

// Moves the read-only objects that only part functions use (directly or through other such
// objects) from the first module's data to the part's. A function of the linked module that is in
// neither module (wasm-bindgen replaced or dropped it) counts as the first module's.
function moveData(linkedBytes, partNames, mainNames) {
  const { objects, byFunction, byObject } = linkedData(linkedBytes, linked);
  const live = new Set(); // used by the first module
  const part = new Set(); // used by the part
  for (const [name, used] of byFunction) {
    const into = partNames.has(name) && !mainNames.has(name) ? part : live;
    for (const o of used) into.add(o);
  }
  for (const o of byObject.get(null) ?? []) live.add(o);
  const close = (set) => {
    for (const stack = [...set]; stack.length;) {
      for (const o of byObject.get(stack.pop()) ?? []) if (!set.has(o)) set.add(o), stack.push(o);
    }
  };
  close(live);
  close(part);
  const movable = new Set([...part].filter((o) => !live.has(o) && objects[o].segment === ".rodata" && objects[o].size > 0));
  // An object that shares a byte with one that stays, stays too.
  const overlaps = (a, b) => a.addr < b.addr + b.size && b.addr < a.addr + a.size;
  const staying = objects.filter((b, o) => !movable.has(o) && b.size > 0);
  const moved = [...movable]
    .map((o) => objects[o])
    .filter((a) => !staying.some((b) => overlaps(a, b)))
    .sort((a, b) => a.addr - b.addr);

  // Runs of moved bytes (objects may overlap or touch), each checked against the linker's bytes.
  const source = dataSegments(linkedBytes, linked).segments;
  const bytesAt = (wasm, segments, addr, size, path) => {
    const s = segments.find((seg) => addr >= seg.addr && addr + size <= seg.addr + seg.to - seg.from);
    if (!s) throw new Error(`${path}: no data segment holds ${addr}..${addr + size}`);
    return wasm.subarray(s.from + addr - s.addr, s.from + addr - s.addr + size);
  };
  const runs = [];
  for (const { addr, size } of moved) {
    const last = runs.at(-1);
    if (last && addr <= last.end) last.end = Math.max(last.end, addr + size);
    else runs.push({ addr, end: addr + size });
  }
  const primary = readFileSync(primaryOut);
  const { segments } = dataSegments(primary, primaryOut);
  const segmentsOut = [];
  let total = 0;
  // A run shorter than MIN_RUN stays: its segment's header (7-8 bytes of addresses that do not
  // compress) costs the part more than the first module saves (measured: all runs, first load
  // -1,721 B and the whole +1,717; runs of 32 B or more, -1,607 and +1,326).
  const MIN_RUN = 32;
  const moving = runs.filter((r) => r.end - r.addr >= MIN_RUN);
  for (const { addr, end } of moving) {
    const want = bytesAt(linkedBytes, source, addr, end - addr, linked);
    const have = bytesAt(primary, segments, addr, end - addr, primaryOut);
    if (!want.equals(have)) throw new Error(`split-part: the data at ${addr} differs between ${linked} and ${primaryOut}`);
    segmentsOut.push(Buffer.concat([Buffer.from([0, 0x41]), sleb(addr), Buffer.from([0x0b]), leb(end - addr), Buffer.from(have)]));
    have.fill(0);
    total += end - addr;
  }
  writeFileSync(primaryOut, primary);
  if (segmentsOut.length === 0) return;

  // The first module must not point into what moved: no constant of its code (an address, a
  // load's or store's offset, either half of a 64-bit constant) and no aligned word of its data
  // may fall in a moved run — a net under the relocation analysis above.
  const inMoved = (v) => moving.some((r) => v >= r.addr && v < r.end);
  // (Not the data segments' own offsets, nor the globals: the linker's stack pointer, `__data_end`
  // and `__heap_base` are boundaries, not pointers to an object.)
  const text = execFileSync("wasm-dis", [primaryOut], { encoding: "utf8", maxBuffer: 1 << 30 })
    .split("\n").filter((line) => !/^ \((data|global) /.test(line)).join("\n");
  for (const m of text.matchAll(/\b(?:i32\.const (-?\d+)|offset=(\d+)|i64\.const (-?\d+))/g)) {
    const values = m[3] !== undefined
      ? [Number(BigInt.asUintN(64, BigInt(m[3])) & 0xffffffffn), Number(BigInt.asUintN(64, BigInt(m[3])) >> 32n)]
      : [Number(m[1] ?? m[2]) >>> 0];
    for (const v of values) if (inMoved(v)) throw new Error(`split-part: ${primaryOut} still points at moved data (${m[0]})`);
  }
  for (const { addr, from, to } of segments) {
    for (let a = (addr + 3) & ~3; a + 4 <= addr + to - from; a += 4) {
      const v = primary.readUInt32LE(from + a - addr);
      if (inMoved(v)) throw new Error(`split-part: ${primaryOut} holds a pointer at ${a} to moved data (${v})`);
    }
  }

  // The part's data section goes after its code section (it has none of its own).
  const wasm = readFileSync(partOut);
  if (dataSegments(wasm, partOut).at !== -1) throw new Error(`${partOut}: already has data`);
  const code = [...sections(wasm, partOut)].find((s) => s.id === 10);
  const body = Buffer.concat([leb(segmentsOut.length), ...segmentsOut]);
  writeFileSync(partOut, Buffer.concat([wasm.subarray(0, code.end), Buffer.from([11]), leb(body.length), body, wasm.subarray(code.end)]));
  console.log(`split-part: ${total} B of read-only data in ${segmentsOut.length} runs to the part`);
}

const work = mkdtempSync(join(tmpdir(), "split-"));
try {
  const renamed = join(work, "in.wasm");
  writeFileSync(renamed, renamedBytes);
  const text = execFileSync("wasm-dis", [renamed], { encoding: "utf8", maxBuffer: 1 << 30 });

  // The call graph: each function's callees (calls, tail calls, function references).
  const calls = new Map();
  const roots = new Set(); // exports, the table, the start function, globals' initialisers
  let current = null;
  for (const line of text.split("\n")) {
    const func = line.match(/^ \(func \$f(\d+)(?=[\s)]|$)/);
    if (!func && line.startsWith(" (func ")) {
      // A function we cannot name would hide its calls: what only it calls could be cut out.
      throw new Error(`split-part: a function without an f<index> name: ${line.slice(0, 80)}`);
    }
    if (func) {
      current = new Set();
      calls.set(Number(func[1]), current);
      continue;
    }
    if (/^ \((export|elem|start|global)\b/.test(line)) {
      current = null;
      for (const m of line.matchAll(/\$f(\d+)\b/g)) roots.add(Number(m[1]));
      continue;
    }
    if (/^ \(/.test(line)) current = null;
    if (current) for (const m of line.matchAll(/\((?:call|return_call|ref\.func) \$f(\d+)\b/g)) current.add(Number(m[1]));
  }

  // The roots of the part: our `fn …_in_part`, each found once, or a generic one at least once
  // (every instance is a root).
  const wanted = new Map();
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith(".rs")) {
        for (const m of readFileSync(join(dir, e.name), "utf8").matchAll(/\bfn (\w+_in_part)\b(<)?/g)) wanted.set(m[1], Boolean(m[2]));
      }
    }
  };
  walk(join(root, "src"));
  const partRoots = new Set();
  for (const [want, generic] of wanted) {
    const found = [...names].filter(([i, n]) => calls.has(i) && (n.endsWith(`::${want}`) || (generic && n.includes(`::${want}::<`))));
    if (generic ? found.length === 0 : found.length !== 1) {
      throw new Error(`the part's root ${want} is ${found.length} functions in ${input} (want ${generic ? "some" : "one"}: #[inline(never)])`);
    }
    for (const [index] of found) {
      if (roots.has(index)) throw new Error(`the part's root ${want} is exported or in the table`);
      partRoots.add(index);
    }
  }

  // What the first module keeps: everything reachable from its roots without entering a part root.
  const keep = new Set();
  const stack = [...roots];
  while (stack.length) {
    const f = stack.pop();
    if (keep.has(f) || partRoots.has(f)) continue;
    keep.add(f);
    for (const g of calls.get(f) ?? []) stack.push(g);
  }
  const split = [...calls.keys()].filter((f) => !keep.has(f));
  writeFileSync(join(work, "split.txt"), split.map((f) => `f${f}`).join("\n") + "\n");
  // Only the features the module has (wasm-split's `--all-features` would declare them all).
  const features = ["mutable-globals", "nontrapping-float-to-int", "simd", "bulk-memory", "sign-ext", "reference-types", "multivalue"];
  execFileSync("wasm-split", [
    ...(keepNames ? ["-g"] : []), renamed, `--split-funcs=@${join(work, "split.txt")}`, "-o1", primaryOut, "-o2", partOut,
    "--import-namespace=p", "--placeholder-namespace=./ceramic_wasm_bg.js",
    ...features.map((f) => `--enable-${f}`),
  ], { stdio: ["ignore", "ignore", "inherit"] });
  keepExports(bytes, primaryOut);
  console.log(`split-part: ${split.length} of ${calls.size} functions to the part (roots: ${[...wanted.keys()].join(", ")})`);
  // wasm-bindgen tells functions of the same name apart with `[1]`, `[2]` … (the copies of one
  // generic instance that several crates compile): every copy counts as the name.
  const plain = (fs) => new Set(fs.map((f) => names.get(f)?.replace(/\[\d+\]$/, "")));
  if (linked) moveData(readFileSync(linked), plain(split), plain([...keep]));
  if (keepNames) for (const out of [primaryOut, partOut]) writeFileSync(out, realNames(readFileSync(out)));
} finally {
  rmSync(work, { recursive: true, force: true });
}
