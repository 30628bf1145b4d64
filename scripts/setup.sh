# shellcheck shell=bash
# Sourced by run.sh and test.sh: installs what the project needs, skipping what is already there.
# Only the package registries are used (rustup's dist server, crates.io, Debian, npm); nothing is
# downloaded from anywhere else.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export PATH="$CARGO_HOME/bin:$ROOT/node_modules/.bin:$PATH"
export CARGO_TERM_COLOR=never

step() { echo "::: $(date +%T) $*"; }

# Cargo's target directory, wherever it is (CARGO_TARGET_DIR, .cargo/config.toml or ./target).
cargo_target_dir() {
  cargo metadata --format-version 1 --no-deps --manifest-path "$ROOT/Cargo.toml" |
    node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).target_directory))'
}

# The wasm-bindgen version Cargo.lock pins (Cargo.toml pins it with `=`).
wbg_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

setup_rust() {
  step "rust: wasm32 target, std source"
  rustup target list --installed | grep -qx wasm32-unknown-unknown ||
    rustup target add wasm32-unknown-unknown
  # The standard library's source: scripts/build-pkg.sh rebuilds std for the release wasm (-Zbuild-std).
  [ -d "$(rustc --print sysroot)/lib/rustlib/src/rust/library" ] || rustup component add rust-src
  local want; want=$(wbg_version)
  [ -n "$want" ] || { echo "wasm-bindgen is not in Cargo.lock" >&2; return 1; }
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want" ] ||
     [ "$(wasm-bindgen-test-runner --version 2>/dev/null | awk '{print $2}')" != "$want" ]; then
    step "rust: wasm-bindgen-cli $want (about 2-4 minutes, once)"
    # Not --locked: its lockfile pins a webpki-roots the registry mirror may not serve.
    cargo install wasm-bindgen-cli --version "$want" --force
  fi
  wasm-bindgen --version
}

setup_chromium() {
  step "chromium + chromedriver (Debian)"
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
  chromedriver --version
}

# js-ceramic 2.11, the legacy streams' test peer (tests/legacy-peer/): ~370 MB from the npm registry,
# installed with --ignore-scripts (go-ipfs's postinstall would download a binary; it is not used:
# the peer runs js-ipfs in process). `ip` (iproute2) brings up loopback in the test's own network
# namespace (its libp2p swarm binds 0.0.0.0:4011, fixed in cli 2.11).
setup_legacy_peer() {
  step "js-ceramic 2.11 test peer (tests/legacy-peer)"
  local dir="$ROOT/tests/legacy-peer"
  if [ ! -d "$dir/node_modules/@ceramicnetwork/cli" ] ||
     ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.package-lock.json"; then
    (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  fi
  if ! command -v ip >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2 >/dev/null
  fi
}

setup_npm() {
  step "npm packages (binaryen's wasm-opt)"
  if [ ! -x "$ROOT/node_modules/.bin/wasm-opt" ] ||
     ! cmp -s "$ROOT/package-lock.json" "$ROOT/node_modules/.package-lock.json"; then
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  wasm-opt --version
  # wasm-split, which cuts the package's lazily loaded part out of its wasm (scripts/split-part.mjs),
  # is not in npm's binaryen: Debian's binaryen (108) has it. The build keeps npm's wasm-opt (132)
  # first in its PATH.
  if ! command -v wasm-split >/dev/null; then
    step "binaryen's wasm-split (Debian)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq binaryen >/dev/null
  fi
  # c++filt (binutils, which gcc brings) writes the linker's Rust symbol names as wasm-bindgen
  # does, for scripts/data-refs.mjs.
  if ! command -v c++filt >/dev/null; then
    step "binutils' c++filt (Debian)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq binutils >/dev/null
  fi
}
