// Verification time per event against the log's length: one document of N events (an init and
// N-1 updates, built and signed offline), verified whole by verifyStream (the package's Node build)
// at 1k, 10k and 100k events. Flat per-event time means no quadratic work on long logs.
//   bash scripts/build-pkg.sh && node bench/verify-scaling.mjs [1000,10000,100000] [runs]
import { KeyDidSigner, createInitEvent, createDataEvent, verifyStream } from "../pkg/node/index.mjs";

const RUNS = Number(process.argv[3] ?? 3);
const sizes = (process.argv[2] ?? "1000,10000,100000").split(",").map(Number);
const MODEL = "kjzl6hvfrbw6c90uwoyz8j519gxma787qbsfjtrarkr1huq1g1s224k7hopvsyg";
const signer = KeyDidSigner.generate();
const n = Math.max(...sizes);
let t = performance.now();
const first = await createInitEvent({ model: MODEL, content: { n: 0 }, signer });
const cars = [first.car];
let current = { commitId: first.streamId, content: { n: 0 } };
for (let i = 1; i < n; i++) {
  const next = await createDataEvent({ current, content: { n: i }, signer });
  cars.push(next.car);
  current = { commitId: next.commitId, content: { n: i } };
}
console.error(`built ${n} events in ${((performance.now() - t) / 1000).toFixed(1)} s`);
const rows = [];
for (const size of sizes) {
  const slice = cars.slice(0, size);
  const runs = [];
  for (let r = 0; r < RUNS; r++) {
    t = performance.now();
    const v = await verifyStream(slice);
    runs.push(performance.now() - t);
    if (v.state.log.length !== size) throw new Error(`verified ${v.state.log.length} of ${size}`);
  }
  const ms = Math.min(...runs);
  rows.push(`| ${size} | ${ms.toFixed(0)} | ${((ms * 1000) / size).toFixed(1)} |`);
}
console.log(`| events | verifyStream ms (best of ${RUNS}) | µs per event |\n|---:|---:|---:|\n${rows.join("\n")}`);
