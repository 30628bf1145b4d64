// Key hygiene: a private key never shows up in what the package prints or throws — its objects'
// string, JSON and inspected forms, the messages and stacks of errors from calls that use it, and
// anything written to the console meanwhile — in any encoding (hex, base64, base64url, base58btc,
// the byte list). It leaves only by an explicit exportSeed() (or a session's serialize(), which
// exists to store it). Freed keys cannot be used.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { inspect } from "node:util";
import { CeramicClient, CeramicError, KeyDidSigner, CacaoSession, createInitEvent } from "ceramic-wasm";
import { startDevnode } from "./devnode.mjs";

let node;
before(async () => { node = await startDevnode(); });
after(async () => { await node?.stop(); });

const B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
function base58(bytes) {
  let n = BigInt("0x" + Buffer.from(bytes).toString("hex"));
  let s = "";
  while (n > 0n) { s = B58[Number(n % 58n)] + s; n /= 58n; }
  return s;
}

/** Every way the seed could be written down (whole, and long enough pieces of it). */
function forms(seed) {
  const b = Buffer.from(seed);
  const out = [b.toString("hex"), b.toString("base64").replace(/=+$/, ""), b.toString("base64url"), base58(b),
    Array.from(b).join(","), Array.from(b).join(", "), b.subarray(0, 12).toString("hex"), b.subarray(20).toString("hex")];
  return out;
}

test("no key bytes in the package's printed forms, errors or console output", async () => {
  const seed = crypto.randomBytes(32);
  const signer = KeyDidSigner.fromSeed(seed);
  const printed = [];
  const keep = (v) => printed.push(typeof v === "string" ? v : inspect(v, { depth: 8, showHidden: true }));
  const consoleMethods = ["log", "info", "warn", "error", "debug"];
  const saved = consoleMethods.map((m) => console[m]);
  consoleMethods.forEach((m) => { console[m] = (...args) => args.forEach(keep); });
  const caught = [];
  const attempt = async (f) => {
    try {
      await f();
    } catch (e) {
      caught.push(e);
    }
  };
  try {
    keep(String(signer));
    keep(JSON.stringify(signer));
    keep(signer);
    keep(Object.getOwnPropertyNames(Object.getPrototypeOf(signer)).map((k) => { try { return String(signer[k]); } catch { return ""; } }).join(" "));
    // Errors from calls that hold or are handed the key.
    await attempt(() => KeyDidSigner.fromSeed(seed.subarray(0, 31)));
    await attempt(() => KeyDidSigner.fromSeed(Buffer.concat([seed, seed])));
    const client = new CeramicClient({ url: node.url, retries: 0 });
    await attempt(() => client.createDocument({ model: "kjzl6hvfrbw6c90uwoyz8j519gxma787qbsfjtrarkr1huq1g1s224k7hopvsyg", content: { a: 1 }, signer }));
    await attempt(() => client.createModel({ definition: { nope: true }, signer }));
    await attempt(() => new CeramicClient({ url: "http://127.0.0.1:9", retries: 0, timeoutMs: 200 }).createModel({ signer,
      definition: { version: "2.0", name: "X", interface: false, implements: [], accountRelation: { type: "list" }, schema: { type: "object" } } }));
    await attempt(() => createInitEvent({ model: "nope", content: {}, signer }));
    await attempt(() => createInitEvent({ model: "kjzl6hvfrbw6c90uwoyz8j519gxma787qbsfjtrarkr1huq1g1s224k7hopvsyg", content: { f: 1.5e400 }, signer }));
    // A session: its key is never printed either (serialize() is its explicit export).
    const req = await CacaoSession.request({ address: "0x" + "ab".repeat(20), chainId: 1, domain: "example.org", resources: ["ceramic://*"] });
    keep(req);
    keep(req.message);
    await attempt(() => req.complete("0x" + "00".repeat(65)));
    await attempt(() => CacaoSession.fromSerialized("not a session"));
    // The signature and the public key are not the seed.
    keep(Buffer.from(signer.sign(new Uint8Array([1, 2, 3]))).toString("hex"));
    keep(Buffer.from(signer.publicKey).toString("hex"));
  } finally {
    consoleMethods.forEach((m, i) => { console[m] = saved[i]; });
  }
  assert.ok(caught.length >= 7, `${caught.length} errors`);
  for (const e of caught) {
    assert.ok(e instanceof CeramicError, `not a CeramicError: ${e}`);
    keep(e.message);
    keep(e.stack ?? "");
    keep(e);
  }
  const all = printed.join("\n");
  for (const form of forms(seed)) assert.ok(!all.includes(form), `the seed (as ${form.slice(0, 12)}…) was printed`);
  // The one way out, on purpose.
  assert.equal(Buffer.from(signer.exportSeed()).toString("hex"), seed.toString("hex"));
  // Freed: the key is gone from wasm memory's reach; using the object fails.
  const did = signer.did;
  signer.free();
  assert.throws(() => signer.sign(new Uint8Array([1])));
  assert.match(did, /^did:key:z6Mk/);
});
