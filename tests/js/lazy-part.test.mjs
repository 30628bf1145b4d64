// The lazily loaded part, in a process that has not loaded it yet: every call that needs it loads
// it and goes on — verifyEvents included, whose per-event outcomes must not report the part's
// absence as an event that failed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { verifyEvents, verifyEvent } from "ceramic-wasm";

const root = new URL("../..", import.meta.url).pathname;
// An eip191 CACAO-signed event (rust-ceramic's fixture), valid at `now: 1718400000`.
const cacaoCar = JSON.parse(readFileSync(join(root, "../shared/vectors/rust-ceramic-events.json"), "utf8"))
  .fixtures.CACAO_SIGNED_DATA_EVENT_CAR;

// A temporary directory holding copies of pkg/ (`copies`: name → whether its part file stays) and
// `files`; `body` gets `run(...args)`, which runs the directory's `run.mjs` in a fresh Node
// process with a time limit (a failure could be a loop that never yields) and parses what it
// printed as JSON.
async function withPackageCopies(copies, files, body) {
  const dir = mkdtempSync(join(tmpdir(), "pkg-copies-"));
  try {
    for (const [name, keepPart] of Object.entries(copies)) {
      cpSync(join(root, "pkg"), join(dir, name), { recursive: true });
      if (!keepPart) for (const f of readdirSync(join(dir, name))) if (f.startsWith("ceramic_wasm_part-")) rmSync(join(dir, name, f));
    }
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const run = (...args) => JSON.parse(execFileSync("node", [join(dir, "run.mjs"), ...args], { encoding: "utf8", timeout: 40_000 }));
    return await body(run);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("verifyEvents loads the part for a capability-signed event instead of failing the event", async () => {
  const [result] = await verifyEvents([cacaoCar], null, { now: 1718400000 });
  assert.equal(result.ok, true, JSON.stringify(result.error));
  assert.ok(result.checks.some((c) => c.kind === "capabilitySignature"));
  // Loaded once: the same call again, and verifyEvent, need nothing more.
  const [again] = await verifyEvents([cacaoCar], null, { now: 1718400000 });
  assert.equal(again.ok, true);
  assert.ok((await verifyEvent(cacaoCar, null, { now: 1718400000 })).some((c) => c.kind === "capabilityResource"));
});

test("the part's read-only data travels with it: the SIWE message it verifies is built from its own bytes", async () => {
  // scripts/split-part.mjs moves the data only the part's code uses; the eip191 check above
  // rebuilds the signed SIWE message from these labels, so it fails if they were not there.
  const pkg = join(root, "pkg");
  const [part] = readdirSync(pkg).filter((f) => f.startsWith("ceramic_wasm_part-"));
  const label = Buffer.from("Issued At: ");
  assert.ok(readFileSync(join(pkg, part)).includes(label), "the part carries its messages");
  assert.ok(!readFileSync(join(pkg, "ceramic_wasm_bg.wasm")).includes(label), "the main module does not");
  const [result] = await verifyEvents([cacaoCar], null, { now: 1718400000 });
  assert.equal(result.ok, true);
  // The check's text is written by the part, from its own strings too.
  const check = result.checks.find((c) => c.kind === "capabilitySignature");
  assert.match(check.detail, /^eip191 capability b\w+ signed by did:pkh:eip155:1:0x3794d4f077c08d925ff8ff820006b7353299b200$/);
});

test("the main module's calls read none of the data moved to the part: the same answers without the part file", { timeout: 60_000 }, async () => {
  // scripts/split-part.mjs moves the data only part code uses (and fails the build if the main
  // module's code or data still points into it). Here the main module's own work — decoding,
  // verifying did:key and time events, building events, its errors — runs in a fresh process
  // without the part file, and in one that loaded the part first: any byte the main module reads
  // from a moved run would be zero in the first and differ.
  const fixtures = JSON.parse(readFileSync(join(root, "../shared/vectors/rust-ceramic-events.json"), "utf8")).fixtures;
  await withPackageCopies({ with: true, without: false }, { "fixtures.json": JSON.stringify(fixtures), "run.mjs": `
      import { readFileSync } from "node:fs";
      const pkg = await import("./" + process.argv[2] + "/node/index.mjs");
      const f = JSON.parse(readFileSync(new URL("./fixtures.json", import.meta.url), "utf8"));
      if (process.argv[3] === "load") await pkg.verifyEvents([f.CACAO_SIGNED_DATA_EVENT_CAR], null, { now: 1718400000 });
      const out = [];
      const run = async (what, fn) => {
        try { out.push([what, await fn()]); } catch (e) { out.push([what, e.code, e.message]); }
      };
      const checks = (cs) => cs.map((c) => [c.kind, c.detail]);
      await run("signed init", async () => checks(await pkg.verifyEvent(f.SIGNED_INIT_EVENT_CAR, null)));
      await run("signed data", async () => checks(await pkg.verifyEvent(f.SIGNED_DATA_EVENT_CAR, f.SIGNED_INIT_EVENT_CAR)));
      await run("unsigned init", async () => checks(await pkg.verifyEvent(f.UNSIGNED_INIT_EVENT_CAR, null)));
      await run("time", async () => checks(await pkg.verifyEvent(f.TIME_EVENT_CAR_MULTI_EVENT_BATCH, f.SIGNED_INIT_EVENT_CAR)));
      await run("stream", async () => JSON.stringify(await pkg.verifyStream([f.SIGNED_INIT_EVENT_CAR, f.SIGNED_DATA_EVENT_CAR])));
      await run("decode", () => { const e = pkg.decodeEvent(f.SIGNED_DATA_EVENT_CAR); return [e.kind, e.cid, e.streamId?.toString()]; });
      await run("bad car", () => pkg.decodeEvent("uAAAA"));
      await run("truncated", () => pkg.decodeEvent(f.SIGNED_INIT_EVENT_CAR.slice(0, 60)));
      await run("bad stream id", () => pkg.StreamID.fromString("kjzl6kcym7w8y-not-an-id"));
      await run("no cacao part", async () => checks(await pkg.verifyEvent(f.SIGNED_INIT_EVENT_CAR, null, { controller: "did:key:z6Mk" })));
      const signer = pkg.KeyDidSigner.fromSeed(new Uint8Array(32).fill(7));
      await run("singleton", () => { const b = pkg.createSingletonEvent({ model: "kjzl6hvfrbw6c5i55ks5m4hhyuh0jylw4g7x0asndu97i7luts4dfzvm35oev65", signer }); return [b.streamId.toString(), Buffer.from(b.car).toString("hex")]; });
      console.log(JSON.stringify(out));
    ` }, async (run) => {
    const without = run("without");
    const loaded = run("with", "load");
    assert.deepEqual(without, loaded);
    // They are answers, not all failures alike.
    assert.ok(without.filter(([, v]) => Array.isArray(v) && v.length > 0).length >= 5, JSON.stringify(without));
    assert.ok(without.some(([, code]) => code === "INVALID_STREAM_ID"));
  });
});

test("a subscription whose part cannot be loaded stops when its signal aborts, and after a few tries", { timeout: 60_000 }, async () => {
  // A copy of the package without its part file: every load of the part fails. In a child
  // process with a time limit: the failure this guards against is a loop that never yields.
  await withPackageCopies({ pkg: false }, { "run.mjs": `
      import { CeramicClient } from "./pkg/node/index.mjs";
      const client = new CeramicClient({ url: "http://127.0.0.1:9", retries: 0 });
      const aborted = new AbortController();
      aborted.abort();
      const code = (p) => p.then(() => "resolved", (e) => e.code);
      let t = Date.now();
      const first = await code(client.withSignal(aborted.signal).subscribe({}).next());
      const abortedMs = Date.now() - t;
      t = Date.now();
      const second = await code(client.subscribe({}).next());
      console.log(JSON.stringify({ first, abortedMs, second, triesMs: Date.now() - t }));
    ` }, async (run) => {
    const out = run();
    assert.equal(out.first, "PART_NOT_LOADED");
    assert.ok(out.abortedMs < 1000, "no waiting once the signal has aborted");
    // Not aborted: four more tries with the feed's backoff (0.5 + 1 + 2 + 4 s), then the error.
    assert.equal(out.second, "PART_NOT_LOADED");
    assert.ok(out.triesMs >= 7000, JSON.stringify(out));
  });
});
