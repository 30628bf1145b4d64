// Interop with the JS SDK (@ceramic-sdk 0.12 from npm) as an independent peer, over a devnode:
// each side writes, the other reads and verifies; the same key gives byte-identical events.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { CeramicClient as SdkClient } from "@ceramic-sdk/http-client";
import { ModelClient } from "@ceramic-sdk/model-client";
import { ModelInstanceClient } from "@ceramic-sdk/model-instance-client";
import { getAuthenticatedDID } from "@didtools/key-did";
import { CeramicClient, KeyDidSigner } from "ceramic-wasm";
import { startDevnode } from "./devnode.mjs";

let node;
before(async () => { node = await startDevnode(); });
after(async () => { await node?.stop(); });

const definition = {
  version: "2.0", name: "Interop", interface: false, implements: [], accountRelation: { type: "list" },
  schema: { $schema: "https://json-schema.org/draft/2020-12/schema", type: "object", additionalProperties: false,
    properties: { text: { type: "string", maxLength: 100 } }, required: ["text"] },
};

test("the JS SDK and ceramic-wasm read, verify and update each other's documents", async () => {
  const seed = new Uint8Array(32).fill(5);
  const did = await getAuthenticatedDID(seed);
  const sdk = new SdkClient({ url: node.url });
  const models = new ModelClient({ ceramic: sdk, did });
  const docs = new ModelInstanceClient({ ceramic: sdk, did });
  const ours = new CeramicClient({ url: node.url });
  const signer = KeyDidSigner.fromSeed(seed);
  assert.equal(signer.did, did.id);

  // The same definition signed by the same key: the very same Model stream on both sides.
  const sdkModel = await models.createDefinition(definition);
  const ourModel = await ours.createModel({ definition, signer });
  assert.equal(ourModel.toString(), sdkModel.toString());
  const modelInit = await ours.getEvent(sdkModel.cid.toString());
  assert.equal(await modelInit.verifySignature(), did.id);

  // The SDK writes; we verify.
  const sdkDoc = await docs.createInstance({ model: sdkModel, content: { text: "from the JS SDK" }, shouldIndex: true });
  const seen = await ours.loadDocument(sdkDoc.baseID.toString());
  assert.equal(seen.verified && seen.matchesNode, true);
  assert.deepEqual(seen.content, { text: "from the JS SDK" });

  // We write; the SDK reads and updates; we verify its update.
  const ourDoc = await ours.createDocument({ model: ourModel, content: { text: "from ceramic-wasm" }, signer });
  await ours.updateDocument({ streamId: ourDoc, content: { text: "updated by ceramic-wasm" }, signer });
  assert.deepEqual((await docs.getDocumentState(ourDoc.toString())).content, { text: "updated by ceramic-wasm" });
  await docs.updateDocument({ streamID: ourDoc.toString(), newContent: { text: "updated by the SDK" } });
  const after = await ours.loadDocument(ourDoc);
  assert.equal(after.verified && after.matchesNode, true);
  assert.deepEqual(after.content, { text: "updated by the SDK" });
  assert.deepEqual(after.log.map((e) => e.kind), ["init", "data", "data"]);
});
