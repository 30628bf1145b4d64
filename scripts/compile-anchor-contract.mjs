// Compiles devnode/contracts/CeramicAnchor.sol with solc from npm (offline: the compiler is in the
// package) into devnode/contracts/CeramicAnchor.bin (init code, hex), which the tests deploy.
// Usage: node scripts/compile-anchor-contract.mjs [--check]   (--check: fail if the .bin differs)
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";

const root = new URL("..", import.meta.url).pathname;
const solc = createRequire(import.meta.url)("solc");
const source = readFileSync(`${root}devnode/contracts/CeramicAnchor.sol`, "utf8");
const input = {
  language: "Solidity",
  sources: { "CeramicAnchor.sol": { content: source } },
  settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: "paris",
    outputSelection: { "*": { "*": ["evm.bytecode.object", "evm.methodIdentifiers"] } } },
};
const out = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (out.errors ?? []).filter((e) => e.severity === "error");
if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join("\n"));
const c = out.contracts["CeramicAnchor.sol"].CeramicAnchor;
if (c.evm.methodIdentifiers["anchorDagCbor(bytes32)"] !== "97ad09eb") throw new Error("unexpected selector");
const bin = c.evm.bytecode.object + "\n";
const file = `${root}devnode/contracts/CeramicAnchor.bin`;
if (process.argv.includes("--check")) {
  if (readFileSync(file, "utf8") !== bin) throw new Error(`${file} is not what solc ${solc.version()} makes of the source`);
  console.log(`${file} matches solc ${solc.version()}`);
} else {
  writeFileSync(file, bin);
  console.log(`wrote ${file} (solc ${solc.version()}, ${(bin.length - 1) / 2} bytes)`);
}
