#!/usr/bin/env bash
# Build the npm package into pkg/: the main release wasm (feature `lazy-part`), wasm-bindgen for
# three targets — bundler (pkg/, for webpack and other bundlers), web (pkg/web/, plain
# <script type=module>) and nodejs (pkg/node/, Node 20) — with the lazily loaded part cut out of it
# (pkg/ceramic_wasm_part-<hash>.wasm, shared by all three: src/part.rs), each through wasm-opt -Oz, and
# package.json with conditional exports. Prints the sizes (gzip -9).
# `ceramic-wasm/legacy` (pkg/legacy/): the same crate with the `legacy` feature (TileDocument,
# Caip10Link, did:3 over js-ceramic's /api/v0), a build of its own so that the main one stays lean.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$ROOT/node_modules/.bin:$PATH"
cd "$ROOT"

# Wherever cargo's target directory is (CARGO_TARGET_DIR may point anywhere).
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps |
  node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).target_directory))')
OUT=$TARGET_DIR/wasm32-unknown-unknown/wasm-release
BUILT=$(mktemp -d)
trap 'rm -rf "$BUILT"' EXIT
# Both builds of the crate land on the same file name: each is copied away before the next.
mkdir -p "$BUILT/main" "$BUILT/legacy"
# The standard library is rebuilt with the package (`-Zbuild-std`, the `rust-src` component that
# scripts/setup.sh adds), so that it is optimised for size like our code, with std's
# `optimize_for_size` choices (smaller sort and formatting code), and with the `immediate-abort`
# panic strategy: a panic traps at once instead of formatting its message and location first —
# messages nobody saw (this package installs no panic hook; untrusted input never panics, errors
# are typed). Main wasm 257,057 -> 242,886 B gzip, the lazy part 10,988 -> 8,041 (the legacy build too;
# BENCHMARKS.md). Both switches are unstable options of the installed stable toolchain, hence
# RUSTC_BOOTSTRAP for these three builds only (tests, clippy and the devnode use the plain toolchain).
# WebAssembly SIMD (`+simd128`, in every browser since 2023: Chrome 91, Firefox 89, Safari 16.4;
# Node 16.4): LLVM vectorises the constant-time table selection of Ed25519 signing and the copy
# loops. Main wasm 227,958 -> 224,004 B gzip and `createInitEvent` -7 %, verification unchanged
# (`node bench/ab-pair.mjs`, BENCHMARKS.md). `-Zshare-generics=no`: at opt-level "z" rustc by
# default lets a crate reuse the generic instances an upstream crate exported instead of compiling
# its own; unshared, each crate compiles the instances it uses. Why that is so much smaller under
# fat LTO is not established; measured: main wasm 224,004 -> 212,549 B gzip (twiggy: `alloc`
# 64 K -> 27 K raw, wasm-bindgen 19 K -> 6.6 K), speed unchanged.
# `-Zcross-crate-inline-threshold=always` for every dependency outside the workspace (std
# included): any of their functions may be inlined where it is called and compiled there, so our
# size-optimised code inlines and prunes them as it needs, and the curve arithmetic inlines std's
# small helpers at its own level. For curve25519-dalek and our SHA-2 crate `never`: rustc's
# automatic cross-crate inlining of their small functions is off, so those stay compiled at
# opt-level 3 in their crates (their `#[inline]` and generic functions are compiled where called
# in any case); with `always` for them too the wasm was 12 K smaller and 25-45 % slower. Main
# wasm 213,274 -> 208,783 B gzip, `createInitEvent` -11 %, `verifyEvent` -5 % (BENCHMARKS.md).
# `-reference-types`: without the feature (on by default in Rust's wasm32 target since 1.82),
# wasm-bindgen keeps JS values in a JS array and passes their indices, where with it every export
# and import carried an externref shim and a table of its own: main wasm 159,895 -> 158,912 B gzip,
# the glue +157 B, speed unchanged (`node bench/ab-pair.mjs`, BENCHMARKS.md). `-multivalue`: a
# result of two or more values (a string's pointer and length) comes back through memory, not as
# a multi-value return that wasm-bindgen wraps in a shim per export: first load -0.3 K.
# Per-package rustflags are cargo's unstable `profile-rustflags`, given here on the command line
# (Cargo.toml stays stable). The linker keeps its relocations (`--emit-relocs`, for the crate's own
# link only: `cargo rustc`): they say which function uses which static data, so that the data only
# the lazily loaded part uses moves into it (scripts/split-part.mjs); the relocations are removed
# before wasm-bindgen (scripts/data-refs.mjs --strip), the code is the same.
wasm_release() {
  RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Ctarget-feature=+simd128,-reference-types,-multivalue -Zshare-generics=no" \
    cargo rustc --locked --profile wasm-release --target wasm32-unknown-unknown \
    -Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size -Zprofile-rustflags \
    --config 'profile.wasm-release.package."*".rustflags=["-Zcross-crate-inline-threshold=always"]' \
    --config 'profile.wasm-release.package.curve25519-dalek.rustflags=["-Zcross-crate-inline-threshold=never"]' \
    --config 'profile.wasm-release.package.ceramic-wasm-hash.rustflags=["-Zcross-crate-inline-threshold=never"]' \
    "$@" -- -C link-arg=--emit-relocs
}
wasm_release --lib --no-default-features --features lazy-part
cp "$OUT/ceramic_wasm.wasm" "$BUILT/main/linked.wasm"
wasm_release --lib --no-default-features --features lazy-part,legacy
cp "$OUT/ceramic_wasm.wasm" "$BUILT/legacy/linked.wasm"
for b in main legacy; do node scripts/data-refs.mjs --strip "$BUILT/$b/linked.wasm" "$BUILT/$b/ceramic_wasm.wasm"; done
rm -rf pkg
# The wasm of the three targets is the same module (only the glue differs): it is split, optimised
# and renamed once per build, then copied to each target.
wasm-bindgen --target bundler --keep-debug --out-dir pkg "$BUILT/main/ceramic_wasm.wasm"
wasm-bindgen --target web --out-dir pkg/web "$BUILT/main/ceramic_wasm.wasm"
wasm-bindgen --target nodejs --out-dir pkg/node "$BUILT/main/ceramic_wasm.wasm"
wasm-bindgen --target bundler --keep-debug --out-dir pkg/legacy "$BUILT/legacy/ceramic_wasm.wasm"
wasm-bindgen --target nodejs --out-dir pkg/legacy/node "$BUILT/legacy/ceramic_wasm.wasm"
# Our JS snippets (`inline_js`: src/wasm/transport.rs) are ES modules; the nodejs glue is CommonJS
# and `require`s them, so theirs are written as CommonJS.
node scripts/cjs-snippets.mjs pkg/node/snippets pkg/legacy/node/snippets
# The function table's slots that only wasm-bindgen's describers took, emptied
# (scripts/table-slots.mjs): wasm-opt can then drop or inline the closure shims in them.
node scripts/table-slots.mjs pkg/ceramic_wasm_bg.wasm "$BUILT/main/linked.wasm" pkg/ceramic_wasm_bg.wasm
node scripts/table-slots.mjs pkg/legacy/ceramic_wasm_bg.wasm "$BUILT/legacy/linked.wasm" pkg/legacy/ceramic_wasm_bg.wasm
# The lazily loaded part (src/part.rs): the functions reachable only through its roots, cut out
# into ceramic_wasm_part.wasm (scripts/split-part.mjs, binaryen's wasm-split), which shares the
# main module's memory, table and globals.
node scripts/split-part.mjs pkg/ceramic_wasm_bg.wasm pkg/ceramic_wasm_bg.wasm pkg/ceramic_wasm_part.wasm "$BUILT/main/linked.wasm"
node scripts/split-part.mjs pkg/legacy/ceramic_wasm_bg.wasm pkg/legacy/ceramic_wasm_bg.wasm pkg/legacy/ceramic_wasm_part.wasm "$BUILT/legacy/linked.wasm"
pids=()
for w in pkg/ceramic_wasm_bg.wasm pkg/ceramic_wasm_part.wasm pkg/legacy/ceramic_wasm_bg.wasm pkg/legacy/ceramic_wasm_part.wasm; do
  # -Oz twice: the second pass finds what the first one's inlining and merging opened up
  # (main wasm 341,438 -> 339,759 B gzip; a third pass gained nothing, BENCHMARKS.md; the part
  # -59 B). No engine reads the producers and target_features sections (linker metadata).
  # Two binaryen options (BENCHMARKS.md, twelfth session): `-ocimfs 20` inlines a function called
  # from one place only when it is small (binaryen's default inlines any size there: the copies,
  # specialised to their caller, repeat less; main wasm +3 K raw, −2.2 K gzip, speed within 1 %),
  # and `--low-memory-unused` lets a constant (under 1 KiB) added to an address become the load's
  # or store's offset: the two differ only when the sum wraps past 4 GiB — the folded form traps
  # where the other would have reached the first 1 KiB, which a valid address never does (the
  # linker puts the data at 1 MiB, above the stack, and the heap after it). −0.3 K.
  # Then the functions in an order gzip likes (scripts/order-functions.mjs: like code within
  # gzip's window; −4.3 K on the main wasm, −0.4 K on the part), by binaryen's pass that sorts
  # them by the names the script wrote, and the names dropped.
  (wasm-opt --low-memory-unused -ocimfs 20 -Oz -Oz -g "$w" -o "$w" && node scripts/order-functions.mjs "$w" "$w" &&
    wasm-opt --reorder-functions-by-name --strip-debug --strip-producers --strip-target-features "$w" -o "$w") &
  pids+=($!)
