// Anchors on EVM chains checked in the package through the caller's provider: an EIP-1193 object
// or a JSON-RPC URL. rust-ceramic's Sepolia time event (its transaction input recorded; the block
// is rust-ceramic's own mock, eth-anchors.md case 2) answered by a fake provider, then each fact
// the chain vouches for altered.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { CeramicClient, CeramicError, verifyEvent, verifyStream } from "../../pkg/node/index.mjs";

const v = JSON.parse(readFileSync(new URL("../../../shared/vectors/rust-ceramic-events.json", import.meta.url), "utf8"));
const f = v.fixtures;
const expected = v.expected.TIME_EVENT_CAR_SINGLE_EVENT_BATCH;
const cars = [f.SIGNED_INIT_EVENT_CAR, f.SIGNED_DATA_EVENT_CAR, f.TIME_EVENT_CAR_SINGLE_EVENT_BATCH];
const OFFICIAL = "0x231055A0852D67C7107Ad0d0DFeab60278fE6AdC";
const BLOCK = "0x6b1f2b4e7f6b3c0f0e1d2c3b4a5968778695a4b3c2d1e0f0011223344556677";
const NOW = 1718400000;

/** A Sepolia provider answering from the recording; `over` alters its answers. */
function fakeProvider(over = {}) {
  const calls = [];
  return {
    calls,
    async request({ method, params }) {
      calls.push(method);
      if (over.fail) throw new Error("provider down");
      switch (method) {
        case "eth_chainId":
          return over.chainId ?? "0xaa36a7";
        case "eth_getTransactionByHash":
          if (params[0] !== expected.tx_hash_hex) return null;
          return { hash: expected.tx_hash_hex, blockHash: BLOCK, blockNumber: "0x54d139", input: expected.tx_input_hex,
            to: OFFICIAL, chainId: "0xaa36a7", ...over.tx };
        case "eth_getBlockByHash":
          return { hash: BLOCK, number: "0x54d139", timestamp: "0x66f1a2b3", ...over.block };
        default:
          throw new Error(`unexpected ${method}`);
      }
    },
  };
}

const code = (p) => p.then(() => "resolved", (e) => (e instanceof CeramicError ? e.code : String(e)));

test("without a provider a chain anchor stays unchecked, and the report says why", async () => {
  const out = await verifyStream(cars, { now: NOW });
  assert.equal(out.anchor, "unchecked");
  assert.ok(out.notChecked.some((n) => n.includes("eip155:11155111") && n.includes("no Ethereum provider")), out.notChecked);
});

test("an EIP-1193 provider: the anchor is checked on chain and its block time taken", async () => {
  const provider = fakeProvider();
  const out = await verifyStream(cars, { now: NOW, ethereum: provider });
  assert.equal(out.anchor, "chain");
  assert.equal(out.state.log[2].anchoredAt, 0x66f1a2b3);
  assert.ok(out.checks.some((c) => c.kind === "chainAnchor" && c.detail.includes("eip155:11155111")));
  assert.ok(!out.notChecked.some((n) => n.includes("anchor")), out.notChecked);
  assert.deepEqual(provider.calls, ["eth_chainId", "eth_chainId", "eth_getTransactionByHash", "eth_getBlockByHash"]);
  // One event on its own.
  const checks = await verifyEvent(f.TIME_EVENT_CAR_SINGLE_EVENT_BATCH, f.SIGNED_INIT_EVENT_CAR, { ethereum: fakeProvider() });
  assert.ok(checks.some((c) => c.kind === "chainAnchor"));
});

test("each fact the chain vouches for, altered, is refused with its code", async () => {
  const run = (over, extra = {}) => code(verifyStream(cars, { now: NOW, ethereum: fakeProvider(over), ...extra }));
  const otherRoot = expected.tx_input_hex.slice(0, -2) + "00";
  assert.equal(await run({ tx: { input: otherRoot } }), "ANCHOR_TX_MISMATCH");
  const mine = "0x000000000000000000000000000000000000dEaD";
  assert.equal(await run({ tx: { to: mine } }), "ANCHOR_CONTRACT_MISMATCH");
  assert.equal(await run({ tx: { to: mine } }, { anchorContracts: [mine] }), "resolved", "the caller's own contract");
  assert.equal(await run({ tx: { chainId: "0x1" } }), "ANCHOR_CHAIN_MISMATCH");
  assert.equal(await run({ block: { number: "0x54d13a" } }), "ANCHOR_BLOCK_MISMATCH");
  assert.equal(await run({ block: { hash: "0x" + "11".repeat(32) } }), "ANCHOR_BLOCK_MISMATCH");
  assert.equal(await run({ tx: { blockHash: null } }), "ANCHOR_TX_MISMATCH", "not mined");
  assert.equal(await run({ fail: true }), "CHAIN_RPC");
  // A provider named for Sepolia that is on another chain.
  assert.equal(await code(verifyStream(cars, { now: NOW, ethereum: { "eip155:11155111": fakeProvider({ chainId: "0x1" }) } })),
    "ANCHOR_CHAIN_MISMATCH");
  // A provider for whatever chain it is on, on another chain: not this anchor's provider.
  const mainnet = await verifyStream(cars, { now: NOW, ethereum: fakeProvider({ chainId: "0x1" }) });
  assert.equal(mainnet.anchor, "unchecked");
  assert.ok(mainnet.notChecked.some((n) => n.includes("eip155:11155111")));
  assert.equal(await code(verifyStream(cars, { ethereum: 5 })), "CHAIN_RPC");
  assert.throws(() => new CeramicClient({ url: "http://127.0.0.1:1", ethereum: 5 }), (e) => e.code === "CHAIN_RPC");
});

test("a JSON-RPC URL works the same", async () => {
  const provider = fakeProvider();
  const server = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const { id, method, params } = JSON.parse(body);
    const result = await provider.request({ method, params });
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", id, result }));
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  try {
    const url = `http://127.0.0.1:${server.address().port}/`;
    const out = await verifyStream(cars, { now: NOW, ethereum: url });
    assert.equal(out.anchor, "chain");
    assert.equal(out.state.log[2].anchoredAt, 0x66f1a2b3);
    const keyed = await verifyStream(cars, { now: NOW, ethereum: { "eip155:11155111": url } });
    assert.equal(keyed.anchor, "chain");
  } finally {
    server.close();
  }
});
