// ceramic-wasm/legacy against js-ceramic 2.11 itself (the last release whose node serves
// TileDocuments and Caip10Links with an in-process IPFS; pins in package.json, from
// ../shared/reference/legacy-peer.md): streams js-ceramic writes verify in ours with the same
// state; streams we write it accepts and loads with the same state; what it refuses, we refuse.
//
// Run inside its own network namespace (its libp2p swarm binds 0.0.0.0:4011, fixed in cli 2.11):
//   unshare -n bash -c 'ip link set lo up && node --test tests/legacy-peer/interop.test.mjs'
// (scripts/test.sh does; the peer is installed there with npm ci --ignore-scripts).
import { nativeFetch as fetch } from "./native-fetch.mjs";
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";

import { CeramicClient as JsCeramic } from "@ceramicnetwork/http-client";
import { TileDocument } from "@ceramicnetwork/stream-tile";
import { Caip10Link } from "@ceramicnetwork/stream-caip10-link";
import { EthereumAuthProvider } from "@ceramicnetwork/blockchain-utils-linking";
import { DID } from "dids";
import { Ed25519Provider } from "key-did-provider-ed25519";
import KeyResolver from "key-did-resolver";
import { Wallet } from "@ethersproject/wallet";

import { CacaoSession, CeramicClient, CeramicError, KeyDidSigner, caip10LinkMessage } from "../../pkg/legacy/node/index.mjs";

const PORT = 7007;
const URL_ = `http://127.0.0.1:${PORT}`;
let peer;
let state;
let js;
let ours;

async function rejectsWith(promise, code) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof CeramicError, `not a CeramicError: ${e}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected ${code}`);
}

