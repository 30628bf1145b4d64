// Finishes pkg/ after wasm-bindgen: the CeramicError module, one entry module per target that
// hands the class to the wasm and re-exports everything, and package.json with conditional
// exports (Node → node/index.mjs, bundlers → index.js, `ceramic-wasm/web` → web/index.js).
import { readFileSync, readdirSync, writeFileSync, copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";

const out = resolve(process.argv[2] ?? "pkg");
const root = new URL("..", import.meta.url).pathname;
const toml = readFileSync(join(root, "Cargo.toml"), "utf8");
const field = (name) => toml.match(new RegExp(`^${name} = "([^"]*)"`, "m"))?.[1];

for (const dir of ["", "node"]) {
  copyFileSync(join(root, "js/ceramic-error.js"), join(out, dir, dir === "node" ? "ceramic-error.mjs" : "ceramic-error.js"));
  copyFileSync(join(root, "js/ceramic-error.d.ts"), join(out, dir, "ceramic-error.d.ts"));
}
// One CeramicError class for the bundler, web and worker entries (`instanceof` holds across them).
writeFileSync(join(out, "web/ceramic-error.js"), `export { CeramicError } from "../ceramic-error.js";\n`);
writeFileSync(join(out, "web/ceramic-error.d.ts"), `export { CeramicError } from "../ceramic-error.js";\n`);
// `ceramic-wasm/worker`: verification in a module Web Worker (js/worker/).
mkdirSync(join(out, "worker"), { recursive: true });
for (const f of ["index.js", "index.d.ts", "worker.js"]) copyFileSync(join(root, "js/worker", f), join(out, "worker", f));
// `ceramic-wasm/cache`: stores for the client's `cache` option (js/cache/).
mkdirSync(join(out, "cache"), { recursive: true });
for (const f of ["index.js", "index.d.ts"]) copyFileSync(join(root, "js/cache", f), join(out, "cache", f));
// `ceramic-wasm/element`: the <ceramic-document> custom element (js/element/).
mkdirSync(join(out, "element"), { recursive: true });
for (const f of ["ceramic-document.js", "ceramic-document.d.ts"]) copyFileSync(join(root, "js/element", f), join(out, "element", f));
const dts = `export * from "./ceramic_wasm.js";\nexport { CeramicError } from "./ceramic-error.js";\n`;

// The lazily loaded part (ceramic_wasm_part-<hash>.wasm, cut from the main .wasm: src/part.rs,
// scripts/split-part.mjs): each entry hands the main module a loader that fetches it and
// instantiates it with the main module's exports (`__partImports`), which fills its functions into
// the shared table. Bundlers emit the .wasm as an asset (`new URL(…, import.meta.url)`), fetched
// only when a call first needs it. One promise per page; a failed load is forgotten so that a
// later call tries again. Its file name carries a hash of the build (scripts/build-pkg.sh).
const partOf = (dir) => {
  const found = readdirSync(dir).filter((f) => /^ceramic_wasm_part-[0-9a-f]+\.wasm$/.test(f));
  if (found.length !== 1) throw new Error(`${dir}: ${found.length} lazily loaded parts`);
  return found[0];
};
const part = partOf(out);
const legacyPart = partOf(join(out, "legacy"));
const loader = (file) => `let part;
__setLazyLoader(() => (part ??= fetch(new URL(${JSON.stringify(file)}, import.meta.url))
  .then((r) => (r.ok ? r.arrayBuffer() : Promise.reject(new Error(\`\${r.status} fetching \${r.url}\`))))
  .then((b) => WebAssembly.instantiate(b, { p: __partImports() }))
  .catch((e) => {
    part = undefined;
    throw e;
  })));
`;

// The default event store of clients made without a \`cache\` option, in browsers: one IndexedDB
// store per page (\`ceramic-wasm/cache\`'s, imported on first use, so a bundler splits it off and a
// page that passes \`cache: false\` never loads it). Writes are not awaited: a load never waits for
// storage; a store that fails (blocked storage, private mode) only costs the requests it saves.
const defaultCache = (specifier) => `let idb;
const store = () => (idb ??= import(${JSON.stringify(specifier)}).then((m) => m.indexedDbCache()));
__setDefaultCache(() => typeof indexedDB === "undefined" ? undefined : {
  get: (key) => store().then((s) => s.get(key)),
  set(key, car) {
    store().then((s) => s.set(key, car)).catch(() => {});
  },
});
`;

// Bundlers: the wasm is instantiated by the bundler when the module loads.
writeFileSync(join(out, "index.js"), `import { __setErrorClass, __setLazyLoader, __partImports, __setDefaultCache } from "./ceramic_wasm.js";
import { CeramicError } from "./ceramic-error.js";
__setErrorClass(CeramicError);
${loader(`./${part}`)}${defaultCache("./cache/index.js")}export * from "./ceramic_wasm.js";
export { CeramicError };
`);
writeFileSync(join(out, "index.d.ts"), dts);

// Plain browsers: `await init()` first, as with any wasm-bindgen "web" build.
writeFileSync(join(out, "web/index.js"), `import wasmInit, { __setErrorClass, __setLazyLoader, __partImports, __setDefaultCache } from "./ceramic_wasm.js";
import { CeramicError } from "./ceramic-error.js";
export * from "./ceramic_wasm.js";
export { CeramicError };
/** Load the wasm (from \`input\`, default next to this file). */
export default async function init(input) {
  const out = await wasmInit(input);
  __setErrorClass(CeramicError);
  ${loader(`../${part}`).replace(/\n/g, "\n  ")}${defaultCache("../cache/index.js").replace(/\n/g, "\n  ")}return out;
}
`);
writeFileSync(join(out, "web/index.d.ts"), dts + `export { default } from "./ceramic_wasm.js";\n`);

// Node: the CommonJS build, re-exported by name as ESM.
const require = createRequire(join(out, "node/ceramic_wasm.js"));
const names = Object.keys(require(join(out, "node/ceramic_wasm.js"))).filter((n) => !n.startsWith("__"));
writeFileSync(join(out, "node/index.mjs"), `import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { CeramicError } from "./ceramic-error.mjs";
const wasm = createRequire(import.meta.url)("./ceramic_wasm.js");
wasm.__setErrorClass(CeramicError);
const { __setLazyLoader, __partImports } = wasm;
let part;
__setLazyLoader(() => {
  part ??= new WebAssembly.Instance(new WebAssembly.Module(readFileSync(new URL("../${part}", import.meta.url))), { p: __partImports() });
});
export const { ${names.join(", ")} } = wasm;
export { CeramicError };
`);
writeFileSync(join(out, "node/index.d.ts"), dts);

// `ceramic-wasm/legacy`: the build with TileDocument, Caip10Link and did:3 (pkg/legacy/), the same
// entries pointing at its own wasm and its own part; the error class and the stores are shared
// with the main build.
const up = (js) => js
  .replace(`./${part}`, `./${legacyPart}`)
  .replace('from "./ceramic-error.js"', 'from "../ceramic-error.js"')
  .replace('"./cache/index.js"', '"../cache/index.js"');
writeFileSync(join(out, "legacy/index.js"), up(readFileSync(join(out, "index.js"), "utf8")));
writeFileSync(join(out, "legacy/index.d.ts"), `export * from "./ceramic_wasm.js";\nexport { CeramicError } from "../ceramic-error.js";\n`);
const legacyNames = Object.keys(createRequire(join(out, "legacy/node/ceramic_wasm.js"))(join(out, "legacy/node/ceramic_wasm.js"))).filter((n) => !n.startsWith("__"));
writeFileSync(join(out, "legacy/node/index.mjs"), readFileSync(join(out, "node/index.mjs"), "utf8")
  .replace('from "./ceramic-error.mjs"', 'from "../../node/ceramic-error.mjs"')
  .replace(`../${part}`, `../${legacyPart}`)
  .replace(/export const \{ [^}]* \} = wasm;/, `export const { ${legacyNames.join(", ")} } = wasm;`));
