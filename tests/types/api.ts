// Compiled with `tsc --noEmit` (strict): the package's generated types are precise enough that
// wrong uses fail to compile (each @ts-expect-error must be an error, or tsc fails).
import {
  CeramicClient, CeramicError, CommitID, ExternalSigner, KeyDidSigner, CacaoSession, StreamID,
  decodeEvent, encodeEvent, verifyEvent, verifyEvents, verifyStream, inspectSigningRequest,
  type SigningRequestInfo,
  type CeramicErrorCode, type DocumentState, type Signer, type VerifiedStream, type Check,
  type EventVerification,
} from "ceramic-wasm";
import { CeramicWorker } from "ceramic-wasm/worker";
import { CeramicDocumentElement } from "ceramic-wasm/element";
import { indexedDbCache, memoryCache, indexedDbOutbox, memoryOutbox } from "ceramic-wasm/cache";

export async function usage(): Promise<void> {
  const signer: Signer = KeyDidSigner.generate();
  const client = new CeramicClient({ url: "http://127.0.0.1:5101", timeoutMs: 1000, retries: 1, readYourWritesMs: 2000 });
  const version: string = await client.version();
  const model: StreamID = await client.createModel({ definition: {}, signer });
  const doc: StreamID = await client.createDocument({ model, content: { title: "x" }, signer });
  const next: CommitID = await client.updateDocument({ streamId: doc, content: { title: "y" }, signer });
  const state: DocumentState = await client.loadDocument(doc, { verify: true, onProgress: (d: number, t: number) => void [d, t] });
  const anchor: "none" | "local" | "unchecked" | "chain" = state.anchor;
  const ok: boolean = state.verified && state.matchesNode && !state.pending;
  const offline = new CeramicClient({ url: "http://127.0.0.1:5101", outbox: indexedDbOutbox() });
  const waiting: string[] = await offline.pendingWrites();
  const published = await offline.publishPending({ onProgress: (d: number, t: number) => void [d, t] });
  const left: number = published.remaining + published.refused.filter((r) => r.code === "NODE_REJECTED").length;
  void [waiting, left, new CeramicClient({ url: "", outbox: memoryOutbox() })];
  // @ts-expect-error: an outbox needs push, list and remove
  new CeramicClient({ url: "", outbox: { push() {} } });
  const ext = new ExternalSigner({ did: signer.did, alg: "EdDSA", sign: async (b: Uint8Array) => b });
  // A wallet reads what it is asked to sign from the payload it is handed.
  const wallet = new ExternalSigner({ did: signer.did, alg: "EdDSA", sign: async (input, { payload }) => {
    const info: SigningRequestInfo = await inspectSigningRequest(input, payload);
    const kind: "init" | "data" = info.kind;
    const ops: string[] = (info.patch ?? []).map((op) => `${op.op} ${op.path}`);
    void [kind, ops];
    return input;
  } });
  const req = await CacaoSession.request({ address: "0x0", chainId: 1, domain: "d", resources: ["ceramic://*"] });
  const session: CacaoSession = await req.complete("0x");
  const expired: boolean = session.isExpired;
  for await (const ev of client.subscribe({ model })) {
    const id: string = ev.id;
    void id;
  }
  const car: Uint8Array = encodeEvent(decodeEvent("m"));
  const verified: VerifiedStream = await verifyStream([car], { now: 0 });
  const checks: Check[] = await verifyEvent(car, car);
  const many: EventVerification[] = await verifyEvents([car, "m"], null, { now: 0 });
  for (const r of many) {
    if (r.ok) {
      const c: Check[] = r.checks;
      void c;
    } else {
      const code: CeramicErrorCode = r.error.code;
      void code;
    }
  }
  void [verified, checks];
  try {
    await client.liveness();
  } catch (e) {
    if (e instanceof CeramicError) {
      const code: CeramicErrorCode = e.code;
      void code;
    }
  }
  void [version, next, anchor, ok, ext, expired];

  const worker = new CeramicWorker();
  const inWorker: VerifiedStream = await worker.verifyStream([car], { onProgress: (d: number, t: number) => void [d, t], signal: new AbortController().signal });
  const loadedThere: DocumentState = await worker.loadDocument(doc, { url: "http://127.0.0.1:5101", timeoutMs: 1000 });
  // @ts-expect-error: a provider object cannot be sent to a worker
  await worker.verifyStream([car], { ethereum: { request: async () => null } });
  worker.terminate();
  void [inWorker, loadedThere];
  const cached = new CeramicClient({ url: "http://127.0.0.1:5101", cache: indexedDbCache({ maxEntries: 1000 }) });
  new CeramicClient({ url: "http://127.0.0.1:5101", cache: memoryCache() });
  new CeramicClient({ url: "http://127.0.0.1:5101", cache: false });
  // @ts-expect-error: a store needs get and set
  new CeramicClient({ url: "http://127.0.0.1:5101", cache: { get: () => undefined } });
  void cached;
  const view: CeramicDocumentElement = document.createElement("ceramic-document");
  const shown: DocumentState | null = view.state;
  void shown;

  // @ts-expect-error: a StreamID is not a string
  const s: string = model;
  // @ts-expect-error: loadDocument's result is typed, not any
  const n: number = state.content;
  // @ts-expect-error: unknown algorithm
  new ExternalSigner({ did: "", alg: "RS256", sign: async (b: Uint8Array) => b });
  // @ts-expect-error: a request's kind is "init" or "data"
  const k: "time" = (await inspectSigningRequest(new Uint8Array(), new Uint8Array())).kind;
  void [k, wallet];
  // @ts-expect-error: error codes are a closed union
  const c: CeramicErrorCode = "NOPE";
  void [s, n, c];
}
