// What a page downloads of the package, gzip -9, from the bundler build in pkg/:
//   firstLoad — the module every page loads: the main .wasm and the JS (entry, wasm-bindgen glue,
//               error class, the crate's JS snippets under snippets/);
//   whole     — firstLoad plus the lazily loaded part (ceramic_wasm_part-<hash>.wasm, cut from the main
//               .wasm: scripts/split-part.mjs; its loader is in the entry, counted in firstLoad).
// The JS is counted as a production bundle ships it: minified by terser (what webpack's production
// mode runs; bench/webpack.bench.mjs bundles the JS SDK stacks we compare with that way), so the
// rustdoc that wasm-bindgen copies into the glue as JSDoc is not counted. `…Raw` counts the files
// as they are in pkg/.
import { readFileSync, readdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { minify } from "terser";

export const gzipBytes = (file) => gzipSync(readFileSync(file), { level: 9 }).length;

const gzipMinified = async (file) => {
  const { code } = await minify(readFileSync(file, "utf8"), {
    module: true,
    compress: { passes: 2 },
    format: { comments: false },
  });
  return gzipSync(Buffer.from(code), { level: 9 }).length;
};

export async function packageSizes(pkg) {
  // The entry, the glue and the error class in pkg/, and the crate's JS snippets the glue imports
  // (pkg/snippets/…).
  const js = (dir) =>
    readdirSync(join(pkg, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? (dir === "." && e.name !== "snippets" ? [] : js(join(dir, e.name)))
      : e.name.endsWith(".js") ? [join(pkg, dir, e.name)] : []);
  const sum = async (files, size) => (await Promise.all(files.map(size))).reduce((a, b) => a + b, 0);
  const mainWasm = gzipBytes(join(pkg, "ceramic_wasm_bg.wasm"));
  const lazy = readdirSync(pkg)
    .filter((f) => f.startsWith("ceramic_wasm_part-") && f.endsWith(".wasm"))
    .reduce((n, f) => n + gzipBytes(join(pkg, f)), 0);
  const firstLoad = mainWasm + (await sum(js("."), gzipMinified));
  const firstLoadRaw = mainWasm + (await sum(js("."), gzipBytes));
  return { firstLoad, whole: firstLoad + lazy, firstLoadRaw, wholeRaw: firstLoadRaw + lazy };
}
