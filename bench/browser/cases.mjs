// The side-by-side benchmark's loops, shared by the Chromium page (bench/browser/page.js, bundled
// with both libraries) and Node (bench/side-by-side.mjs): ceramic-wasm against the JS SDK
// (@ceramic-sdk 0.12 + @didtools/key-did), on the same inputs: 3 warm-up runs, then 5 rounds of each side,
// alternating, and the medians.
//
// `cw` is the ceramic-wasm module; `sdk` holds the SDK functions used:
//   { createInitEvent, signedEventToContainer, signedEventToCAR, DocumentInitEventPayload,
//     getAuthenticatedDID, DID, getResolver, StreamID }

const MODEL = "kjzl6hvfrbw6c90uwoyz8j519gxma787qbsfjtrarkr1huq1g1s224k7hopvsyg";
const now = () => (globalThis.performance ?? Date).now();

const median = (ms) => [...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)];

/**
 * Medians of `rounds` timed runs of `a` and of `b`, after `warmups` untimed runs of each. The
 * rounds alternate (a, b, a, b, …) so that both sides meet the same machine: this 2-core VM's speed
 * drifts by tens of percent within a minute, which separate blocks of rounds turn into a bias.
 * Three warm-up runs: after one, both sides were still getting faster for two more rounds (V8's
 * optimising tiers, JS and wasm alike), so the median mixed warm and cold rounds.
 */
async function timedPair(a, b, rounds = 5, warmups = 3) {
  for (let w = 0; w < warmups; w++) {
    await a();
    await b();
  }
  const ta = [];
  const tb = [];
  for (let r = 0; r < rounds; r++) {
    let t = now();
    await a();
    ta.push(now() - t);
    t = now();
    await b();
    tb.push(now() - t);
  }
  return [{ median: median(ta), rounds: ta }, { median: median(tb), rounds: tb }];
}

/**
 * Runs every case; returns rows `{ case, ours, theirs, unit, ratio }` (`ours`/`theirs` in the
 * case's unit, higher is better for per-second units) and logs progress through `log`.
 */
export async function runAll(cw, sdk, { events = 300, signs = 100, stream = 10_000, log = () => {} } = {}) {
  const seed = new Uint8Array(32).fill(7);
  const signer = cw.KeyDidSigner.fromSeed(seed);
  const did = await sdk.getAuthenticatedDID(seed);
  if (did.id !== signer.did) throw new Error("the two libraries derive different DIDs from one seed");
  const model = sdk.StreamID.fromString(MODEL);
  const rows = [];

  // 1. Sign + encode a MID init event (a new list document), CAR bytes out.
  log("sign + encode");
  const content = { title: "benchmark", n: 1 };
  const [oursSign, theirsSign] = await timedPair(async () => {
    for (let i = 0; i < signs; i++) await cw.createInitEvent({ model: MODEL, content, signer });
  }, async () => {
    for (let i = 0; i < signs; i++) {
      const ev = await sdk.createInitEvent({ content, controller: did, model });
      sdk.signedEventToCAR(ev).bytes;
    }
  });
  rows.push(row("sign + encode a MID init event", signs, oursSign, theirsSign));

  // 2. Verify the same SDK-made events.
  log("verify SDK-made events");
  const made = [];
  for (let i = 0; i < events; i++) {
    const ev = await sdk.createInitEvent({ content: { title: `event ${i}` }, controller: did, model });
    made.push({ ev, car: sdk.signedEventToCAR(ev).bytes });
  }
  const verifier = new sdk.DID({ resolver: sdk.getResolver() });
  const [oursVerify, theirsVerify] = await timedPair(async () => {
    for (const { car } of made) await cw.verifyEvent(car);
  }, async () => {
    for (const { ev } of made) await sdk.signedEventToContainer(verifier, sdk.DocumentInitEventPayload, ev);
  });
  rows.push(row("verify an SDK-made event (signature + payload)", events, oursVerify, theirsVerify));

  // 2b. The same events verified all at once: one batch of Ed25519 signatures.
  log("verify SDK-made events, all at once");
  const cars = made.map(({ car }) => car);
  const once = await cw.verifyEvents(cars);
  if (once.length !== events || !once.every((r) => r.ok)) throw new Error("verifyEvents refused an SDK-made event");
  const [oursBatch, theirsBatch] = await timedPair(async () => {
    const results = await cw.verifyEvents(cars);
    if (!results[events - 1].ok) throw new Error("bad");
  }, async () => {
    for (const { ev } of made) await sdk.signedEventToContainer(verifier, sdk.DocumentInitEventPayload, ev);
  });
  rows.push(row(`verify the same ${events} events at once (verifyEvents)`, events, oursBatch, theirsBatch));

  // 3. A 10,000-event stream: verifyStream against the bare Ed25519 bound in the same build.
  log(`build a ${stream}-event stream`);
  const init = await cw.createInitEvent({ model: MODEL, content: { n: 0 }, signer });
  const streamCars = [init.car];
  let current = { commitId: init.streamId, content: { n: 0 } };
  for (let i = 1; i < stream; i++) {
    const next = await cw.createDataEvent({ current, content: { n: i }, signer });
    streamCars.push(next.car);
    current = { commitId: next.commitId, content: { n: i } };
  }
  log("verify the stream");
  const message = new Uint8Array(150).fill(1);
  const signature = signer.sign(message);
  const key = signer.publicKey;
  const [whole, bare] = await timedPair(async () => { await cw.verifyStream(streamCars); }, () => {
    for (let i = 0; i < stream; i++) if (!cw.verifyEd25519(key, message, signature)) throw new Error("bad");
  });
  rows.push({
    case: `verifyStream, ${stream} events, vs ${stream} × bare Ed25519 verify (same wasm)`,
    ours: whole.median, theirs: bare.median, unit: "ms (stream / bare)",
    ratio: whole.median / bare.median,
  });
  return rows;
}

function row(name, n, ours, theirs) {
  const perSec = (t) => (n * 1000) / t.median;
  return {
    case: name, ours: perSec(ours), theirs: perSec(theirs), unit: "per s (ceramic-wasm / SDK)",
    ratio: perSec(ours) / perSec(theirs),
  };
}

/** The rows as a markdown table. */
export function table(rows, title) {
  const f = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(2));
  return [
    `| ${title} | ceramic-wasm | JS SDK / bound | unit | ratio |`,
    "|---|---:|---:|---|---:|",
    ...rows.map((r) => `| ${r.case} | ${f(r.ours)} | ${f(r.theirs)} | ${r.unit} | ${r.ratio.toFixed(2)}× |`),
  ].join("\n");
}
