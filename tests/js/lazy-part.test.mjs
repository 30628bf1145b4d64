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
