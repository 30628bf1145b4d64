// Read your own writes against a node that indexes later, as ceramic-one does: the devnode with
// --index-delay-ms 1200 (ceramic-one 0.58 measured: 404 for ~0.55 s after a new stream, the
// previous tip for ~1 s after an update). Every call below follows the previous one at once.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { CeramicClient, CeramicError, KeyDidSigner } from "ceramic-wasm";
import { startDevnode } from "./devnode.mjs";

const DELAY_MS = 1200;
let node;
before(async () => { node = await startDevnode(["--anchor-interval", "60", "--index-delay-ms", String(DELAY_MS)]); });
after(async () => { await node?.stop(); });

const definition = {
  version: "2.0", name: "Note", interface: false, implements: [],
  accountRelation: { type: "list" },
  schema: {
    $schema: "https://json-schema.org/draft/2020-12/schema", type: "object", additionalProperties: false,
    properties: { text: { type: "string", maxLength: 100 } }, required: ["text"],
  },
};

async function fresh() {
  const client = new CeramicClient({ url: node.url });
  const signer = KeyDidSigner.generate();
  const model = await client.createModel({ definition, signer });
  return { client, signer, model };
}

function assertCurrent(state, text, tip) {
  assert.deepEqual(state.content, { text });
  assert.equal(state.verified, true);
  if (tip) assert.equal(state.commitId, tip.toString());
  // Confirmed by the node, or marked as the client's own state: never silently stale.
  assert.equal(state.matchesNode, !state.pending);
}

test("the node really lags: a client that did not write sees nothing yet", async () => {
  const { client, signer, model } = await fresh();
  const doc = await client.createDocument({ model, content: { text: "new" }, signer });
  const stranger = new CeramicClient({ url: node.url });
  await assert.rejects(stranger.getStreamState(doc), (e) => e instanceof CeramicError && e.code === "NOT_FOUND");
  await assert.rejects(stranger.loadDocument(doc), (e) => e.code === "NOT_FOUND");
});

test("create → update → update → load → update → load, no waits", async () => {
  const { client, signer, model } = await fresh();
  const doc = await client.createDocument({ model, content: { text: "one" }, signer });
  const c2 = await client.updateDocument({ streamId: doc, content: { text: "two" }, signer });
  const c3 = await client.updateDocument({ streamId: doc, content: { text: "three" }, signer });
  assert.equal(c3.baseID.toString(), doc.toString());
  const s3 = await client.loadDocument(doc);
  assertCurrent(s3, "three", c3);
  assert.equal(s3.pending, false);
  assert.deepEqual(s3.log.map((e) => e.cid), [doc.cid.toString(), c2.commit.toString(), c3.commit.toString()]);
  const c4 = await client.updateDocument({ streamId: doc, content: { text: "four" }, signer });
  const s4 = await client.loadDocument(doc);
  assertCurrent(s4, "four", c4);
  assert.equal(s4.pending, false);
  assert.equal(s4.log.length, 4);
});

test("every step checked: each write is read back at once", async () => {
  const { client, signer, model } = await fresh();
  const doc = await client.createDocument({ model, content: { text: "a" }, signer });
  assertCurrent(await client.loadDocument(doc), "a");
  for (const text of ["b", "c", "d"]) {
    const commit = await client.updateDocument({ streamId: doc, content: { text }, signer });
    assertCurrent(await client.loadDocument(doc), text, commit);
    // Unverified loads do not go back in time either.
    assert.deepEqual((await client.loadDocument(doc, { verify: false })).content, { text });
  }
  // A singleton too: created, updated and read back before the node shows it.
  const single = await client.createModel({ definition: { ...definition, name: "Profile", accountRelation: { type: "single" } }, signer });
  const profile = await client.createSingleton({ model: single, signer });
  const p1 = await client.updateDocument({ streamId: profile, content: { text: "me" }, signer });
  assertCurrent(await client.loadDocument(profile), "me", p1);
});

test("updates issued together are made in the order asked", async () => {
  const { client, signer, model } = await fresh();
  const doc = await client.createDocument({ model, content: { text: "0" }, signer });
  const commits = await Promise.all(["1", "2", "3", "4"].map((text) => client.updateDocument({ streamId: doc, content: { text }, signer })));
  const state = await client.loadDocument(doc);
  assertCurrent(state, "4", commits[3]);
  assert.deepEqual(state.log.slice(1).map((e) => e.cid), commits.map((c) => c.commit.toString()));
});

test("past readYourWritesMs the client's own verified state, marked pending; then confirmed", async () => {
  const client = new CeramicClient({ url: node.url, readYourWritesMs: 0 });
  const signer = KeyDidSigner.generate();
  const model = await client.createModel({ definition, signer });
  const doc = await client.createDocument({ model, content: { text: "mine" }, signer });
  const own = await client.loadDocument(doc);
  assert.equal(own.pending, true);
  assert.equal(own.matchesNode, false);
  assert.equal(own.verified, true);
  assert.deepEqual(own.content, { text: "mine" });
  assert.ok(own.notChecked.some((n) => /has not shown/.test(n)), own.notChecked.join("; "));
  await new Promise((r) => setTimeout(r, DELAY_MS + 300));
  const confirmed = await client.loadDocument(doc);
  assert.equal(confirmed.pending, false);
  assert.equal(confirmed.matchesNode, true);
});

test("a load waiting for the node is cancellable", async () => {
  const client = new CeramicClient({ url: node.url, readYourWritesMs: 30_000 });
  const signer = KeyDidSigner.generate();
  const model = await client.createModel({ definition, signer });
  const doc = await client.createDocument({ model, content: { text: "x" }, signer });
  const ctrl = new AbortController();
  const t0 = Date.now();
  const waiting = client.withSignal(ctrl.signal).loadDocument(doc);
  setTimeout(() => ctrl.abort(), 100);
  await assert.rejects(waiting, (e) => e.code === "ABORTED");
  assert.ok(Date.now() - t0 < DELAY_MS, `aborted after ${Date.now() - t0} ms`);
});
