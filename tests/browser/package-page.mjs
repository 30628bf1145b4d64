// A page served with the built package beside it (as `./ceramic-wasm/`), the way a site without a
// bundler serves it: for the browser tests of the web build, the worker, the element and the cache.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "../../scripts/serve.mjs";

const root = new URL("../..", import.meta.url).pathname;

/** Serve `files` ({ "index.html": "…", … }) beside a copy of pkg/; `close()` removes it all. */
export async function servePackagePage(files) {
  const dir = mkdtempSync(join(tmpdir(), "package-page-"));
  cpSync(join(root, "pkg"), join(dir, "ceramic-wasm"), { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const web = await serve(dir);
  return {
    url: `http://127.0.0.1:${web.address().port}/`,
    close() {
      web.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
