// Flaky networks and the outbox, against a real ceramic-devnode behind a proxy that drops
// connections, answers 503 or hangs for a bounded number of attempts, or is down altogether.
// Writes retry idempotently (the node ends with one copy of each event); with an outbox, a write
// the node cannot take waits there, in order, and is published later — on demand or before the
// client's next write; without one it fails with its code.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { CeramicClient, CeramicError, KeyDidSigner, createDataEvent, createInitEvent } from "ceramic-wasm";
import { memoryOutbox } from "ceramic-wasm/cache";
import { startDevnode } from "./devnode.mjs";

let node, proxy, proxyUrl;
let down = false; // every request is dropped
let failPosts = { n: 0, how: "drop" }; // the next n POST /ceramic/events fail so
let posts = 0;

const definition = {
  version: "2.0", name: "Flaky", interface: false, implements: [], accountRelation: { type: "list" },
  schema: { type: "object", properties: { n: { type: "integer" } }, additionalProperties: false },
};

before(async () => {
  node = await startDevnode();
  proxy = createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    if (down) return res.destroy();
    if (req.method === "POST" && req.url === "/ceramic/events") {
      posts++;
      if (failPosts.n > 0) {
        failPosts.n--;
        if (failPosts.how === "drop") return res.destroy();
        if (failPosts.how === "503") return res.writeHead(503).end("busy");
        if (failPosts.how === "413") return res.writeHead(413).end("<html>413 Request Entity Too Large</html>");
        if (failPosts.how === "hang") return; // never answered: the client's timeout ends it
        // "late": the node takes the event, the answer is lost on the way back.
        const r = await fetch(node.url + req.url, { method: "POST", body: Buffer.concat(chunks), headers: { "content-type": "application/json" } });
        await r.arrayBuffer();
        return res.destroy();
      }
    }
    const r = await fetch(node.url + req.url, { method: req.method, body: req.method === "POST" ? Buffer.concat(chunks) : undefined, headers: { "content-type": "application/json" } });
    res.writeHead(r.status, { "content-type": r.headers.get("content-type") ?? "application/json" });
    res.end(Buffer.from(await r.arrayBuffer()));
  });
  await new Promise((r) => proxy.listen(0, "127.0.0.1", r));
  proxyUrl = `http://127.0.0.1:${proxy.address().port}`;
});

after(async () => {
  proxy?.closeAllConnections?.();
  await new Promise((r) => proxy?.close(r));
  await node?.stop();
});

beforeEach(() => {
  down = false;
  failPosts = { n: 0, how: "drop" };
  posts = 0;
});

/** How many times the node's feed lists `cid`. */
async function copies(cid) {
  const feed = await (await fetch(`${node.url}/ceramic/feed/events?limit=10000`)).json();
  return feed.events.filter((e) => e.id === cid).length;
}

test("writes retry through dropped connections, 503s, hangs and lost answers, and land once", async () => {
  const signer = KeyDidSigner.generate();
  const direct = new CeramicClient({ url: node.url });
  const model = await direct.createModel({ definition, signer });
  const client = new CeramicClient({ url: proxyUrl, retries: 3, timeoutMs: 400, cache: false });
  for (const how of ["drop", "503", "hang", "late"]) {
    failPosts = { n: 2, how };
    posts = 0;
    const doc = await client.createDocument({ model, content: { n: 0 }, signer });
    assert.equal(posts, 3, `${how}: two failed attempts, then the one that worked`);
    failPosts = { n: 2, how };
    posts = 0;
    const tip = await client.updateDocument({ streamId: doc, content: { n: 1 }, signer });
    assert.equal(posts, 3, how);
    assert.equal(await copies(doc.cid), 1, `${how}: the init event once`);
    assert.equal(await copies(tip.commit), 1, `${how}: the update once`);
    const s = await direct.loadDocument(doc);
    assert.deepEqual([s.content.n, s.log.length, s.verified], [1, 2, true], how);
  }
  // Retries exhausted, without an outbox: the write fails with its code, nothing is kept.
  for (const [how, code] of [["drop", "NETWORK"], ["503", "NODE_ERROR"], ["hang", "TIMEOUT"]]) {
    failPosts = { n: 10, how };
    await assert.rejects(client.createDocument({ model, content: { n: 9 }, signer }), (e) => e instanceof CeramicError && e.code === code);
    assert.equal(await client.pendingWrites().then((w) => w.length), 0);
  }
});

