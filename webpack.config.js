// Bundles the www/ demo: the wasm package is loaded asynchronously (bootstrap.js).
import CopyPlugin from "copy-webpack-plugin";
import { fileURLToPath } from "node:url";
import { dirname, resolve } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));

export default {
  mode: "production",
  entry: resolve(here, "www/src/bootstrap.js"),
  output: { path: resolve(here, "www/dist"), filename: "[name].js", clean: true },
  experiments: { asyncWebAssembly: true },
  performance: { hints: false },
  plugins: [new CopyPlugin({ patterns: [{ from: resolve(here, "www/index.html") }] })],
};
