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
import { functionBodies, readLeb, withFunctionNames } from "./wasm-binary.mjs";

const WINDOW = 32 * 1024;
const GRAM = 6;
const HASH_BITS = 22;

const [input, output] = process.argv.slice(2);
if (!output) {
  console.error("usage: node scripts/order-functions.mjs <in.wasm> <out.wasm>");
  process.exit(2);
}
const wasm = readFileSync(input);

const { imported, bodies: ranges } = functionBodies(wasm, input);
const bodies = ranges.map(({ from, to }) => wasm.subarray(readLeb(wasm, from)[1], to));

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

// The order's rank as each defined function's name (imports keep none: the pass moves defined
// functions only). The input comes from `wasm-opt -g`, which writes a name section.
const names = new Map(order.map((f, rank) => [imported + f, `f${String(rank).padStart(6, "0")}`]));
writeFileSync(output, withFunctionNames(wasm, new Map([...names].sort((a, b) => a[0] - b[0])), input));