test("the outbox keeps writes while the node is down and publishes them in order", async () => {
  const signer = KeyDidSigner.generate();
  const outbox = memoryOutbox();
  const client = new CeramicClient({ url: proxyUrl, retries: 1, timeoutMs: 300, cache: false, outbox });
  const direct = new CeramicClient({ url: node.url, cache: false });
  const model = await client.createModel({ definition, signer }); // while up: the client knows it

  down = true;
  const doc = await client.createDocument({ model, content: { n: 0 }, signer });
  const first = await client.updateDocument({ streamId: doc, content: { n: 1 }, signer });
  assert.deepEqual(await client.pendingWrites(), [doc.cid, first.commit]);
  assert.equal(outbox.size, 2);
  await assert.rejects(direct.getStreamState(doc), (e) => e.code === "NOT_FOUND");
  // While down, publishing gets nowhere and loses nothing.
  assert.deepEqual(await client.publishPending(), { published: [], refused: [], remaining: 2 });

  down = false;
  const progress = [];
  const r = await client.publishPending({ onProgress: (d, t) => progress.push([d, t]) });
  assert.deepEqual(r, { published: [doc.cid, first.commit], refused: [], remaining: 0 });
  assert.deepEqual(progress, [[1, 2], [2, 2]]);
  let s = await direct.loadDocument(doc);
  assert.deepEqual([s.content.n, s.log.length, s.verified], [1, 2, true]);

  // Down again: an update waits; back up, the next write publishes it first, then itself.
  down = true;
  const second = await client.updateDocument({ streamId: doc, content: { n: 2 }, signer });
  assert.deepEqual(await client.pendingWrites(), [second.commit]);
  down = false;
  const third = await client.updateDocument({ streamId: doc, content: { n: 3 }, signer });
  assert.deepEqual(await client.pendingWrites(), []);
  s = await direct.loadDocument(doc);
  assert.deepEqual([s.content.n, s.log.length], [3, 4]);
  assert.deepEqual(s.log.map((e) => e.cid).slice(-2), [second.commit, third.commit]);
  for (const cid of [doc.cid, first.commit, second.commit, third.commit]) assert.equal(await copies(cid), 1);

  // An event the node refuses (its prev is unknown to the node) is reported and removed, with
  // the events queued after it on its stream (they follow it); another stream's event still goes.
  // A write publishes in the background first: its refusals come with the next publishPending.
  const stray = await createDataEvent({ current: { commitId: third, content: { n: 3 } }, content: { n: 7 }, signer });
  const orphan = await createDataEvent({ current: { commitId: stray.commitId, content: { n: 7 } }, content: { n: 8 }, signer });
  const other = await createInitEvent({ model, content: { n: 50 }, signer });
  await outbox.push(orphan.commitId.commit, orphan.car); // depends on `stray`, not there yet
  await outbox.push(stray.commitId.commit, stray.car); // same stream, after a refusal
  await outbox.push(other.streamId.cid, other.car);
  const fourth = await client.createDocument({ model, content: { n: 60 }, signer }); // publishes first
  assert.deepEqual(await client.pendingWrites(), []);
  const mixed = await client.publishPending();
  assert.deepEqual(mixed.published, []);
  assert.deepEqual(mixed.refused.map((r) => [r.cid, r.code]), [[orphan.commitId.commit, "NODE_REJECTED"], [stray.commitId.commit, "NODE_REJECTED"]]);
  assert.match(mixed.refused[1].message, /follows an event of its stream that the node refused/);
  assert.equal(outbox.size, 0);
  assert.equal((await direct.loadDocument(other.streamId)).content.n, 50);
  assert.equal((await direct.loadDocument(fourth)).content.n, 60);
  // The client forgot the stream it held refused writes for: the next update builds on the node's.
  const fifth = await client.updateDocument({ streamId: doc, content: { n: 5 }, signer });
  s = await direct.loadDocument(doc);
  assert.deepEqual([s.content.n, s.log.at(-1).cid], [5, fifth.commit]);
});

test("a 4xx that asking again cannot change is not retried (a proxy's body limit)", async () => {
  const signer = KeyDidSigner.generate();
  const client = new CeramicClient({ url: proxyUrl, retries: 3, timeoutMs: 400, cache: false, outbox: memoryOutbox() });
  const model = await client.createModel({ definition, signer });
  failPosts = { n: 1, how: "413" };
  posts = 0;
  await assert.rejects(client.createDocument({ model, content: { n: 1 }, signer }), (e) => e instanceof CeramicError && e.code === "NODE_REJECTED" && /413/.test(e.message));
  assert.equal(posts, 1);
  assert.deepEqual(await client.pendingWrites(), []);
});

test("a malformed outbox is refused at construction", () => {
  assert.throws(() => new CeramicClient({ url: proxyUrl, outbox: { push() {} } }), (e) => e instanceof CeramicError);
});
