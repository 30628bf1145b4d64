// Two Node builds of the main wasm, paired: each round runs the same loop on both (in
// alternating order), and the median of the per-round time ratios is printed — robust to the
// drift of a shared VM, which moves both builds of a round together. Loops: verifyEvent on 100
// events by one key, verifyEvent on 100 events by 100 keys, verifyEvents on each 100, and
// createInitEvent ×100; 3 warm-up runs, 31 rounds each.
//
//   node bench/ab-pair.mjs <build dir A> <build dir B>     # absolute paths
// A build dir as bench/ab-builds.mjs describes (pkg/node after `bash scripts/build-pkg.sh` is one).
const MODEL = "kjzl6hvfrbw6c90uwoyz8j519gxma787qbsfjtrarkr1huq1g1s224k7hopvsyg";
const [a, b] = process.argv.slice(2);
const A = await import(`${a}/ceramic_wasm.js`), B = await import(`${b}/ceramic_wasm.js`);
const signer = A.KeyDidSigner.fromSeed(new Uint8Array(32).fill(7));
const cars = [];
for (let i = 0; i < 100; i++) cars.push((await A.createInitEvent({ model: MODEL, content: { i }, signer })).car);
const many = [];
for (let i = 0; i < 100; i++) many.push((await A.createInitEvent({ model: MODEL, content: { i }, signer: A.KeyDidSigner.fromSeed(new Uint8Array(32).fill(i + 1)) })).car);
const sA = A.KeyDidSigner.fromSeed(new Uint8Array(32).fill(7)), sB = B.KeyDidSigner.fromSeed(new Uint8Array(32).fill(7));
const med = (x) => [...x].sort((p, q) => p - q)[x.length >> 1];
async function time(f) { const t = performance.now(); await f(); return performance.now() - t; }
const loops = {
  verifyEvent: (m) => async () => { for (const c of cars) await m.verifyEvent(c); },
  verifyEventManyKeys: (m) => async () => { for (const c of many) await m.verifyEvent(c); },
  verifyEvents: (m) => async () => { await m.verifyEvents(cars); },
  verifyEventsManyKeys: (m) => async () => { await m.verifyEvents(many); },
  createInitEvent: (m, s) => async () => { for (let i = 0; i < 100; i++) await m.createInitEvent({ model: MODEL, content: { i }, signer: s }); },
};
for (const [name, mk] of Object.entries(loops)) {
  const fa = mk(A, sA), fb = mk(B, sB);
  for (let w = 0; w < 3; w++) { await fa(); await fb(); }
  const ta = [], tb = [], r = [];
  for (let i = 0; i < 31; i++) {
    const x = i % 2 ? [await time(fa), await time(fb)] : (([q, p]) => [p, q])([await time(fb), await time(fa)]);
    ta.push(x[0]); tb.push(x[1]); r.push(x[1] / x[0]);
  }
  console.log(`${name}: A ${(med(ta) * 10).toFixed(1)} µs, B ${(med(tb) * 10).toFixed(1)} µs, B/A median ${med(r).toFixed(3)}`);
}
