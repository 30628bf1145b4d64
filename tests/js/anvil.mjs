// A local EVM chain for the tests: anvil (Foundry) from the npm package
// @foundry-rs/anvil-linux-amd64, on 127.0.0.1, mining a block every second; and the anchor
// contract (devnode/contracts/CeramicAnchor.sol, compiled by scripts/compile-anchor-contract.mjs)
// deployed on it.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";

const root = new URL("../..", import.meta.url).pathname;
/** anvil's first two dev accounts (mnemonic "test test … junk"): keys and addresses. */
export const DEPLOYER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
export const ANCHOR_KEY = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
/** The address of Ceramic's anchor contract on every chain (js-ceramic's rule). */
export const CERAMIC_CONTRACT = "0x231055A0852D67C7107Ad0d0DFeab60278fE6AdC";

export async function startAnvil(chainId = 31337) {
  const bin = `${root}node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil`;
  const child = spawn(bin, ["--host", "127.0.0.1", "--port", "0", "--chain-id", String(chainId), "--block-time", "1"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.on("line", (l) => {
      const m = l.match(/Listening on (127\.0\.0\.1:\d+)/);
      if (m) resolve(`http://${m[1]}`);
    });
    child.once("exit", (code) => reject(new Error(`anvil exited with ${code}`)));
  });
  const rpc = async (method, params = []) => {
    const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
    const j = await r.json();
    if (j.error) throw new Error(`${method}: ${j.error.message}`);
    return j.result;
  };
  return {
    url,
    rpc,
    /** An EIP-1193 provider for this chain (what a wallet or viem hands a page). */
    provider: { request: ({ method, params }) => rpc(method, params ?? []) },
    /** Send a transaction from the first dev account; resolves to its receipt once mined. */
    async send(tx) {
      const hash = await rpc("eth_sendTransaction", [{ from: DEPLOYER, ...tx }]);
      for (let i = 0; i < 100; i++) {
        const receipt = await rpc("eth_getTransactionReceipt", [hash]);
        if (receipt) return receipt;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`transaction ${hash} was not mined`);
    },
    /** Deploy the anchor contract; resolves to its address. */
    async deployAnchorContract() {
      const bin = readFileSync(`${root}devnode/contracts/CeramicAnchor.bin`, "utf8").trim();
      return (await this.send({ data: `0x${bin}` })).contractAddress;
    },
    /** Call `anchorDagCbor(digest)` on `contract` (digest: 32 bytes, hex); resolves to the tx hash. */
    async anchor(contract, digest) {
      return (await this.send({ to: contract, data: `0x97ad09eb${digest}` })).transactionHash;
    },
    /**
     * The same contract's code at Ceramic's own address (0x231055A0…6AdC, which no dev key can
     * deploy to: anvil_setCode), so that clients accept it without `anchorContracts`.
     */
    async installAtCeramicAddress() {
      const deployed = await this.deployAnchorContract();
      const code = await rpc("eth_getCode", [deployed, "latest"]);
      await rpc("anvil_setCode", [CERAMIC_CONTRACT, code]);
      return CERAMIC_CONTRACT;
    },
    async stop() {
      child.kill("SIGKILL");
      await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
    },
  };
}
