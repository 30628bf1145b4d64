// `ceramic-wasm/legacy`: the build with TileDocument, Caip10Link and did:3, typed as strictly.
import { CeramicClient, CeramicError, KeyDidSigner, caip10LinkMessage, type LegacyState, type StreamID, type CommitID } from "ceramic-wasm/legacy";
import { CeramicClient as MainClient } from "ceramic-wasm";

export async function legacyUsage(): Promise<void> {
  const legacy = new CeramicClient({ url: "http://127.0.0.1:7007" });
  const signer = KeyDidSigner.generate();
  const id: StreamID = await legacy.createTile({ content: { hello: "world" }, signer, family: "notes", tags: ["a"] });
  const next: CommitID = await legacy.updateTile({ streamId: id, content: { hello: "again" }, signer });
  const state: LegacyState = await legacy.loadLegacy(next);
  const kind: "tile" | "caip10-link" = state.type;
  const matches: boolean = state.matchesNode;
  const link: StreamID = await legacy.createCaip10Link("eip155:1:0xab16a96d359ec26a11e2c2b3d8f8b8942d5bfcdb");
  const message: string = caip10LinkMessage(signer.did, 1_700_000_000);
  await legacy.updateCaip10Link({ streamId: link, proof: { version: 2, message } });
  const doc: object = await legacy.resolveDid3("did:3:kjzl6cwe1jw14…");
  void [kind, matches, doc, CeramicError];
  // @ts-expect-error the main build has no legacy streams
  await new MainClient({ url: "http://127.0.0.1:5101" }).loadLegacy(id);
}
