// A verified load of an unchanged N-event document, the first and the second time, by one client
// (Node 20, the package's Node build, against ceramic-devnode on 127.0.0.1): requests and ms.
//   bash scripts/build-pkg.sh && cargo build -p ceramic-devnode && node bench/second-load.mjs [N]
import { CeramicClient, KeyDidSigner } from "../pkg/node/index.mjs";
import { memoryCache } from "../pkg/cache/index.js";
import { startDevnode } from "../tests/js/devnode.mjs";

const n = Number(process.argv[2] ?? 1000);
const node = await startDevnode();
try {
  const signer = KeyDidSigner.generate();
  const writer = new CeramicClient({ url: node.url });
  const model = await writer.createModel({ signer, definition: { version: "2.0", name: "Bench", interface: false, implements: [],
    accountRelation: { type: "list" }, schema: { type: "object", properties: { n: { type: "integer" } }, additionalProperties: false } } });
  const doc = await writer.createDocument({ model, content: { n: 0 }, signer });
  for (let i = 1; i < n; i++) await writer.updateDocument({ streamId: doc, content: { n: i }, signer });
  let requests = 0;
  const cache = memoryCache();
  const client = () => new CeramicClient({ url: node.url, cache, fetch: (r) => (requests++, fetch(r)) });
  const reader = client();
  const rows = [];
  for (const [label, c] of [["first load", reader], ["second load (unchanged), same client", reader],
    ["a new client with the event store (as after a page reload)", client()]]) {
    requests = 0;
    const t = performance.now();
    const s = await c.loadDocument(doc);
    rows.push(`| ${label} | ${s.log.length} | ${requests} | ${(performance.now() - t).toFixed(1)} |`);
  }
  console.log(`| ${n}-event document, verified load | events | requests | ms |\n|---|---:|---:|---:|\n${rows.join("\n")}`);
} finally {
  await node.stop();
}
