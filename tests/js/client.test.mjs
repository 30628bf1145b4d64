// The npm package against a real ceramic-devnode: every CeramicClient method, the three kinds of
// signer, subscriptions, error codes, and a node that tampers with what it serves.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import crypto from "node:crypto";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import {
  CeramicClient, CeramicError, CommitID, ExternalSigner, KeyDidSigner, CacaoSession, StreamID,
  decodeEvent, encodeEvent, verifyEvent, verifyEvents, createInitEvent, createDataEvent, createSingletonEvent, inspectSigningRequest,
} from "ceramic-wasm";
import { startDevnode } from "./devnode.mjs";

let node;
before(async () => { node = await startDevnode(["--anchor-interval", "1"]); });
after(async () => { await node?.stop(); });

const definition = {
  version: "2.0", name: "Post", interface: false, implements: [],
  accountRelation: { type: "list" },
  schema: {
    $schema: "https://json-schema.org/draft/2020-12/schema", type: "object", additionalProperties: false,
    properties: { title: { type: "string", maxLength: 100 }, tag: { type: "string", pattern: "^#\\p{L}+$", maxLength: 20 } },
    required: ["title"],
  },
};

async function rejectsWith(promise, code) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof CeramicError, `not a CeramicError: ${e}`);
    assert.ok(e instanceof Error);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected ${code}`);
}

test("an injected fetch carries every request", async () => {
  const seen = [];
  const client = new CeramicClient({ url: node.url, fetch: (request) => { seen.push(`${request.method} ${new URL(request.url).pathname}`); return fetch(request); } });
  assert.equal(await client.version(), "0.58.0");
  await client.liveness();
  assert.deepEqual(seen, ["GET /ceramic/version", "GET /ceramic/liveness"]);
  // Its failures are network errors like any other.
  const broken = new CeramicClient({ url: node.url, retries: 0, fetch: async () => { throw new TypeError("offline"); } });
  const e = await rejectsWith(broken.version(), "NETWORK");
  assert.match(e.message, /offline/);
});

test("an injected fetch that never settles and ignores its signal still times out, or is cancelled", async () => {
  const hang = () => new Promise(() => {});
  const slow = new CeramicClient({ url: node.url, retries: 0, timeoutMs: 150, fetch: hang });
  const t = Date.now();
  const e = await rejectsWith(slow.version(), "TIMEOUT");
  assert.match(e.message, /within 150 ms/);
  assert.ok(Date.now() - t < 5000);
  const ctrl = new AbortController();
  const pending = new CeramicClient({ url: node.url, retries: 0, timeoutMs: 0, fetch: hang, signal: ctrl.signal }).version();
  setTimeout(() => ctrl.abort(), 50);
  await rejectsWith(pending, "ABORTED");
});

test("node information", async () => {
  const client = new CeramicClient({ url: node.url });
  assert.equal(await client.version(), "0.58.0");
  assert.equal(await client.network(), "inmemory");
  await client.liveness();
  assert.match(await client.resumeToken(), /^\d+$/);
});

test("models and documents: create, update, load verified", async () => {
  const client = new CeramicClient({ url: node.url });
  const signer = KeyDidSigner.generate();
  const modelId = await client.createModel({ definition, signer });
  assert.ok(modelId instanceof StreamID);
  assert.equal(modelId.typeName, "model");
  await client.registerInterest(modelId);
  const doc = await client.createDocument({ model: modelId, content: { title: "hello", tag: "#été" }, signer });
  assert.equal(doc.typeName, "MID");
  const next = await client.updateDocument({ streamId: doc, content: { title: "hello again" }, signer });
  assert.ok(next instanceof CommitID);
  assert.equal(next.baseID.toString(), doc.toString());

  const seen = [];
  const state = await client.loadDocument(doc, { verify: true, onProgress: (d, t) => seen.push([d, t]) });
  assert.equal(state.verified, true);
  assert.equal(state.matchesNode, true);
  assert.deepEqual(state.content, { title: "hello again" });
  assert.equal(state.controller, signer.did);
  assert.equal(state.model, modelId.toString());
  assert.equal(state.commitId, next.toString());
  assert.deepEqual(state.log.map((e) => e.kind), ["init", "data"]);
  assert.ok(state.checks.some((c) => c.kind === "schema"));
  assert.ok(state.checks.some((c) => c.kind === "signature"));
  assert.deepEqual(state.notChecked, []);
  assert.deepEqual(seen.at(-1), [2, 2]);

  const claim = await client.getStreamState(doc);
  assert.equal(claim.eventCid, next.commit);
  assert.deepEqual(claim.content, { title: "hello again" });

  // Events round-trip through the node byte for byte.
  const ev = await client.getEvent(next.commit);
  assert.equal(ev.kind, "data");
  assert.equal(await ev.verifySignature(), signer.did);
  assert.deepEqual(encodeEvent(ev), ev.toCar());
  await client.postEvent(ev); // idempotent
  const init = await client.getEvent(doc.cid);
  assert.ok((await verifyEvent(ev.toCar(), init.toCar(), { model: (await client.getEvent(modelId.cid)).toCar() })).length > 0);
  assert.equal(decodeEvent(ev.toMultibase()).cid, ev.cid);

  // The content is checked before anything is sent.
  await rejectsWith(client.createDocument({ model: modelId, content: { title: 5 }, signer }), "SCHEMA_VIOLATION");
  await rejectsWith(client.updateDocument({ streamId: doc, content: { title: "x", tag: "nohash" }, signer }), "SCHEMA_VIOLATION");
  // Only the controller may write; the node refuses, and says why.
  const err = await rejectsWith(client.updateDocument({ streamId: doc, content: { title: "mine" }, signer: KeyDidSigner.generate() }), "NODE_REJECTED");
  assert.match(err.message, /UNAUTHORIZED_SIGNER/);

  // Anchored locally within two intervals.
  await new Promise((r) => setTimeout(r, 2300));
  const anchored = await client.loadDocument(doc.toString());
  assert.equal(anchored.anchor, "local");
  assert.equal(anchored.log.at(-1).kind, "time");
});

test("a Model's backtracking pattern is refused before the page's RegExp runs it", async () => {
  // `^(\w|\d)+$` backtracks exponentially: on 60 digits and a "!", V8 would take 2^60 steps and the
  // page would hang. The bound is computed first; the write is refused with TOO_LARGE.
  const client = new CeramicClient({ url: node.url });
  const signer = KeyDidSigner.generate();
  const schema = { ...definition.schema, properties: { title: { type: "string", maxLength: 100, pattern: "^(\\w|\\d)+$" } } };
  const model = await client.createModel({ definition: { ...definition, name: "Risky", schema }, signer });
  const ok = await client.createDocument({ model, content: { title: "abc1" }, signer });
  assert.equal(ok.typeName, "MID");
  const err = await rejectsWith(client.createDocument({ model, content: { title: `${"1".repeat(60)}!` }, signer }), "TOO_LARGE");
  assert.match(err.message, /61 characters against pattern/);
});

test("a schema's formats are checked (in the package's lazily loaded part)", async () => {
  const client = new CeramicClient({ url: node.url });
  const signer = KeyDidSigner.generate();
  const schema = { ...definition.schema, properties: { title: { type: "string", maxLength: 100 },
    at: { type: "string", format: "date-time", maxLength: 40 }, email: { type: "string", format: "email", maxLength: 80 } } };
  const model = await client.createModel({ definition: { ...definition, name: "Dated", schema }, signer });
  const ok = await client.createDocument({ model, content: { title: "t", at: "2024-06-12T20:04:42.464Z", email: "a@example.com" }, signer });
  assert.equal(ok.typeName, "MID");
  const err = await rejectsWith(client.createDocument({ model, content: { title: "t", at: "2024-06-12 20:04" }, signer }), "SCHEMA_VIOLATION");
  assert.match(err.message, /date-time/);
  await rejectsWith(client.createDocument({ model, content: { title: "t", email: "not an address" }, signer }), "SCHEMA_VIOLATION");
});

test("a Model is fetched and verified once per client, not on every write", async () => {
  const author = new CeramicClient({ url: node.url });
  const signer = KeyDidSigner.generate();
  const model = await author.createModel({ definition, signer });
  const modelPath = `/ceramic/events/${model.cid}`;
  let fetched = 0;
  const client = new CeramicClient({ url: node.url, fetch: (request) => { if (new URL(request.url).pathname === modelPath) fetched++; return fetch(request); } });
  const docs = [];
  for (const title of ["a", "b", "c"]) docs.push(await client.createDocument({ model, content: { title }, signer }));
  await client.updateDocument({ streamId: docs[0], content: { title: "a2" }, signer });
  await client.loadDocument(docs[1]);
  assert.equal(fetched, 1);
  // The client that created the Model knows it already.
  let again = 0;
  const own = new CeramicClient({ url: node.url, fetch: (request) => { if (new URL(request.url).pathname === modelPath) again++; return fetch(request); } });
  const m2 = await own.createModel({ definition: { ...definition, name: "Mine" }, signer });
  await own.createDocument({ model: m2, content: { title: "x" }, signer });
  assert.equal(again, 0);
});

test("events built and signed offline, posted later", async () => {
  const client = new CeramicClient({ url: node.url });
  const signer = KeyDidSigner.generate();
  const model = await client.createModel({ definition, signer });
  // Offline: an init event and two updates, chained through the returned commitIds.
  const init = await createInitEvent({ model, content: { title: "draft" }, signer });
  assert.equal(init.streamId.typeName, "MID");
  assert.ok(init.car instanceof Uint8Array);
  const e1 = await createDataEvent({ current: { commitId: init.streamId, content: { title: "draft" } }, content: { title: "edited", tag: "#x" }, signer });
  const e2 = await createDataEvent({ current: { commitId: e1.commitId, content: { title: "edited", tag: "#x" } }, content: { title: "final" }, signer, shouldIndex: false });
  assert.equal(e2.commitId.baseID.toString(), init.streamId.toString());
  assert.equal(decodeEvent(e1.car).prev, init.streamId.cid.toString());
  assert.equal(decodeEvent(e2.car).prev, e1.commitId.commit.toString());
  // The model's rules check the offline events like any other.
  const modelCar = (await client.getEvent(model.cid)).toCar();
  assert.ok((await verifyEvent(e1.car, init.car, { model: modelCar })).some((c) => c.kind === "signature"));
  // Many at once (one batch of signatures): each event's outcome, a bad one among them named.
  const forged = Uint8Array.from(e2.car);
  const sigAt = forged.length - 40; // inside the envelope's signature, the CAR's last block
  forged[sigAt] ^= 1;
  const many = await verifyEvents([e1.car, e2.car, forged, "not a CAR"], init.car, { model: modelCar });
  assert.deepEqual(many.map((r) => r.ok), [true, true, false, false]);
  assert.deepEqual(many[0].checks, await verifyEvent(e1.car, init.car, { model: modelCar }));
  assert.ok(many[2].error instanceof CeramicError);
  assert.ok(["BAD_SIGNATURE", "CID_MISMATCH", "INVALID_CAR"].includes(many[2].error.code), many[2].error.code);
  assert.ok(many[3].error instanceof CeramicError);
  const inits = await verifyEvents([init.car, init.car]);
  assert.deepEqual(inits.map((r) => r.ok), [true, true]);
  // Online again: post them in order; the node and the verified load agree.
  for (const { car } of [init, e1, e2]) await client.postEvent(car);
  const state = await client.loadDocument(init.streamId);
  assert.deepEqual(state.content, { title: "final" });
  assert.equal(state.shouldIndex, false);
  assert.equal(state.commitId, e2.commitId.toString());
  assert.equal(state.matchesNode, true);
  // A loaded state is a valid `current` too.
  const e3 = await createDataEvent({ current: state, content: { title: "after load" }, signer });
  await client.postEvent(e3.car);
  assert.deepEqual((await client.loadDocument(init.streamId)).content, { title: "after load" });
  // Deterministic documents: the same StreamID as the client's.
  const single = await client.createModel({ definition: { ...definition, name: "Solo", accountRelation: { type: "single" } }, signer });
  const offline = createSingletonEvent({ model: single, controller: signer.did });
  const online = await client.createSingleton({ model: single, signer });
  assert.equal(offline.streamId.toString(), online.toString());
  const set = await client.createModel({ definition: { ...definition, name: "Tags", accountRelation: { type: "set", fields: ["title"] } }, signer });
  assert.equal(createSingletonEvent({ model: set, signer, setValues: ["cats"] }).streamId.toString(),
    (await client.createSingleton({ model: set, signer, setValues: ["cats"] })).toString());
});

test("singletons and sets", async () => {
  const client = new CeramicClient({ url: node.url });
  const signer = KeyDidSigner.fromSeed(new Uint8Array(32).fill(3));
  const single = await client.createModel({ definition: { ...definition, name: "Profile", accountRelation: { type: "single" } }, signer });
  const a = await client.createSingleton({ model: single, signer });
  const b = await client.createSingleton({ model: single.toString(), controller: signer.did });
  assert.equal(a.toString(), b.toString());
  await client.updateDocument({ streamId: a, content: { title: "me" }, signer });
  assert.deepEqual((await client.loadDocument(a)).content, { title: "me" });

  const set = await client.createModel({ definition: { ...definition, name: "Tagged", accountRelation: { type: "set", fields: ["title"] } }, signer });
  const s = await client.createSingleton({ model: set, signer, setValues: ["cats"] });
  await client.updateDocument({ streamId: s, content: { title: "cats", tag: "#cats" }, signer });
  await rejectsWith(client.updateDocument({ streamId: s, content: { title: "dogs" }, signer }), "MID_SET_FIELD_CHANGED");
});

test("a KeyDidSigner signs inside wasm; a look-alike object is driven through its own sign()", async () => {
  const client = new CeramicClient({ url: node.url });
  const key = KeyDidSigner.generate();
  const model = await client.createModel({ definition, signer: key });
  // Same DID, but not the wasm object: its sign() must be called, even if it names a key handle.
  let calls = 0;
  assert.equal(typeof key.__ceramicKey, "number");
  const lookalike = { did: key.did, controller: key.did, alg: "EdDSA", kid: key.kid, __ceramicKey: key.__ceramicKey + 1,
    sign: (bytes) => { calls++; return key.sign(bytes); } };
  const doc = await client.createDocument({ model, content: { title: "signed in JS" }, signer: lookalike });
  assert.equal(calls, 1);
  await client.updateDocument({ streamId: doc, content: { title: "signed in wasm" }, signer: key });
  const state = await client.loadDocument(doc);
  assert.equal(state.content.title, "signed in wasm");
  assert.equal(calls, 1);
  // A freed key is gone: the handle no longer finds it.
  const gone = KeyDidSigner.generate();
  const handle = gone.__ceramicKey;
  gone.free();
  await assert.rejects(client.createDocument({ model, content: { title: "x" }, signer: { did: key.did, alg: "EdDSA", __ceramicKey: handle } }),
    (e) => e.code === "SIGNER_FAILED");
});

test("an external signer: Node's own Ed25519", async () => {
  const client = new CeramicClient({ url: node.url });
  const seed = crypto.randomBytes(32);
  const did = KeyDidSigner.fromSeed(seed).did; // only to name the key
  const key = crypto.createPrivateKey({ key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]), format: "der", type: "pkcs8" });
  let calls = 0;
  const ext = new ExternalSigner({ did, alg: "EdDSA", sign: async (bytes) => { calls++; return new Uint8Array(crypto.sign(null, bytes, key)); } });
  const model = await client.createModel({ definition, signer: ext });
  const doc = await client.createDocument({ model, content: { title: "signed outside wasm" }, signer: ext });
  const state = await client.loadDocument(doc);
  assert.equal(state.controller, did);
  assert.equal(calls, 2);
  // A signer that returns garbage is caught before anything is posted.
  const bad = new ExternalSigner({ did, alg: "EdDSA", sign: async () => new Uint8Array(64) });
  await rejectsWith(client.createDocument({ model, content: { title: "x" }, signer: bad }), "SIGNER_FAILED");
  assert.throws(() => new ExternalSigner({ did, alg: "ES256", sign: () => new Uint8Array(64) }), (e) => e.code === "SIGNER_FAILED");
});

test("a wallet's view of what it signs: the payload beside the input, inspectSigningRequest, SIGNER_REJECTED", async () => {
  const client = new CeramicClient({ url: node.url });
  const key = KeyDidSigner.generate();
  const model = await client.createModel({ definition, signer: key });
  const seen = [];
  let answer = "sign";
  const wallet = new ExternalSigner({ did: key.did, alg: "EdDSA", sign: async (input, context) => {
    const info = await inspectSigningRequest(input, context.payload);
    seen.push(info);
    if (answer === "eip1193") throw Object.assign(new Error("User rejected the request."), { code: 4001 });
    if (answer === "reject") throw Object.assign(new Error("no"), { code: "SIGNER_REJECTED" });
    if (answer === "fail") throw new Error("the wallet crashed");
    // Another payload than the one the input signs: the inspection throws INVALID_EVENT.
    return inspectSigningRequest(input, new Uint8Array([0xa0]));
  } });
  await assert.rejects(client.createDocument({ model, content: { title: "x" }, signer: wallet }),
    (e) => e instanceof CeramicError && e.code === "SIGNER_FAILED" && /another payload/.test(e.message));
  assert.equal(seen.at(-1).kind, "init");
  assert.equal(seen.at(-1).model, model.toString());
  assert.equal(seen.at(-1).controller, key.did);
  assert.deepEqual(seen.at(-1).content, { title: "x" });
  assert.equal(seen.at(-1).kid, key.kid);

  const good = new ExternalSigner({ did: key.did, alg: "EdDSA", sign: async (input, { payload }) => {
    seen.push(await inspectSigningRequest(input, payload));
    return key.sign(input);
  } });
  const doc = await client.createDocument({ model, content: { title: "a" }, signer: good });
  const tip = await client.updateDocument({ streamId: doc, content: { title: "b" }, signer: good });
  const update = seen.at(-1);
  assert.equal(update.kind, "data");
  assert.equal(update.stream, doc.toString());
  assert.deepEqual(update.patch, [{ op: "replace", path: "/title", value: "b" }]);
  assert.equal(update.model, undefined);
  assert.ok(tip.toString().length > 0);

  for (const [mode, code] of [["eip1193", "SIGNER_REJECTED"], ["reject", "SIGNER_REJECTED"], ["fail", "SIGNER_FAILED"]]) {
    answer = mode;
    await rejectsWith(client.updateDocument({ streamId: doc, content: { title: mode }, signer: wallet }), code);
  }
  assert.equal((await client.loadDocument(doc)).content.title, "b"); // nothing was written
  for (const [input, payload] of [[new Uint8Array([1, 2]), new Uint8Array()], [new TextEncoder().encode("e30.AXESIA"), new Uint8Array([0xa0])]]) {
    await assert.rejects(inspectSigningRequest(input, payload), (e) => e instanceof CeramicError && e.code === "INVALID_EVENT");
  }
});

test("a Sign-In-With-Ethereum session", async () => {
  const client = new CeramicClient({ url: node.url });
  const wallet = secp256k1.utils.randomSecretKey();
  const pub = secp256k1.getPublicKey(wallet, false).slice(1);
  const address = "0x" + Buffer.from(keccak_256(pub).slice(12)).toString("hex");
  const personalSign = (message) => {
    const bytes = new TextEncoder().encode(message);
    const digest = keccak_256(new Uint8Array([...new TextEncoder().encode(`\x19Ethereum Signed Message:\n${bytes.length}`), ...bytes]));
    const sig = secp256k1.sign(digest, wallet, { prehash: false, format: "recovered" });
    // noble: recovery byte first; Ethereum: r‖s‖v with v = 27 + recovery.
    return "0x" + Buffer.from([...sig.slice(1), 27 + sig[0]]).toString("hex");
  };
  const req = await CacaoSession.request({ address, chainId: 1, domain: "app.test", resources: ["ceramic://*"], expiresInSecs: 3600 });
  assert.match(req.message, /^app\.test wants you to sign in with your Ethereum account:\n0x[0-9a-fA-F]{40}\n/);
  const session = await req.complete(personalSign(req.message));
  assert.equal(session.controller, `did:pkh:eip155:1:${address}`);
  assert.equal(session.isExpired, false);
  assert.ok(Math.abs(session.expiresAt - (Date.now() / 1000 + 3600)) < 60, `expiresAt ${session.expiresAt}`);
  const restored = await CacaoSession.fromSerialized(session.serialize());
  assert.equal(restored.did, session.did);

  const owner = KeyDidSigner.generate();
  const model = await client.createModel({ definition, signer: owner });
  const doc = await client.createDocument({ model, content: { title: "by my wallet" }, signer: restored });
  await client.updateDocument({ streamId: doc, content: { title: "still my wallet" }, signer: session });
  const state = await client.loadDocument(doc);
  assert.equal(state.controller, session.controller);
  assert.ok(state.checks.some((c) => c.kind === "capabilitySignature"));
  // Another wallet's signature does not complete a request.
  const other = await CacaoSession.request({ address, chainId: 1, domain: "app.test", resources: ["ceramic://*"] });
  const stranger = secp256k1.utils.randomSecretKey();
  const msg = new TextEncoder().encode(other.message);
  const forged = secp256k1.sign(keccak_256(new Uint8Array([...new TextEncoder().encode(`\x19Ethereum Signed Message:\n${msg.length}`), ...msg])), stranger, { prehash: false, format: "recovered" });
  await rejectsWith(other.complete("0x" + Buffer.from([...forged.slice(1), 27 + forged[0]]).toString("hex")), "BAD_CAPABILITY_SIGNATURE");
});

test("subscribe follows the feed, filtered by model", async () => {
  const client = new CeramicClient({ url: node.url });
  const signer = KeyDidSigner.generate();
  const model = await client.createModel({ definition, signer });
  const other = await client.createModel({ definition: { ...definition, name: "Other" }, signer });
  const from = await client.resumeToken();
  const docs = [];
  for (const title of ["a", "b"]) docs.push(await client.createDocument({ model, content: { title }, signer }));
  await client.createDocument({ model: other, content: { title: "not mine" }, signer });
  await client.updateDocument({ streamId: docs[0], content: { title: "a2" }, signer });
  const got = [];
  for await (const ev of client.subscribe({ model, resumeAt: from, pollIntervalMs: 50 })) {
    got.push(ev);
    if (got.length === 3) break;
  }
  assert.deepEqual(got.map((e) => e.kind), ["init", "init", "data"]);
  assert.ok(got.every((e) => e.model === model.toString() && e.car instanceof Uint8Array));
  assert.equal(got[2].streamId, docs[0].toString());
});

test("error codes: stopped node, 404, rejected event, timeout, abort", async () => {
  const stopped = new CeramicClient({ url: "http://127.0.0.1:9", retries: 1, timeoutMs: 2000 });
  await rejectsWith(stopped.version(), "NETWORK");
  const client = new CeramicClient({ url: node.url });
  await rejectsWith(client.getStreamState("kjzl6kcym7w8y7nzgytqayf6aro12zt0mm01n6ydjomyvvklcspx9kr6gpbwd09"), "NOT_FOUND");
  await rejectsWith(client.getEvent("bafyreigdmqpykrgxyaxtlafqpqhzrb7qy2rh75nldvfd4tucqmzsyd7ytq"), "NOT_FOUND");
  const e = await rejectsWith(client.postEvent("mAAAA"), "NODE_REJECTED");
  assert.match(e.message, /Event data could not be parsed/);

  const silent = createServer(() => {}); // never answers
  await new Promise((r) => silent.listen(0, "127.0.0.1", r));
  const slow = new CeramicClient({ url: `http://127.0.0.1:${silent.address().port}`, timeoutMs: 150, retries: 1 });
  const t0 = Date.now();
  await rejectsWith(slow.version(), "TIMEOUT");
  assert.ok(Date.now() - t0 < 5000);
  const ctrl = new AbortController();
  const cancellable = new CeramicClient({ url: `http://127.0.0.1:${silent.address().port}`, timeoutMs: 10000, signal: ctrl.signal });
  const pending = cancellable.version();
  setTimeout(() => ctrl.abort(), 50);
  await rejectsWith(pending, "ABORTED");
  // Per call: one view of the client is cancelled, the client itself is not.
  const shared = new CeramicClient({ url: `http://127.0.0.1:${silent.address().port}`, timeoutMs: 10000, retries: 0 });
  const perCall = new AbortController();
  const one = shared.withSignal(perCall.signal).version();
  setTimeout(() => perCall.abort(), 50);
  await rejectsWith(one, "ABORTED");
  await rejectsWith(new CeramicClient({ url: `http://127.0.0.1:${silent.address().port}`, timeoutMs: 100, retries: 0 }).version(), "TIMEOUT");
  silent.closeAllConnections();
  await new Promise((r) => silent.close(r));
  assert.throws(() => StreamID.fromString("nope"), (err) => err instanceof CeramicError && err.code === "INVALID_STREAM_ID");
});

