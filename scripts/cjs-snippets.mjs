// wasm-bindgen's nodejs glue is CommonJS and `require`s the crate's JS snippets (`inline_js`), which
// are ES modules written for the bundler and web targets. Each snippet under the given directories
// is rewritten as CommonJS: `export function f(` becomes `function f(`, and `module.exports` lists
// them. A snippet with any other `export` or an `import` fails the build (it would need more).
//
//   node scripts/cjs-snippets.mjs <snippets dir>...
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const files = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".js") ? [join(dir, e.name)] : []);

for (const dir of process.argv.slice(2)) {
  if (!existsSync(dir)) continue;
  for (const file of files(dir)) {
    const names = [];
    const text = readFileSync(file, "utf8").replace(/^export function (\w+)\(/gm, (_, name) => {
      names.push(name);
      return `function ${name}(`;
    });
    if (/^\s*(export|import)\b/m.test(text)) throw new Error(`${file}: an export or import cjs-snippets.mjs cannot rewrite`);
    writeFileSync(file, `${text}\nmodule.exports = { ${names.join(", ")} };\n`);
  }
}
