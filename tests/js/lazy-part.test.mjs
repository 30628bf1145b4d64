// The lazily loaded part, in a process that has not loaded it yet: every call that needs it loads
// it and goes on — verifyEvents included, whose per-event outcomes must not report the part's
// absence as an event that failed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { verifyEvents, verifyEvent } from "ceramic-wasm";

const root = new URL("../..", import.meta.url).pathname;
// An eip191 CACAO-signed event (rust-ceramic's fixture), valid at `now: 1718400000`.
const cacaoCar = JSON.parse(readFileSync(join(root, "../shared/vectors/rust-ceramic-events.json"), "utf8"))
  .fixtures.CACAO_SIGNED_DATA_EVENT_CAR;

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
  const { readdirSync } = await import("node:fs");
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

test("a subscription whose part cannot be loaded stops when its signal aborts, and after a few tries", { timeout: 60_000 }, async () => {
  // A copy of the package without its part file: every load of the part fails. In a child
  // process with a time limit: the failure this guards against is a loop that never yields.
  const { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { execFileSync } = await import("node:child_process");
  const dir = mkdtempSync(join(tmpdir(), "no-part-"));
  try {
    cpSync(join(root, "pkg"), join(dir, "pkg"), { recursive: true });
    for (const f of readdirSync(join(dir, "pkg"))) if (f.startsWith("ceramic_wasm_part-")) rmSync(join(dir, "pkg", f));
    writeFileSync(join(dir, "run.mjs"), `
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
    `);
    const out = JSON.parse(execFileSync("node", [join(dir, "run.mjs")], { encoding: "utf8", timeout: 40_000 }));
    assert.equal(out.first, "PART_NOT_LOADED");
    assert.ok(out.abortedMs < 1000, "no waiting once the signal has aborted");
    // Not aborted: four more tries with the feed's backoff (0.5 + 1 + 2 + 4 s), then the error.
    assert.equal(out.second, "PART_NOT_LOADED");
    assert.ok(out.triesMs >= 7000, JSON.stringify(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