test("a node that tampers with an event is caught", async () => {
  const client = new CeramicClient({ url: node.url });
  const signer = KeyDidSigner.generate();
  const model = await client.createModel({ definition, signer });
  const doc = await client.createDocument({ model, content: { title: "true" }, signer });
  const next = await client.updateDocument({ streamId: doc, content: { title: "still true" }, signer });

  // A proxy that edits the data event's payload it serves, and lies about the content.
  const proxy = (mode) => createServer(async (req, res) => {
    const upstream = await fetch(node.url + req.url, { method: req.method });
    let body = Buffer.from(await upstream.arrayBuffer());
    if (mode === "event" && req.url.endsWith(`/ceramic/events/${next.commit}`)) {
      const j = JSON.parse(body);
      const car = Buffer.from(j.data.slice(1), "base64");
      const at = car.indexOf(Buffer.from("still true"));
      car[at] ^= 1; // "still true" → "rtill true" inside the signed payload
      j.data = "m" + car.toString("base64").replace(/=+$/, "");
      body = Buffer.from(JSON.stringify(j));
    }
    if (mode === "claim" && req.url.includes("/ceramic/streams/")) {
      const j = JSON.parse(body);
      const doc = JSON.parse(Buffer.from(j.data.slice(1), "base64url"));
      doc.content.title = "a lie";
      j.data = "u" + Buffer.from(JSON.stringify(doc)).toString("base64url");
      body = Buffer.from(JSON.stringify(j));
    }
    res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "text/plain" });
    res.end(body);
  });
  for (const [mode, check] of [
    ["event", async (c) => { await rejectsWith(c.loadDocument(doc, { verify: true }), "INVALID_CAR"); }],
    ["claim", async (c) => {
      const s = await c.loadDocument(doc, { verify: true });
      assert.equal(s.verified, true);
      assert.equal(s.matchesNode, false);
      assert.deepEqual(s.content, { title: "still true" }); // what the events prove, not the lie
      const unverified = await c.loadDocument(doc, { verify: false });
      assert.equal(unverified.verified, false);
      assert.equal(unverified.content.title, "a lie");
    }],
  ]) {
    const server = proxy(mode);
    await new Promise((r) => server.listen(0, "127.0.0.1", r));
    await check(new CeramicClient({ url: `http://127.0.0.1:${server.address().port}`, retries: 0 }));
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
