#!/usr/bin/env bash
# Set everything up and run the main job: build the wasm package, start ceramic-devnode on
# 127.0.0.1:5101 and serve the www/ demo against it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"

setup_rust
setup_npm

step "build the npm package into pkg/"
bash scripts/build-pkg.sh

if [ ! -f devnode/Cargo.toml ]; then
  step "not yet built"
  cat <<'MSG'
The package is built in pkg/. ceramic-devnode (issue 4) and the www/ demo (issue 5) do not exist
yet; once they do, this command starts the devnode on http://127.0.0.1:5101 and serves the demo.
MSG
  exit 0
fi
