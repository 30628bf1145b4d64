import { CeramicClient, CeramicError, KeyDidSigner } from "ceramic-wasm";

const $ = (id) => document.getElementById(id);
const state = { client: null, signer: null, model: null, doc: null, feed: null };

const DEFINITION = {
  version: "2.0", name: "DemoNote", interface: false, implements: [],
  accountRelation: { type: "list" },
  schema: {
    $schema: "https://json-schema.org/draft/2020-12/schema", type: "object", additionalProperties: false,
    properties: { title: { type: "string", maxLength: 100 }, body: { type: "string", maxLength: 2000 } },
    required: ["title"],
  },
};

function show(id, text, cls) {
  const el = $(id);
  el.textContent = text;
  el.className = cls ?? "mono";
}

function explain(e) {
  if (e instanceof CeramicError) {
    if (e.code === "NETWORK" || e.code === "TIMEOUT") {
      return `Cannot reach the node at ${$("node-url").value} (${e.code}). Is ceramic-devnode running? Start it with: bash scripts/run.sh`;
    }
    return `${e.code}: ${e.message}`;
  }
  return String(e);
}

async function guarded(statusId, f) {
  try {
    await f();
  } catch (e) {
    show(statusId, explain(e), "bad");
  }
}

async function connect() {
  const url = $("node-url").value.trim();
  // Anchors are checked on chain through the URL given, or the browser wallet's provider.
  const ethereum = $("eth-rpc").value.trim() || globalThis.ethereum || undefined;
  state.client = new CeramicClient({ url, timeoutMs: 5000, retries: 1, ethereum });
  show("node-status", "connecting…", "muted");
  await guarded("node-status", async () => {
    const [version, network] = await Promise.all([state.client.version(), state.client.network()]);
    show("node-status", `connected: ceramic API ${version}, network ${network}`, "ok");
  });
}

function setSigner(signer) {
  state.signer = signer;
  show("did", signer.did);
}

async function createModel() {
  await guarded("model-id", async () => {
    requireReady();
    show("model-id", "creating…", "muted");
    state.model = await state.client.createModel({ definition: DEFINITION, signer: state.signer });
    show("model-id", state.model.toString());
    follow(state.model);
  });
}

function content() {
  return JSON.parse($("content").value);
}

async function createDoc() {
  await guarded("doc-id", async () => {
    requireReady();
    if (!state.model) throw new Error("create a model first");
    state.doc = await state.client.createDocument({ model: state.model, content: content(), signer: state.signer });
    show("doc-id", state.doc.toString());
    show("commit-id", `${state.doc.toString()} (genesis)`);
  });
}

async function saveDoc() {
  await guarded("commit-id", async () => {
    requireReady();
    if (!state.doc) throw new Error("create a document first");
    const commit = await state.client.updateDocument({ streamId: state.doc, content: content(), signer: state.signer });
    show("commit-id", commit.toString());
  });
}

async function verify() {
  await guarded("verify-status", async () => {
    requireReady();
    if (!state.doc) throw new Error("create a document first");
    show("verify-status", "verifying…", "muted");
    const s = await state.client.loadDocument(state.doc, {
      verify: true,
      onProgress: (done, total) => show("verify-status", `verifying… ${done}/${total}`, "muted"),
    });
    const summary = s.verified
      ? `verified: ${s.checks.length} checks passed; anchor: ${s.anchor}; node claim ${s.matchesNode ? "matches" : "DIFFERS"}`
      : "not verified";
    show("verify-status", summary, s.verified && s.matchesNode ? "ok" : "bad");
    $("content").value = JSON.stringify(s.content, null, 1);
    $("log").replaceChildren(...s.log.map((e) => Object.assign(document.createElement("li"), { textContent: logLine(e) })));
    $("checks").replaceChildren(...s.checks.map((c) => {
      const tr = document.createElement("tr");
      for (const text of [c.kind, c.event.slice(0, 16) + "…", c.detail]) {
        tr.appendChild(Object.assign(document.createElement("td"), { textContent: text }));
      }
      return tr;
    }));
  });
}

/** A log entry in words; for a time event, what its proof establishes. */
function logLine(e) {
  if (e.kind !== "time") return `${e.kind} ${e.cid}`;
  if (e.anchoredAt !== undefined) {
    const at = new Date(e.anchoredAt * 1000).toISOString();
    return `time ${e.cid}: anchored on ${e.chainId} at ${at}, block ${e.block}, tx ${e.txHash}`;
  }
  if (e.chainId?.startsWith("eip155:")) return `time ${e.cid}: on ${e.chainId}, not checked (no Ethereum provider for it)`;
  return `time ${e.cid}: anchored on the development chain ${e.chainId} (ordering on that node only)`;
}

async function follow(model) {
  const feed = $("feed");
  feed.replaceChildren();
  try {
    for await (const ev of state.client.subscribe({ model, resumeAt: "0", pollIntervalMs: 500 })) {
      if (state.model !== model) break;
      feed.prepend(Object.assign(document.createElement("li"), { textContent: `${ev.kind} ${ev.id} (stream ${ev.streamId})` }));
    }
  } catch (e) {
    feed.prepend(Object.assign(document.createElement("li"), { textContent: explain(e), className: "bad" }));
  }
}

function requireReady() {
  if (!state.client) throw new Error("connect to a node first");
  if (!state.signer) throw new Error("generate or import a key first");
}

$("connect").onclick = connect;
$("generate").onclick = () => setSigner(KeyDidSigner.generate());
$("import").onclick = () => {
  try {
    const hex = $("seed").value.trim().replace(/^0x/, "");
    const seed = new Uint8Array(hex.match(/../g)?.map((h) => parseInt(h, 16)) ?? []);
    setSigner(KeyDidSigner.fromSeed(seed));
  } catch (e) {
    show("did", explain(e), "bad");
  }
};
$("create-model").onclick = createModel;
$("create-doc").onclick = createDoc;
$("save-doc").onclick = saveDoc;
$("verify").onclick = verify;

const params = new URLSearchParams(location.search);
if (params.get("node")) $("node-url").value = params.get("node");
if (params.get("eth")) $("eth-rpc").value = params.get("eth");
connect();
document.body.dataset.ready = "true";
