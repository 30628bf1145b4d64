// What a page downloads of the package, gzip -9, from the bundler build in pkg/:
//   firstLoad — the module every page loads: the main .wasm and the JS (entry, wasm-bindgen glue,
//               error class);
//   whole     — firstLoad plus every lazily loaded part (pkg/lazy/: its .wasm and JS glue).
import { readFileSync, readdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";

export const gzipBytes = (file) => gzipSync(readFileSync(file), { level: 9 }).length;

export function packageSizes(pkg) {
  const files = readdirSync(pkg);
  const main = "ceramic_wasm_bg.wasm";
  const gz = (f) => gzipBytes(join(pkg, f));
  const firstLoad = gz(main) + files.filter((f) => f.endsWith(".js")).reduce((n, f) => n + gz(f), 0);
  const lazy = readdirSync(join(pkg, "lazy"))
    .filter((f) => f.endsWith(".wasm") || f.endsWith(".js"))
    .reduce((n, f) => n + gz(join("lazy", f)), 0);
  return { firstLoad, whole: firstLoad + lazy };
}