done
# A failed wasm-opt must fail the build (a bare `wait` would not): an unoptimised package is 90 KB larger.
for p in "${pids[@]}"; do wait "$p"; done
# Short import and export names in each wasm, its part and its glue (scripts/short-imports.mjs):
# the first load −4.5 K.
node scripts/short-imports.mjs pkg/ceramic_wasm_bg.wasm --part pkg/ceramic_wasm_part.wasm \
  pkg/ceramic_wasm_bg.js pkg/ceramic_wasm.js pkg/web/ceramic_wasm.js pkg/node/ceramic_wasm.js
node scripts/short-imports.mjs pkg/legacy/ceramic_wasm_bg.wasm --part pkg/legacy/ceramic_wasm_part.wasm \
  pkg/legacy/ceramic_wasm_bg.js pkg/legacy/ceramic_wasm.js pkg/legacy/node/ceramic_wasm.js
# Each part instantiates against its main module and fills every placeholder (a build that would
# fail at run time fails here), and its file name carries a hash of both modules: a build's entry
# never loads a cached part of another build (they share memory, table and stack pointer).
for d in pkg pkg/legacy; do
  node scripts/check-part.mjs "$d/ceramic_wasm_bg.wasm" "$d/ceramic_wasm_part.wasm"
  h=$(cat "$d/ceramic_wasm_bg.wasm" "$d/ceramic_wasm_part.wasm" | sha256sum | cut -c1-16)
  mv "$d/ceramic_wasm_part.wasm" "$d/ceramic_wasm_part-$h.wasm"
