// Seed corpora for the fuzz targets (fuzz/fuzz_targets/), from the network's vectors in
// ../shared/vectors: event CARs (rust-ceramic fixtures, the JS SDK's CARs), the blocks inside them
// (DAG-JOSE envelopes, CACAOs), ids, and a few JSON documents, patches and schemas.
//   node bench/fuzz-seeds.mjs fuzz/seeds
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decode as decodeCbor } from "@ipld/dag-cbor";

const out = process.argv[2] ?? "fuzz/seeds";
const vectors = new URL("../../shared/vectors/", import.meta.url).pathname;
const seeds = {};
const add = (target, bytes) => (seeds[target] ??= []).push(Buffer.from(bytes));

const multibase = (s) => (s[0] === "u" ? Buffer.from(s.slice(1), "base64url") : s[0] === "m" ? Buffer.from(s.slice(1), "base64") : null);
const cars = [];
const fixtures = JSON.parse(readFileSync(join(vectors, "rust-ceramic-events.json"), "utf8")).fixtures;
for (const [name, value] of Object.entries(fixtures)) {
  if (name.endsWith("_CAR")) cars.push(multibase(value));
  else if (name.endsWith("_PAYLOAD") && typeof value === "string") add("event", multibase(value));
}
for (const f of readdirSync(join(vectors, "ceramic-sdk"))) cars.push(readFileSync(join(vectors, "ceramic-sdk", f)));

// CAR v1: varint header length, header, then (varint length, CID, block bytes)*.
function varint(buf, at) {
  let n = 0, shift = 0, b;
  do { b = buf[at++]; n += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
  return [n, at];
}
function blocks(car) {
  const out = [];
  let [len, at] = varint(car, 0);
  at += len;
  while (at < car.length) {
    [len, at] = varint(car, at);
    const end = at + len;
    const [, a1] = varint(car, at); // CID version
    const [codec, a2] = varint(car, a1);
    const [, a3] = varint(car, a2); // multihash code
    const [digestLen, a4] = varint(car, a3);
    out.push({ codec, bytes: car.subarray(a4 + digestLen, end) });
    at = end;
  }
  return out;
}
for (const car of cars) {
  for (const t of ["car", "event", "merkle"]) add(t, car);
  add("devnode_post", JSON.stringify({ data: "m" + car.toString("base64").replace(/=+$/, "") }));
  for (const b of blocks(car)) {
    if (b.codec === 0x85) add("jose", b.bytes);
    if (b.codec === 0x71) {
      try {
        const v = decodeCbor(b.bytes);
        if (v && v.h && v.p && v.s) ["cacao", "siwx"].forEach((t) => add(t, b.bytes));
      } catch {}
    }
  }
}
const ids = JSON.parse(readFileSync(join(vectors, "ids.json"), "utf8"));
for (const e of [...ids.stream_ids, ...ids.commit_ids]) {
  add("ids", e.string);
  if (e.hex) add("ids", Buffer.from(e.hex, "hex"));
}
add("ids", Buffer.from(ids.event_ids.mainnet_hex, "hex"));
const nul = (a, b) => Buffer.concat([Buffer.from(JSON.stringify(a)), Buffer.from([0]), Buffer.from(JSON.stringify(b))]);
add("patch", nul({ a: 1, b: [1, 2] }, [{ op: "replace", path: "/a", value: 2 }, { op: "add", path: "/b/-", value: 3 }]));
add("patch", nul({ a: { "x/y": 1 } }, [{ op: "move", from: "/a/x~1y", path: "/c" }, { op: "test", path: "/c", value: 1 }]));
add("patch", nul({}, { a: 1 }));
add("schema", nul({ type: "object", properties: { a: { type: "string", maxLength: 10, pattern: "^[a-z]+$" } }, required: ["a"], additionalProperties: false }, { a: "abc" }));
add("schema", nul({ type: "object", $defs: { n: { type: "array", items: { $ref: "#/$defs/n" } } }, properties: { t: { $ref: "#/$defs/n" } } }, { t: [[[]]] }));
add("schema", nul({ anyOf: [{ type: "integer", minimum: 0 }, { type: "string", format: "date-time" }] }, "2024-01-01T00:00:00Z"));
// Legacy logs: the fixtures' /api/v0 commit lists, and js-ceramic 2.11's recorded answer.
const legacy = JSON.parse(readFileSync(join(vectors, "legacy-vectors.json"), "utf8")).fixtures;
for (const f of legacy) if (f.commits) add("legacy", Buffer.from(JSON.stringify({ commits: f.commits })));
const caip = legacy.find((f) => f.id === "caip10link-genesis-and-update");
add("legacy", Buffer.from(JSON.stringify([caip.genesis, { data: caip.proof, id: caip.expected_genesis_cid, prev: caip.expected_genesis_cid }])));
const peer = JSON.parse(readFileSync(new URL("../../shared/reference/legacy-peer/samples.json", import.meta.url), "utf8"));
for (const e of peer.exchanges) if (e.request.path.startsWith("/api/v0/commits/") && e.request.method === "GET") add("legacy", Buffer.from(e.response.body));

rmSync(out, { recursive: true, force: true });
for (const [target, list] of Object.entries(seeds)) {
  mkdirSync(join(out, target), { recursive: true });
  list.forEach((b, i) => writeFileSync(join(out, target, `seed-${i}`), b));
}
console.log(Object.entries(seeds).map(([t, l]) => `${t}: ${l.length}`).join(", "));
