// Bundles the benchmark page (ceramic-wasm + the JS SDK) and, for their sizes, the two JS stacks
// ceramic-wasm is compared with, the same way: webpack 5 production (terser), ESM sources.
import CopyPlugin from "copy-webpack-plugin";
import { fileURLToPath } from "node:url";
import { dirname, resolve } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(here, "../.artifacts/bench");

export default [
  {
    mode: "production",
    entry: { main: resolve(here, "browser/page.js") },
    output: { path: resolve(out, "page"), filename: "[name].js", clean: true },
    experiments: { asyncWebAssembly: true },
    performance: { hints: false },
    plugins: [new CopyPlugin({ patterns: [{ from: resolve(here, "browser/index.html") }] })],
  },
  {
    mode: "production",
    entry: { "sdk-full": resolve(here, "browser/sdk-full.js"), "sdk-write": resolve(here, "browser/sdk-write.js") },
    output: { path: resolve(out, "stacks"), filename: "[name].js", clean: true },
    performance: { hints: false },
  },
];