done
for d in pkg/web pkg/node; do cp pkg/ceramic_wasm_bg.wasm pkg/ceramic_wasm_bg.wasm.d.ts "$d/"; done
cp pkg/legacy/ceramic_wasm_bg.wasm pkg/legacy/ceramic_wasm_bg.wasm.d.ts pkg/legacy/node/
echo '{"type": "commonjs"}' > pkg/node/package.json
echo '{"type": "commonjs"}' > pkg/legacy/node/package.json
cp README.md pkg/README.md
node scripts/gen-pkg-json.mjs pkg
for w in pkg/ceramic_wasm_bg.wasm pkg/ceramic_wasm_part-*.wasm pkg/legacy/ceramic_wasm_bg.wasm pkg/legacy/ceramic_wasm_part-*.wasm; do
  echo "$w: $(stat -c %s "$w") bytes raw, $(gzip -9c "$w" | wc -c) bytes gzip -9 (after wasm-opt -Oz)"
done
node -e 'import("./scripts/sizes.mjs").then(async ({ packageSizes }) => { const s = await packageSizes("pkg");
  console.log(`package for bundlers, gzip -9, JS minified: first load ${s.firstLoad} B, whole ${s.whole} B (JS as shipped: ${s.firstLoadRaw} B, ${s.wholeRaw} B)`); })'
