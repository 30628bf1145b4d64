// Two (or more) Node builds of the main wasm, interleaved round by round so that both meet the
// same machine: createInitEvent, verifyEvent and verifyEvents, medians of 7 rounds.
//
//   cargo build --profile wasm-release --target wasm32-unknown-unknown --lib --no-default-features
//   wasm-bindgen --target nodejs --out-dir /tmp/wb-a target/wasm32-unknown-unknown/wasm-release/ceramic_wasm.wasm
//   wasm-opt -Oz --strip-debug --strip-producers /tmp/wb-a/ceramic_wasm_bg.wasm -o /tmp/wb-a/ceramic_wasm_bg.wasm
//   (the same for the other commit into /tmp/wb-b), then: node bench/ab-builds.mjs /tmp/wb-a /tmp/wb-b
// (The package itself is built with std rebuilt for size: the `wasm_release` flags of scripts/build-pkg.sh;
// pkg/node after `bash scripts/build-pkg.sh` is such a build directory.)
const MODEL = "kjzl6hvfrbw6c90uwoyz8j519gxma787qbsfjtrarkr1huq1g1s224k7hopvsyg";
const dirs = process.argv.slice(2);
if (dirs.length < 2) throw new Error("usage: node bench/ab-builds.mjs <build dir> <build dir> …");
const mods = {};
for (const d of dirs) mods[d] = await import(`${d}/ceramic_wasm.js`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cars = {};
for (const [d, cw] of Object.entries(mods)) {
  const signer = cw.KeyDidSigner.fromSeed(new Uint8Array(32).fill(7));
  cars[d] = [];
  for (let i = 0; i < 300; i++) cars[d].push((await cw.createInitEvent({ model: MODEL, content: { i }, signer })).car);
}
const res = {};
for (let round = 0; round < 7; round++) {
  for (const [d, cw] of Object.entries(mods)) {
    const signer = cw.KeyDidSigner.fromSeed(new Uint8Array(32).fill(7));
    const content = { title: "benchmark", n: 1 };
    let t = performance.now();
    for (let i = 0; i < 1000; i++) await cw.createInitEvent({ model: MODEL, content, signer });
    const sign = (performance.now() - t) * 1000 / 1000;
    t = performance.now();
    for (const car of cars[d]) await cw.verifyEvent(car);
    const one = (performance.now() - t) * 1000 / 300;
    t = performance.now();
    await cw.verifyEvents(cars[d]);
    const batch = (performance.now() - t) * 1000 / 300;
    (res[d] ??= []).push([sign, one, batch]);
  }
}
for (const [d, r] of Object.entries(res)) {
  const m = (k) => median(r.map((x) => x[k])).toFixed(1);
  console.log(`${d}: createInitEvent ${m(0)} µs, verifyEvent ${m(1)} µs, verifyEvents ${m(2)} µs/event`);
}
