// The devnode anchors on a real (local) EVM chain, as ceramic-one does with --evm-*; the client
// verifies those anchors through the chain's JSON-RPC URL and through an EIP-1193 provider.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import * as dagCbor from "@ipld/dag-cbor";
import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";
import * as Digest from "multiformats/hashes/digest";
import { CeramicClient, CeramicError, KeyDidSigner, verifyStream } from "../../pkg/node/index.mjs";
import { startDevnode } from "./devnode.mjs";
import { startAnvil, ANCHOR_KEY } from "./anvil.mjs";

// CARv1, enough to take a time event apart and put a forged one together.
function varint(n) {
  const out = [];
  for (; n >= 0x80; n >>>= 7) out.push((n & 0x7f) | 0x80);
  out.push(n);
  return out;
}
function readCar(bytes) {
  let at = 0;
  const uvarint = () => {
    let n = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[at++];
      n += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return n;
    }
  };
  const headerLen = uvarint();
  at += headerLen;
  const blocks = [];
  while (at < bytes.length) {
    const len = uvarint();
    const end = at + len;
    const [cid, rest] = CID.decodeFirst(bytes.subarray(at, end));
    blocks.push({ cid, bytes: rest });
    at = end;
  }
  return blocks;
}
function writeCar(root, blocks) {
  const header = dagCbor.encode({ roots: [root], version: 1 });
  const parts = [Uint8Array.from(varint(header.length)), header];
  for (const b of blocks) {
    parts.push(Uint8Array.from(varint(b.cid.bytes.length + b.bytes.length)), b.cid.bytes, b.bytes);
  }
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}
async function block(value) {
  const bytes = dagCbor.encode(value);
  return { cid: CID.create(1, dagCbor.code, await sha256.digest(bytes)), bytes };
}
/** A transaction hash as a proof's `txHash`: an eth-tx CID over its keccak-256 multihash. */
const txCid = (hash) => CID.create(1, 0x93, Digest.create(0x1b, Buffer.from(hash.slice(2), "hex")));

/** A time event for `event` ({id, prev, …}) under `proof`, with `nodes` on its `path`. */
async function timeEvent(event, proof, path, nodes) {
  const p = await block(proof);
  const e = await block({ id: event.id, prev: event.prev, proof: p.cid, path });
  return writeCar(e.cid, [e, p, ...nodes]);
}

let chain, node, contract;

before(async () => {
  chain = await startAnvil();
  contract = await chain.deployAnchorContract();
  node = await startDevnode(["--anchor-interval", "1", "--evm-rpc-url", chain.url, "--evm-private-key", ANCHOR_KEY,
    "--evm-chain-id", "31337", "--evm-contract-address", contract, "--evm-confirmations", "1"]);
});

after(async () => {
  await node?.stop();
  await chain?.stop();
});

const definition = { version: "2.0", name: "Anchored", interface: false, implements: [], accountRelation: { type: "list" },
  schema: { type: "object", additionalProperties: false, properties: { text: { type: "string" } }, required: ["text"] } };