writeFileSync(join(out, "legacy/node/index.d.ts"), `export * from "../ceramic_wasm.js";\nexport { CeramicError } from "../../ceramic-error.js";\n`);

const pkg = {
  name: "ceramic-wasm",
  version: field("version"),
  description: field("description"),
  license: field("license"),
  type: "module",
  main: "./index.js",
  types: "./index.d.ts",
  exports: {
    ".": { types: "./index.d.ts", node: "./node/index.mjs", default: "./index.js" },
    "./web": { types: "./web/index.d.ts", default: "./web/index.js" },
    "./worker": { types: "./worker/index.d.ts", default: "./worker/index.js" },
    "./cache": { types: "./cache/index.d.ts", default: "./cache/index.js" },
    "./element": { types: "./element/ceramic-document.d.ts", default: "./element/ceramic-document.js" },
    "./legacy": { types: "./legacy/index.d.ts", node: "./legacy/node/index.mjs", default: "./legacy/index.js" },
    "./package.json": "./package.json",
  },
  files: [
    "index.js", "index.d.ts", "ceramic-error.js", "ceramic-error.d.ts",
    "ceramic_wasm.js", "ceramic_wasm_bg.js", "ceramic_wasm_bg.wasm", part, "ceramic_wasm.d.ts",
    "ceramic_wasm_bg.wasm.d.ts", "snippets/", "web/", "node/", "worker/", "element/", "cache/", "legacy/", "README.md",
  ],
  sideEffects: ["./index.js", "./ceramic_wasm.js", "./legacy/index.js", "./legacy/ceramic_wasm.js", "./web/index.js", "./worker/worker.js", "./element/ceramic-document.js"],
  engines: { node: ">=20" },
  keywords: ["ceramic", "wasm", "did", "dag-jose", "verification"],
};
writeFileSync(join(out, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
