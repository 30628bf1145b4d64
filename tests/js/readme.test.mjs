// The README's quickstart, run as written against a fresh ceramic-devnode.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, rmSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { startDevnode } from "./devnode.mjs";

const root = new URL("../..", import.meta.url).pathname;

// Against a node that answers at once, and one that indexes a second later as ceramic-one does.
for (const args of [[], ["--index-delay-ms", "1200"]]) test(`the README quickstart runs (devnode ${args.join(" ") || "default"})`, async () => {
  const readme = readFileSync(`${root}/README.md`, "utf8");
  const section = readme.slice(readme.indexOf("## Quickstart"));
  const code = section.match(/```js\n([\s\S]*?)```/)[1];
  assert.match(code, /http:\/\/127\.0\.0\.1:5101/);
  const node = await startDevnode(args);
  const file = `${root}/tests/js/.quickstart-${args.length}.mjs`;
  try {
    writeFileSync(file, code.replace("http://127.0.0.1:5101", node.url));
    const out = execFileSync("node", [file], { encoding: "utf8" });
    assert.equal(out.trim(), "hello, verified true true");
  } finally {
    rmSync(file, { force: true });
    await node.stop();
  }
});
