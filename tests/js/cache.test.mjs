// A second verified load of an unchanged document costs one request: the client keeps what it
// verified, and asks the node only for its tip. A changed tip, or a log with capabilities (their
// validity depends on the time), is verified again.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { CeramicClient, KeyDidSigner } from "../../pkg/node/index.mjs";
import { memoryCache } from "../../pkg/cache/index.js";
import { startDevnode } from "./devnode.mjs";

let node;
before(async () => (node = await startDevnode()));
after(async () => node?.stop());

const definition = { version: "2.0", name: "Counter", interface: false, implements: [], accountRelation: { type: "list" },
  schema: { type: "object", properties: { n: { type: "integer" } }, additionalProperties: false } };

test("an unchanged document loads again with one request; a changed one is verified again", async () => {
  const signer = KeyDidSigner.generate();
  const writer = new CeramicClient({ url: node.url });
  const model = await writer.createModel({ definition, signer });
  const doc = await writer.createDocument({ model, content: { n: 0 }, signer });
  for (let i = 1; i < 20; i++) await writer.updateDocument({ streamId: doc, content: { n: i }, signer });

  const requests = [];
  const reader = new CeramicClient({ url: node.url, fetch: (r) => (requests.push(new URL(r.url).pathname), fetch(r)) });
  const first = await reader.loadDocument(doc);
  assert.equal(first.log.length, 20);
  assert.ok(requests.length > 20, `${requests.length} requests`);
  requests.length = 0;
  let progress;
  const second = await reader.loadDocument(doc, { onProgress: (d, t) => (progress = [d, t]) });
  assert.deepEqual(requests, [`/ceramic/streams/${doc}`]);
  assert.deepEqual(second, first);
  assert.deepEqual(progress, [20, 20]);

  // Someone else updates it: the next load fetches and verifies, and sees it.
  await writer.updateDocument({ streamId: doc, content: { n: 20 }, signer });
  requests.length = 0;
  const third = await reader.loadDocument(doc);
  assert.deepEqual(third.content, { n: 20 });
  assert.equal(third.log.length, 21);
  assert.ok(third.verified && third.matchesNode);
  assert.ok(requests.length > 1);
});

test("with an event store, a new client (a page reload) asks the node only for what is new", async () => {
  const signer = KeyDidSigner.generate();
  const writer = new CeramicClient({ url: node.url });
  const model = await writer.createModel({ definition, signer });
  const doc = await writer.createDocument({ model, content: { n: 0 }, signer });
  for (let i = 1; i < 20; i++) await writer.updateDocument({ streamId: doc, content: { n: i }, signer });

  const cache = memoryCache();
  let requests = [];
  const client = () => new CeramicClient({ url: node.url, cache, fetch: (r) => (requests.push(new URL(r.url).pathname), fetch(r)) });
  const first = await client().loadDocument(doc);
  assert.ok(requests.length > 20);
  assert.equal(cache.size, 21, "20 events and the Model's init event");
  // A new client with the same store: one request, everything verified again.
  requests = [];
  const again = await client().loadDocument(doc);
  assert.deepEqual(requests, [`/ceramic/streams/${doc}`]);
  assert.deepEqual(again, first);
  // A planted entry (another event's CAR under this CID) is not believed: that one is fetched.
  const tip = first.log.at(-1).cid;
  cache.set(tip, cache.get(first.log[0].cid));
  requests = [];
  const planted = await client().loadDocument(doc);
  assert.deepEqual(planted.content, { n: 19 });
  assert.ok(planted.verified);
  assert.deepEqual(requests, [`/ceramic/streams/${doc}`, `/ceramic/events/${tip}`]);
  // An update elsewhere: the new event only.
  const next = await writer.updateDocument({ streamId: doc, content: { n: 20 }, signer });
  requests = [];
  const updated = await client().loadDocument(doc);
  assert.deepEqual(updated.content, { n: 20 });
  assert.deepEqual(requests, [`/ceramic/streams/${doc}`, `/ceramic/events/${next.commit}`]);
  assert.throws(() => new CeramicClient({ url: node.url, cache: {} }), (e) => e.code === "NETWORK");
});
