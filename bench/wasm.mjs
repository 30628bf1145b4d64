// Benchmark of the npm package in Node 20 (the Node build of pkg/): decode, sign, and verify.
//   bash scripts/build-pkg.sh && node bench/wasm.mjs [ITERATIONS]
// Prints one markdown table row per operation (median of 5 rounds of ITERATIONS calls).
import { readFileSync } from "node:fs";
import { KeyDidSigner, decodeEvent, verifyStream, verifyEvent } from "../pkg/node/index.mjs";

const n = Number(process.argv[2] ?? 200);
const v = JSON.parse(readFileSync(new URL("../../shared/vectors/rust-ceramic-events.json", import.meta.url)));
const f = v.fixtures;
const signer = KeyDidSigner.fromSeed(new Uint8Array(32).fill(1));
const input = new Uint8Array(120).fill(7);
const cases = {
  "decodeEvent (signed data event CAR)": () => decodeEvent(f.SIGNED_DATA_EVENT_CAR).free(),
  "KeyDidSigner.sign (Ed25519)": () => signer.sign(input),
  "verifyEvent (Ed25519 data event)": () => verifyEvent(f.SIGNED_DATA_EVENT_CAR, f.SIGNED_INIT_EVENT_CAR, { now: 1718400000 }),
  "verifyEvent (eip191 CACAO init event)": () => verifyEvent(f.CACAO_SIGNED_DATA_EVENT_CAR, f.CACAO_SIGNED_DATA_EVENT_CAR, { now: 1718400000 }),
  "verifyStream (init + data + time, 3 events)": () =>
    verifyStream([f.SIGNED_INIT_EVENT_CAR, f.SIGNED_DATA_EVENT_CAR, f.TIME_EVENT_CAR_SINGLE_EVENT_BATCH], { now: 1718400000 }),
};
console.log("| operation | µs per call, median of 5 × %d | best round |", n);
console.log("|---|---:|---:|");
for (const [name, fn] of Object.entries(cases)) {
  for (let i = 0; i < 20; i++) await fn(); // warm up (the first eip191 call loads the lazy part)
  const rounds = [];
  for (let r = 0; r < 5; r++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await fn();
    rounds.push(Number(process.hrtime.bigint() - t) / 1000 / n);
  }
  rounds.sort((a, b) => a - b);
  console.log(`| ${name} | ${rounds[2].toFixed(1)} | ${rounds[0].toFixed(1)} |`);
}
