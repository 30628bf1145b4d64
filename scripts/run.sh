#!/usr/bin/env bash
# Set everything up and run the main job: build the wasm package, start ceramic-devnode on
# 127.0.0.1:5101 and serve the www/ demo against it on 127.0.0.1:8080. Ctrl-C stops both.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"

setup_rust
setup_npm

step "build the npm package into pkg/"
bash scripts/build-pkg.sh

step "build the demo (webpack)"
webpack --config webpack.config.js

step "build ceramic-devnode (release)"
cargo build --locked --release -p ceramic-devnode

DEVNODE_ADDR=${DEVNODE_ADDR:-127.0.0.1:5101}
DEMO_ADDR=${DEMO_ADDR:-127.0.0.1:8080}
PIDS=()
up() { node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$1"; }
trap 'kill "${PIDS[@]}" 2>/dev/null || true' EXIT INT TERM

step "start ceramic-devnode (store: ${CERAMIC_DEVNODE_STORE_DIR:-~/.ceramic-devnode})"
"$(cargo_target_dir)/release/ceramic-devnode" --bind-address "$DEVNODE_ADDR" &
PIDS+=($!)
for _ in $(seq 100); do
  up "http://$DEVNODE_ADDR/ceramic/liveness" && break
  kill -0 "${PIDS[0]}" 2>/dev/null || { echo "ceramic-devnode did not start" >&2; exit 1; }
  sleep 0.1
done

step "serve the demo"
node scripts/serve.mjs www/dist "$DEMO_ADDR" &
PIDS+=($!)
for _ in $(seq 50); do up "http://$DEMO_ADDR/" && break; sleep 0.1; done

echo
echo "ceramic-devnode: http://$DEVNODE_ADDR/ceramic"
echo "demo:            http://$DEMO_ADDR/?node=http://$DEVNODE_ADDR"
echo "(Ctrl-C stops both)"
wait