test("a document anchored on the chain loads with anchor \"chain\" and the block's time", async () => {
  const signer = KeyDidSigner.generate();
  const client = new CeramicClient({ url: node.url, ethereum: chain.url, anchorContracts: [contract] });
  const model = await client.createModel({ definition, signer });
  const doc = await client.createDocument({ model, content: { text: "anchored" }, signer });
  let state;
  for (let i = 0; i < 100 && state?.anchor !== "chain"; i++) {
    await new Promise((r) => setTimeout(r, 250));
    state = await client.loadDocument(doc, { verify: true });
  }
  assert.equal(state.anchor, "chain", JSON.stringify(state.notChecked));
  assert.ok(state.verified && state.matchesNode);
  const time = state.log.find((e) => e.kind === "time");
  // The anchor transaction on the chain: sent to the contract, its block's timestamp is the log's.
  const head = Number(await chain.rpc("eth_blockNumber"));
  const anchors = [];
  for (let n = 1; n <= head; n++) {
    const block = await chain.rpc("eth_getBlockByNumber", [`0x${n.toString(16)}`, true]);
    for (const t of block.transactions) {
      if (t.to?.toLowerCase() === contract.toLowerCase()) anchors.push({ timestamp: Number(block.timestamp), block: n, txHash: t.hash });
    }
  }
  assert.deepEqual(anchors.find((a) => a.txHash === time.txHash), { timestamp: time.anchoredAt, block: time.block, txHash: time.txHash },
    `${JSON.stringify(time)} not in ${JSON.stringify(anchors)}`);
  assert.equal(time.chainId, "eip155:31337");
  assert.ok(state.checks.some((c) => c.kind === "chainAnchor" && c.detail.includes("eip155:31337")));

  // The same through an EIP-1193 provider (what a wallet hands the page).
  const viaWallet = new CeramicClient({ url: node.url, ethereum: chain.provider, anchorContracts: [contract] });
  const again = await viaWallet.loadDocument(doc);
  assert.equal(again.anchor, "chain");
  assert.deepEqual(again.log, state.log);

  // Without the provider: unchecked, and why.
  const blind = await new CeramicClient({ url: node.url }).loadDocument(doc);
  assert.equal(blind.anchor, "unchecked");
  assert.ok(blind.notChecked.some((n) => n.includes("eip155:31337")));

  // Not Ceramic's contract, and not one the caller named: refused.
  const strict = new CeramicClient({ url: node.url, ethereum: chain.url });
  await assert.rejects(strict.loadDocument(doc), (e) => e instanceof CeramicError && e.code === "ANCHOR_CONTRACT_MISMATCH");
  // A provider named for this chain that is on another one.
  const other = await startAnvil(1337);
  try {
    const lying = new CeramicClient({ url: node.url, ethereum: { "eip155:31337": other.url }, anchorContracts: [contract] });
    await assert.rejects(lying.loadDocument(doc), (e) => e.code === "ANCHOR_CHAIN_MISMATCH");
    // A provider for whichever chain it is on, on another chain: not this anchor's; unchecked.
    const elsewhere = await new CeramicClient({ url: node.url, ethereum: other.url }).loadDocument(doc);
    assert.equal(elsewhere.anchor, "unchecked");

    // Forged time events for the same stream, verified page-side with the chain's provider.
    const opts = { ethereum: { "eip155:31337": chain.url, "eip155:1337": other.url }, anchorContracts: [contract] };
    const initCar = (await client.getEvent(doc.cid.toString())).toCar();
    const realCar = (await client.getEvent(time.cid)).toCar();
    const real = readCar(realCar);
    const event = dagCbor.decode(real[0].bytes);
    const proof = dagCbor.decode(real.find((b) => b.cid.equals(event.proof)).bytes);
    assert.equal((await verifyStream([initCar, realCar], opts)).anchor, "chain");
    // Another root: its Merkle path is sound, but no transaction anchors it.
    const witness = await block([event.prev, null]);
    const otherRoot = await timeEvent(event, { ...proof, root: witness.cid }, "0", [witness]);
    await assert.rejects(verifyStream([initCar, otherRoot], opts), (e) => e.code === "ANCHOR_TX_MISMATCH");
    // A transaction on this chain with the right root, sent to another contract.
    const digest = Buffer.from(proof.root.multihash.digest).toString("hex");
    const strangerTx = txCid(await chain.anchor(await chain.deployAnchorContract(), digest));
    const otherContract = await timeEvent(event, { ...proof, txHash: strangerTx }, event.path, real.slice(2));
    await assert.rejects(verifyStream([initCar, otherContract], opts), (e) => e.code === "ANCHOR_CONTRACT_MISMATCH");
    // A real anchor transaction, but on another chain, claimed for this one.
    const contract2 = await other.deployAnchorContract();
    const foreignTx = txCid(await other.anchor(contract2, digest));
    const otherChain = await timeEvent(event, { ...proof, txHash: foreignTx }, event.path, real.slice(2));
    await assert.rejects(verifyStream([initCar, otherChain], opts), (e) => e.code === "ANCHOR_TX_MISMATCH");
    // The same transaction claimed for the chain it is on is a valid anchor there (with its contract).
    const honest = await timeEvent(event, { ...proof, txHash: foreignTx, chainId: "eip155:1337" }, event.path, real.slice(2));
    const there = await verifyStream([initCar, honest], { ...opts, anchorContracts: [contract, contract2] });
    assert.ok(there.checks.some((c) => c.kind === "chainAnchor" && c.detail.includes("eip155:1337")));
  } finally {
    await other.stop();
  }
});
