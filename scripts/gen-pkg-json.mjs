// Writes pkg/package.json for the wasm-bindgen output (what wasm-pack would write), with the
// version and metadata of the crate's Cargo.toml.
import { readFileSync, writeFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

const out = process.argv[2] ?? "pkg";
const toml = readFileSync(new URL("../Cargo.toml", import.meta.url), "utf8");
const field = (name) => toml.match(new RegExp(`^${name} = "([^"]*)"`, "m"))?.[1];
const files = readdirSync(out).filter((f) => !f.startsWith(".") && f !== "package.json");

const pkg = {
  name: "ceramic-wasm",
  version: field("version"),
  description: field("description"),
  license: field("license"),
  type: "module",
  main: "ceramic_wasm.js",
  types: "ceramic_wasm.d.ts",
  files,
  sideEffects: ["./ceramic_wasm.js", "./snippets/*"],
};
writeFileSync(join(out, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
