// Orders a module's functions for gzip: each function's place in the code section is chosen so
// that the bytes just before it (gzip's 32 KiB window) already hold as much of it as possible.
//
//   node scripts/order-functions.mjs <in.wasm> <out.wasm>
//
// The order is written as the function names (`f000000`, `f000001`, …, every other name
// subsection dropped); binaryen's `wasm-opt --reorder-functions-by-name` then moves the functions
// and renumbers every call, table entry and export (scripts/build-pkg.sh strips the names in
// the same run). Nothing but the order changes, so the module runs as before.
//
// Why: the linker and wasm-opt leave functions in an order unrelated to their contents, and
// gzip only finds a repeat within the last 32 KiB. Greedy placement (start with the first
// function; next, the one with the smallest share of its 6-byte substrings not yet in the
// window) puts like code together: the main wasm 176,499 → 171,218 B gzip (−3.0 %), the legacy
// one 226,526 → 219,373, where sorting by Rust names gave −1.0 K and binaryen's
// `--reorder-functions` (by calls) +3.3 K (BENCHMARKS.md). Substrings of 4 to 7 bytes did
// within 1 K of each other; 6 did best.
import { readFileSync, writeFileSync } from "node:fs";
import { leb, readLeb, readStr, sections, skipImport, str } from "./wasm-binary.mjs";

const WINDOW = 32 * 1024;
const GRAM = 6;
const HASH_BITS = 22;

const [input, output] = process.argv.slice(2);
if (!output) {
  console.error("usage: node scripts/order-functions.mjs <in.wasm> <out.wasm>");
  process.exit(2);
}
const wasm = readFileSync(input);

let imported = 0;
const bodies = [];
for (const { id, body } of sections(wasm, input)) {
  if (id === 2) {
    let [n, p] = readLeb(wasm, body);
    for (; n > 0; n--) {
      for (let s = 0; s < 2; s++) {
        const [len, at] = readLeb(wasm, p);
        p = at + len;
      }
      if (wasm[p] === 0) imported++;
      p = skipImport(wasm, p);
    }
  }
  if (id === 10) {
    let [n, p] = readLeb(wasm, body);
    for (; n > 0; n--) {
      const [size, at] = readLeb(wasm, p);
      bodies.push(wasm.subarray(at, at + size));
      p = at + size;
    }
  }
}

// Each body's distinct 6-byte substrings, hashed (FNV-1a) into 2^22 buckets: a collision only
// makes a substring look present that is not, which can cost a few bytes, never correctness.
const grams = bodies.map((b) => {
  const seen = new Set();
  for (let i = 0; i + GRAM <= b.length; i++) {
    let h = 0x811c9dc5;
    for (let q = 0; q < GRAM; q++) h = Math.imul(h ^ b[i + q], 16777619);
    seen.add((h >>> 0) & ((1 << HASH_BITS) - 1));
  }
  return Int32Array.from(seen);
});

// The window: how many placed functions within the last 32 KiB hold each substring.
const inWindow = new Int32Array(1 << HASH_BITS);
const windowFns = [];
let windowBytes = 0;
const placed = new Uint8Array(bodies.length);
const order = [];
function place(f) {
  placed[f] = 1;
  order.push(f);
  for (const h of grams[f]) inWindow[h]++;
  windowFns.push(f);
  windowBytes += bodies[f].length;
  while (windowBytes - bodies[windowFns[0]].length >= WINDOW) {
    const old = windowFns.shift();
    windowBytes -= bodies[old].length;
    for (const h of grams[old]) inWindow[h]--;
  }
}
if (bodies.length > 0) place(0);
while (order.length < bodies.length) {
  let best = -1;
  let bestShare = Infinity;
  for (let f = 0; f < bodies.length; f++) {
    if (placed[f]) continue;
    const g = grams[f];
    let missing = 0;
    for (let k = 0; k < g.length; k++) if (inWindow[g[k]] === 0) missing++;
    // +1: a body too short for one substring counts as fully new, not as 0/0. The power a
    // little over 1 favours larger bodies a little (an exponent of 1: main wasm +1.0 K,
    // legacy +0.7 K; 1.1: +0.4 K, +0.2 K).
    const share = (missing + 1) / (g.length + 1) ** 1.05;
    if (share < bestShare) {
      bestShare = share;
      best = f;
    }
  }
  place(best);
}

// The name section: only function names, the order's rank for each defined function (imports
// keep no name: the pass moves defined functions only).
const entries = order.map((f, rank) => Buffer.concat([leb(imported + f), str(`f${String(rank).padStart(6, "0")}`)]));
entries.sort((a, b) => readLeb(a, 0)[0] - readLeb(b, 0)[0]);
const sub = Buffer.concat([leb(entries.length), ...entries]);
const nameSection = Buffer.concat([str("name"), Buffer.from([1]), leb(sub.length), sub]);
const out = [wasm.subarray(0, 8)];
for (const { id, at, body, end } of sections(wasm, input)) {
  if (id === 0 && readStr(wasm, body)[0] === "name") continue;
  out.push(wasm.subarray(at, end));
}
out.push(Buffer.from([0]), leb(nameSection.length), nameSection);
writeFileSync(output, Buffer.concat(out));