before(async () => {
  state = mkdtempSync(join(tmpdir(), "legacy-peer-"));
  const env = { ...process.env, HOME: state, IPFS_FLAVOR: "js", IPFS_PATH: join(state, "ipfs") };
  peer = spawn(process.execPath, [
    "node_modules/@ceramicnetwork/cli/bin/ceramic.js", "daemon",
    "--network", "inmemory", "--hostname", "127.0.0.1", "--port", String(PORT),
    "--state-store-directory", join(state, "statestore"),
  ], { cwd: new URL(".", import.meta.url).pathname, env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  peer.stderr.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${URL_}/api/v0/node/healthcheck`)).ok) break;
    } catch {}
    if (Date.now() > deadline || peer.exitCode !== null) throw new Error(`js-ceramic did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  js = new JsCeramic(URL_);
  const did = new DID({ provider: new Ed25519Provider(randomBytes(32)), resolver: KeyResolver.getResolver() });
  await did.authenticate();
  js.did = did;
  ours = new CeramicClient({ url: URL_, cache: false, timeoutMs: 15_000, fetch });
});

after(async () => {
  peer?.kill("SIGTERM");
  await new Promise((r) => (peer?.exitCode !== null ? r() : peer.once("exit", r)));
  rmSync(state, { recursive: true, force: true });
});

/** Wait until js-ceramic says the stream's tip is anchored (its in-memory anchors are immediate). */
async function anchored(id) {
  for (let i = 0; i < 100; i++) {
    const r = await (await fetch(`${URL_}/api/v0/streams/${id}`)).json();
    if (r.state.anchorStatus === "ANCHORED") return r.state;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${id} was not anchored`);
}

test("a tile js-ceramic writes verifies in ours with its state", async () => {
  const doc = await TileDocument.create(js, { hello: "world", n: 1 }, { family: "interop", tags: ["a"] });
  const id = doc.id.toString();
  await anchored(id);
  await doc.sync();
  await doc.update({ hello: "world", n: 2, list: [1, 2] });
  await anchored(id);
  const s = await ours.loadLegacy(id);
  assert.equal(s.type, "tile");
  assert.equal(s.verified, true);
  assert.equal(s.matchesNode, true, s.mismatch);
  assert.deepEqual(s.content, { hello: "world", n: 2, list: [1, 2] });
  assert.equal(s.controller, js.did.id);
  assert.deepEqual(s.metadata.tags, ["a"]);
  assert.deepEqual(s.log.map((e) => e.type), [0, 2, 1, 2]);
  assert.ok(s.notChecked.some((n) => n.startsWith("anchor")));
  // The version at its genesis, by CommitID.
  const first = await ours.loadLegacy(doc.allCommitIds[0].toString());
  assert.deepEqual(first.content, { hello: "world", n: 1 });
  assert.equal(first.matchesNode, true, first.mismatch);
});

test("a tile we write js-ceramic accepts and loads with the same state", async () => {
  const signer = KeyDidSigner.generate();
  const id = await ours.createTile({ content: { from: "ceramic-wasm", n: 1 }, signer, family: "interop" });
  assert.equal(id.typeName, "tile");
  const loaded = await TileDocument.load(js, id.toString());
  assert.deepEqual(loaded.content, { from: "ceramic-wasm", n: 1 });
  assert.deepEqual(loaded.controllers, [signer.did]);
  await anchored(id.toString());
  const next = await ours.updateTile({ streamId: id, content: { from: "ceramic-wasm", n: 2 }, signer });
  assert.equal(next.baseID.toString(), id.toString());
  const again = await TileDocument.load(js, id.toString());
  assert.deepEqual(again.content, { from: "ceramic-wasm", n: 2 });
  assert.equal(again.commitId.toString(), next.toString());
  const s = await ours.loadLegacy(id);
  assert.equal(s.matchesNode, true, s.mismatch);
  // Rotation: the controller moves to another key in a commit the old key signs; then only the
  // new key may write — js-ceramic agrees on both.
  await anchored(id.toString());
  const other = KeyDidSigner.generate();
  await ours.updateTile({ streamId: id, controller: other.did, signer });
  await anchored(id.toString());
  assert.deepEqual((await TileDocument.load(js, id.toString())).controllers, [other.did]);
  await rejectsWith(ours.updateTile({ streamId: id, content: { n: 3 }, signer }), "UNAUTHORIZED_SIGNER");
  await ours.updateTile({ streamId: id, content: { n: 3 }, signer: other });
  assert.deepEqual((await TileDocument.load(js, id.toString())).content, { n: 3 });
  // A deterministic tile: the same StreamID as js-ceramic computes for the same metadata.
  const det = await ours.createTile({ content: null, controller: signer.did, family: "interop-det", deterministic: true });
  const theirs = await TileDocument.deterministic(js, { controllers: [signer.did], family: "interop-det" }, { anchor: false, publish: false });
  assert.equal(det.toString(), theirs.id.toString());
});

test("a tile controlled by a wallet (did:pkh, a CACAO session) both ways", async () => {
  const wallet = new Wallet(randomBytes(32));
  // js-ceramic 2.x checks the CACAO with @didtools/cacao 1.x, which rebuilds the SIWE text with
  // the address as `iss` has it: lower case (`checksumAddress: false`). Sessions over the
  // checksummed address, as wallets sign them by default, verify here and in ceramic-one, not there.
  const req = await CacaoSession.request({ address: wallet.address, checksumAddress: false, chainId: 1, domain: "interop.test", resources: ["ceramic://*"], expiresInSecs: 3600 });
  const session = await req.complete(await wallet.signMessage(req.message));
  const id = await ours.createTile({ content: { by: "wallet" }, signer: session });
  const theirs = await TileDocument.load(js, id.toString());
  assert.deepEqual(theirs.content, { by: "wallet" });
  assert.deepEqual(theirs.controllers, [session.controller]);
  await anchored(id.toString());
  await ours.updateTile({ streamId: id, content: { by: "wallet", n: 2 }, signer: session });
  assert.deepEqual((await TileDocument.load(js, id.toString())).content, { by: "wallet", n: 2 });
  const s = await ours.loadLegacy(id);
  assert.equal(s.controller, session.controller);
  assert.equal(s.matchesNode, true, s.mismatch);
});

test("Caip10Links: js-ceramic's verify in ours, ours load in js-ceramic", async () => {
  const wallet = new Wallet(randomBytes(32));
  const address = wallet.address.toLowerCase();
  const ethereum = {
    request: async ({ method, params }) => {
      if (method === "eth_chainId") return "0x1";
      if (method === "eth_getCode") return "0x";
      if (method === "personal_sign") return wallet.signMessage(Buffer.from(params[0].slice(2), "hex"));
      throw new Error(`unexpected ${method}`);
    },
  };
  const account = `eip155:1:${address}`;
  // Theirs: created and linked by js-ceramic, loaded and verified by ours.
  const link = await Caip10Link.fromAccount(js, account, { syncTimeoutSeconds: 0 });
  await link.setDid(js.did, new EthereumAuthProvider(ethereum, address));
  // Loaded once the update is anchored: js-ceramic's Caip10Link anchor keeps the content of
  // `next` but not its metadata's `lastUpdate` (before the wait, this ran either way by timing).
  await anchored(link.id.toString());
  const s = await ours.loadLegacy(link.id.toString());
  assert.equal(s.anchored, true);
  assert.equal(s.metadata.lastUpdate, undefined);
  assert.equal(s.type, "caip10-link");
  assert.equal(s.content, js.did.id);
  assert.equal(s.matchesNode, true, s.mismatch);
  // The same account's link is the same stream when ours computes it.
  assert.equal((await ours.createCaip10Link(account)).toString(), link.id.toString());
  // Ours: a second account linked with a proof its wallet signed; js-ceramic reads the DID.
  const wallet2 = new Wallet(randomBytes(32));
  const account2 = `eip155:1:${wallet2.address.toLowerCase()}`;
  const id2 = await ours.createCaip10Link(account2);
  const target = KeyDidSigner.generate().did;
  const timestamp = Math.floor(Date.now() / 1000);
  const message = caip10LinkMessage(target, timestamp);
  const signature = await wallet2.signMessage(message);
  await ours.updateCaip10Link({ streamId: id2, proof: { version: 2, type: "ethereum-eoa", message, signature, account: account2, timestamp } });
  const theirs = await Caip10Link.load(js, id2.toString());
  assert.equal(theirs.did, target);
  // A proof signed by another wallet is refused here, before it is sent.
  const forged = await wallet.signMessage(message);
  await rejectsWith(
    ours.updateCaip10Link({ streamId: id2, proof: { version: 2, type: "ethereum-eoa", message, signature: forged, account: account2, timestamp } }),
    "BAD_SIGNATURE",
  );
});

test("the README's legacy example runs as written", async () => {
  const root = new URL("../..", import.meta.url).pathname;
  const readme = readFileSync(`${root}/README.md`, "utf8");
  const section = readme.slice(readme.indexOf("### Legacy streams"));
  const code = section.match(/```js\n([\s\S]*?)```/)[1];
  assert.match(code, /http:\/\/127\.0\.0\.1:7007/);
  const file = `${root}/tests/legacy-peer/.readme-legacy.mjs`;
  try {
    writeFileSync(file, code.replace('"ceramic-wasm/legacy"', JSON.stringify(`${root}/pkg/legacy/node/index.mjs`)));
    const out = execFileSync(process.execPath, [file], { encoding: "utf8", timeout: 60_000 });
    assert.equal(out.trim(), "again true true");
  } finally {
    rmSync(file, { force: true });
  }
});
