#!/usr/bin/env python3
"""Group `twiggy top -f csv` rows of a wasm (names kept: wasm-bindgen --keep-debug, or the split
modules of `scripts/split-part.mjs --names` through `wasm-opt -g`) by the crate that owns each
function; debug and name sections are left out.
Usage: python3 bench/twiggy-crates.py top.csv"""
import csv, re, sys, collections

OURS = {"ceramic_wasm"}
groups = collections.Counter()
total = 0
for row in csv.DictReader(open(sys.argv[1])):
    name, size = row["Name"], int(row["ShallowSize"])
    if name.startswith("custom section") or "subsection" in name or name.startswith("Σ"):
        continue
    total += size
    if name.startswith(("data segment", "data[")):
        key = "data segments (string literals, tables)"
    elif name.startswith(("code[", "import ", "export ", "type[", "elem", "table", "global", "memory")):
        key = "(wasm structure: imports, exports, types, tables)"
    elif " shim" in name:
        key = "(exports: wasm-bindgen's shims, the Rust body inlined in most)"
    else:
        # The first path segment of the first crate-like name: `<k256::…` → k256; ceramic_wasm::did → ceramic_wasm::did.
        m = re.search(r"([a-z_][a-z0-9_]*)(?:\[[0-9a-f]+\])?::([a-z_][a-z0-9_]*)?", name)
        if not m:
            key = "(other: " + name.split("::")[0][:30] + ")"
        else:
            crate = m.group(1)
            key = f"{crate}::{m.group(2)}" if crate in OURS and m.group(2) else crate
    groups[key] += size
print(f"| part | raw bytes | share |\n|---|---:|---:|")
for k, v in groups.most_common(45):
    print(f"| {k} | {v:,} | {100 * v / total:.1f} % |")
print(f"| **all code and data** | {total:,} | 100 % |")
