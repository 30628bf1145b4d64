#!/usr/bin/env bash
# Build the npm package into pkg/: one release wasm, wasm-bindgen for three targets —
# bundler (pkg/, for webpack and other bundlers), web (pkg/web/, plain <script type=module>) and
# nodejs (pkg/node/, Node 20) — each through wasm-opt -Oz, and package.json with conditional
# exports. Prints the .wasm size raw and gzip -9, and the package's (wasm + JS glue).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$ROOT/node_modules/.bin:$PATH"
cd "$ROOT"

cargo build --locked --profile wasm-release --target wasm32-unknown-unknown --lib
# Wherever cargo's target directory is (CARGO_TARGET_DIR may point anywhere).
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps |
  node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).target_directory))')
WASM=$TARGET_DIR/wasm32-unknown-unknown/wasm-release/ceramic_wasm.wasm
rm -rf pkg
wasm-bindgen --target bundler --out-dir pkg "$WASM"
wasm-bindgen --target web --out-dir pkg/web "$WASM"
wasm-bindgen --target nodejs --out-dir pkg/node "$WASM"
pids=()
for w in pkg/ceramic_wasm_bg.wasm pkg/web/ceramic_wasm_bg.wasm pkg/node/ceramic_wasm_bg.wasm; do
  wasm-opt -Oz --strip-debug --strip-producers "$w" -o "$w" &
  pids+=($!)
done
# A failed wasm-opt must fail the build (a bare `wait` would not): an unoptimised package is 90 KB larger.
for p in "${pids[@]}"; do wait "$p"; done
echo '{"type": "commonjs"}' > pkg/node/package.json
cp README.md pkg/README.md
node scripts/gen-pkg-json.mjs pkg
raw=$(stat -c %s pkg/ceramic_wasm_bg.wasm)
gz=$(gzip -9c pkg/ceramic_wasm_bg.wasm | wc -c)
glue=$(cat pkg/ceramic_wasm.js pkg/ceramic_wasm_bg.js | gzip -9c | wc -c)
echo "pkg/ceramic_wasm_bg.wasm: $raw bytes raw, $gz bytes gzip -9 (after wasm-opt -Oz)"
echo "package for bundlers (wasm + JS glue): $((gz + glue)) bytes gzip -9 ($glue of JS)"
