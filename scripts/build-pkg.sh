#!/usr/bin/env bash
# Build the npm package into pkg/: release wasm (size profile), wasm-bindgen (bundler target),
# wasm-opt -Oz, package.json. Prints the .wasm size raw and gzip -9.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$ROOT/node_modules/.bin:$PATH"
cd "$ROOT"

cargo build --locked --release --target wasm32-unknown-unknown --lib
rm -rf pkg
wasm-bindgen --target bundler --out-dir pkg target/wasm32-unknown-unknown/release/ceramic_wasm.wasm
wasm-opt -Oz --strip-debug --strip-producers \
  pkg/ceramic_wasm_bg.wasm -o pkg/ceramic_wasm_bg.wasm
node scripts/gen-pkg-json.mjs pkg
raw=$(stat -c %s pkg/ceramic_wasm_bg.wasm)
gz=$(gzip -9c pkg/ceramic_wasm_bg.wasm | wc -c)
echo "pkg/ceramic_wasm_bg.wasm: $raw bytes raw, $gz bytes gzip -9 (after wasm-opt -Oz)"
