// A hostile node: a proxy in front of a real ceramic-devnode that, case by case, lies, tampers,
// floods, drips or hangs. Every client call must end within its timeout with its specific
// CeramicError code, or — where a lie cannot be told from the truth by the client (an older tip
// to a client that never saw the newer one) — with a state that is verified for what it says and
// says that it does not match the node. Never a hang, a crash, or unverified data called verified.
import { test, before, beforeEach, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { CeramicClient, CeramicError, KeyDidSigner, createDataEvent, decodeEvent } from "ceramic-wasm";
import { startDevnode } from "./devnode.mjs";

let node, proxy, proxyUrl;
/** How the proxy misbehaves now: a function (req, url, upstream) => answer | undefined (pass). */
let behave = () => undefined;
let served = 0;

const definition = {
  version: "2.0", name: "Hostile", interface: false, implements: [], accountRelation: { type: "list" },
  schema: { type: "object", properties: { n: { type: "integer" } }, additionalProperties: false },
};
let signer, doc, otherDoc, tips, otherTip;

async function upstream(path, init) {
  const r = await fetch(node.url + path, init);
  return { status: r.status, type: r.headers.get("content-type") ?? "", body: Buffer.from(await r.arrayBuffer()) };
}

before(async () => {
  node = await startDevnode();
  proxy = createServer(async (req, res) => {
    served++;
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const url = new URL(req.url, "http://x");
    const forward = () => upstream(url.pathname + url.search, { method: req.method, body: req.method === "POST" ? Buffer.concat(chunks) : undefined, headers: { "content-type": "application/json" } });
    try {
      const answer = await behave(req, url, forward, res);
      if (answer === "handled") return;
      const a = answer ?? (await forward());
      res.writeHead(a.status, { "content-type": a.type ?? "application/json", ...(a.headers ?? {}) });
      res.end(a.body);
    } catch {
      res.destroy();
    }
  });
  await new Promise((r) => proxy.listen(0, "127.0.0.1", r));
  proxyUrl = `http://127.0.0.1:${proxy.address().port}`;
  // A document of 4 events and another of 2, written straight to the devnode.
  const direct = new CeramicClient({ url: node.url });
  signer = KeyDidSigner.generate();
  const model = await direct.createModel({ definition, signer });
  doc = await direct.createDocument({ model, content: { n: 0 }, signer });
  tips = [];
  for (let i = 1; i < 4; i++) tips.push(await direct.updateDocument({ streamId: doc, content: { n: i }, signer }));
  otherDoc = await direct.createDocument({ model, content: { n: 100 }, signer });
  otherTip = await direct.updateDocument({ streamId: otherDoc, content: { n: 101 }, signer });
});

after(async () => {
  proxy?.closeAllConnections?.();
  await new Promise((r) => proxy?.close(r));
  await node?.stop();
});

beforeEach(() => {
  behave = () => undefined;
});

const client = (opts = {}) => new CeramicClient({ url: proxyUrl, timeoutMs: 1500, retries: 1, cache: false, ...opts });

/** The call ends, within `ms`, with a CeramicError of `code`. */
async function endsWith(promise, code, ms = 8000) {
  const t0 = Date.now();
  let timer;
  const result = await Promise.race([
    promise.then((v) => ({ value: v }), (e) => ({ error: e })),
    new Promise((r) => { timer = setTimeout(() => r({ hung: true }), ms); }),
  ]);
  clearTimeout(timer);
  assert.ok(!result.hung, `still running after ${ms} ms`);
  assert.ok(result.error, `expected ${code}, got a value: ${JSON.stringify(result.value)?.slice(0, 200)}`);
  assert.ok(result.error instanceof CeramicError, `not a CeramicError: ${result.error}`);
  assert.equal(result.error.code, code, result.error.message);
  return { error: result.error, ms: Date.now() - t0 };
}

/** A JSON answer. */
const json = (value, status = 200) => ({ status, body: Buffer.from(JSON.stringify(value)) });
const isEvent = (url, cid) => url.pathname === `/ceramic/events/${cid}`;
const isStream = (url) => url.pathname.startsWith("/ceramic/streams/");
const carOf = (a) => Buffer.from(JSON.parse(a.body).data.slice(1), "base64");
const eventAnswer = (cid, car) => json({ id: cid, data: "m" + Buffer.from(car).toString("base64").replace(/=+$/, "") });

/** The document's events, tip first, as the devnode serves them. */
async function eventCids() {
  const cids = [];
  let cid = JSON.parse((await upstream(`/ceramic/streams/${doc}`)).body).event_cid;
  while (cid) {
    cids.push(cid);
    const a = await upstream(`/ceramic/events/${cid}`);
    cid = decodeEvent(carOf(a)).prev;
  }
  return cids;
}

test("honest: the proxy itself changes nothing", async () => {
  behave = () => undefined;
  const s = await client().loadDocument(doc);
  assert.deepEqual([s.verified, s.matchesNode, s.content.n, s.log.length], [true, true, 3, 4]);
});

test("altered content: an event's bytes changed in transit", async () => {
  const [tip] = await eventCids();
  behave = async (req, url, forward) => {
    if (!isEvent(url, tip)) return;
    const a = await forward();
    const car = carOf(a);
    car[car.length - 5] ^= 0x01; // inside the last block (the envelope's signature)
    return eventAnswer(tip, car);
  };
  await endsWith(client().loadDocument(doc), "INVALID_CAR");
  await endsWith(client().getEvent(tip), "INVALID_CAR");
});

test("a valid event of another stream, served for the one asked", async () => {
  const [tip] = await eventCids();
  const otherCid = JSON.parse((await upstream(`/ceramic/streams/${otherDoc}`)).body).event_cid;
  const otherCar = carOf(await upstream(`/ceramic/events/${otherCid}`));
  behave = (req, url) => (isEvent(url, tip) ? eventAnswer(tip, otherCar) : undefined);
  await endsWith(client().loadDocument(doc), "NODE_MISMATCH");
  await endsWith(client().getEvent(tip), "NODE_MISMATCH");
});

test("a truncated log: an event of it missing, and a reordered one", async () => {
  const cids = await eventCids();
  behave = (req, url) => (isEvent(url, cids[1]) ? json({ message: "Event not found" }, 404) : undefined);
  await endsWith(client().loadDocument(doc), "NOT_FOUND");
  // Two events swapped: each answer is a real event, but not the one asked for.
  behave = async (req, url) => {
    if (isEvent(url, cids[1])) return upstream(`/ceramic/events/${cids[2]}`);
    if (isEvent(url, cids[2])) return upstream(`/ceramic/events/${cids[1]}`);
  };
  await endsWith(client().loadDocument(doc), "NODE_MISMATCH");
});

test("a forked log: the node claims a branch the controller also signed", async () => {
  // A second update on the first tip: a valid event on a fork of the log.
  const cids = await eventCids();
  const fork = await createDataEvent({ current: { commitId: tips[0], content: { n: 1 } }, content: { n: 99 }, signer });
  const forkCid = fork.commitId.commit;
  behave = async (req, url, forward) => {
    if (isStream(url)) {
      const a = JSON.parse((await forward()).body);
      return json({ ...a, event_cid: forkCid, data: a.data });
    }
    if (isEvent(url, forkCid)) return eventAnswer(forkCid, fork.car);
  };
  // The fork is a real branch: verified for what it is (n: 99), and the claim that it is the
  // node's state is its own (the content the node reported does not match it).
  const s = await client().loadDocument(doc);
  assert.equal(s.verified, true);
  assert.equal(s.content.n, 99);
  assert.equal(s.log.length, 3);
  assert.equal(s.matchesNode, false);
  assert.ok(!s.log.some((e) => e.cid === cids[0]), "the newer branch was never shown to this client");
});

test("a replayed older tip, to a client that wrote the newer one", async () => {
  const writer = client();
  const newer = await writer.updateDocument({ streamId: doc, content: { n: 4 }, signer });
  const newerCid = newer.commit;
  const cids = await eventCids();
  assert.equal(cids[0], newerCid);
  behave = async (req, url, forward) => {
    if (!isStream(url)) return;
    const a = JSON.parse((await forward()).body);
    return json({ ...a, event_cid: cids[1] });
  };
  // The writer does not go back: it answers its own write, pending, not matching the node.
  const s = await writer.loadDocument(doc);
  assert.equal(s.content.n, 4);
  assert.equal(s.pending, true);
  assert.equal(s.matchesNode, false);
  // A fresh client cannot know: it verifies the older state it was shown, and only that.
  const fresh = await client().loadDocument(doc);
  assert.equal(fresh.content.n, 3);
  assert.equal(fresh.verified, true);
  assert.equal(fresh.log.at(-1).cid, cids[1]);
});

test("CARs with an extra, a missing or a duplicated block", async () => {
  const [tip] = await eventCids();
  const tipCar = carOf(await upstream(`/ceramic/events/${tip}`));
  // CAR v1: header, then (varint length, CID, bytes) sections. Rebuild with sections changed.
  const sections = [];
  const varint = (buf, at) => { let n = 0, s = 0, b; do { b = buf[at++]; n += (b & 0x7f) * 2 ** s; s += 7; } while (b & 0x80); return [n, at]; };
  let [len, at] = varint(tipCar, 0);
  const header = tipCar.subarray(0, at + len);
  at += len;
  while (at < tipCar.length) {
    const start = at;
    [len, at] = varint(tipCar, at);
    sections.push(tipCar.subarray(start, at + len));
    at += len;
  }
  const otherCar = carOf(await upstream(`/ceramic/events/${JSON.parse((await upstream(`/ceramic/streams/${otherDoc}`)).body).event_cid}`));
  const otherSection = otherCar.subarray(varint(otherCar, 0)[1] + varint(otherCar, 0)[0]);
  const cases = {
    extra: Buffer.concat([header, ...sections, otherSection]),
    missing: Buffer.concat([header, ...sections.slice(0, -1)]),
    duplicated: Buffer.concat([header, ...sections, sections[0]]),
  };
  // As ceramic-one reads a CAR (its blocks into a map by CID): an extra or a repeated block is
  // ignored — every block is checked against its CID, the event is the one asked for, and what the
  // client keeps is the event's own canonical CAR, without the junk. A missing block is an error.
  const honest = (await client().loadDocument(doc)).content.n;
  for (const name of ["extra", "duplicated"]) {
    behave = (req, url) => (isEvent(url, tip) ? eventAnswer(tip, cases[name]) : undefined);
    const e = await client().getEvent(tip);
    assert.equal(e.cid, tip, name);
    assert.equal(Buffer.compare(Buffer.from(e.toCar()), tipCar), 0, name);
    const s = await client().loadDocument(doc);
    assert.deepEqual([s.verified, s.content.n], [true, honest], name);
  }
  behave = (req, url) => (isEvent(url, tip) ? eventAnswer(tip, cases.missing) : undefined);
  await endsWith(client().getEvent(tip), "MISSING_BLOCK");
  await endsWith(client().loadDocument(doc), "MISSING_BLOCK");
});

test("a gigantic body, and one that never ends", async () => {
  // 40 MB of JSON whitespace: cut off at the client's limit, not read into memory whole.
  behave = (req, url, forward, res) => {
    if (!isStream(url)) return;
    res.writeHead(200, { "content-type": "application/json" });
    const chunk = Buffer.alloc(1 << 20, 0x20);
    let sent = 0;
    const push = () => {
      while (sent < 40 && res.write(chunk)) sent++;
      if (sent < 40) res.once("drain", push);
      else res.end("{}");
    };
    push();
    return "handled";
  };
  await endsWith(client().loadDocument(doc), "TOO_LARGE");
  // The same with a content-length that says so up front.
  behave = (req, url, forward, res) => {
    if (!isStream(url)) return;
    res.writeHead(200, { "content-type": "application/json", "content-length": String(64 << 20) });
    res.write("{");
    return "handled";
  };
  await endsWith(client().getStreamState(doc), "TOO_LARGE", 4000);
  // A slow drip: a byte every 100 ms, forever: the attempt's timeout ends it.
  const drips = [];
  behave = (req, url, forward, res) => {
    if (!isStream(url)) return;
    res.writeHead(200, { "content-type": "application/json" });
    const t = setInterval(() => res.write(" "), 100);
    drips.push(t);
    res.on("close", () => clearInterval(t));
    return "handled";
  };
  const { ms } = await endsWith(client({ timeoutMs: 500, retries: 1 }).loadDocument(doc), "TIMEOUT");
  assert.ok(ms < 4000, `${ms} ms`);
  drips.forEach(clearInterval);
});

test("malformed JSON, wrong content types, errors and silence", async () => {
  const cases = [
    [() => ({ status: 200, body: Buffer.from('{"id": "k') }), "NODE_ERROR"],
    [() => ({ status: 200, type: "text/html", body: Buffer.from("<html><body>502 Bad Gateway</body></html>") }), "NODE_ERROR"],
    [() => json({ id: String(doc), event_cid: 42, data: null }), "NODE_ERROR"],
    [() => ({ status: 503, body: Buffer.from("busy") }), "NODE_ERROR"],
  ];
  for (const [answer, code] of cases) {
    behave = (req, url) => (isStream(url) ? answer() : undefined);
    await endsWith(client().loadDocument(doc), code);
  }
  // Headers never come: TIMEOUT per attempt, retried once.
  behave = (req, url) => (isStream(url) ? new Promise(() => {}) : undefined);
  const { ms } = await endsWith(client({ timeoutMs: 300, retries: 1 }).loadDocument(doc), "TIMEOUT");
  assert.ok(ms < 4000, `${ms} ms`);
});

test("a /streams answer that lies about the tip or the controller", async () => {
  const other = JSON.parse((await upstream(`/ceramic/streams/${otherDoc}`)).body);
  // The tip of another stream: its events do not lead to this stream's init event.
  behave = async (req, url, forward) => {
    if (!isStream(url)) return;
    const a = JSON.parse((await forward()).body);
    return json({ ...a, event_cid: other.event_cid });
  };
  await endsWith(client().loadDocument(doc), "NODE_MISMATCH");
  // Another controller and content in the node's state: the verified state is the events', and
  // it says that the node's claim does not match.
  behave = async (req, url, forward) => {
    if (!isStream(url)) return;
    const a = JSON.parse((await forward()).body);
    return json({ ...a, controller: "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK" });
  };
  const s = await client().loadDocument(doc);
  assert.equal(s.verified, true);
  assert.equal(s.controller, signer.did);
  assert.equal(s.matchesNode, false);
  behave = () => undefined;
  assert.ok(served > 0);
});
