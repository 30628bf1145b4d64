// `<ceramic-document stream="k…" node="https://…">`: a document loaded and verified in the page,
// its content, and a proof panel (controller, model, each event with its checks, anchor level and
// time, whether the node's claim matched). Live: the node's claimed tip is polled (cheap), and the
// document is verified again only when it moved. Styleable with ::part(document | status | content
// | proof | summary | facts | events | event), keyboard- and screen-reader-friendly. Works from a
// plain <script type="module"> (it loads the package's web build itself).
import init, { CeramicClient } from "../web/index.js";

let ready;
const wasm = () => (ready ??= init());

const STYLE = `
:host { display: block; font: inherit; }
[part=status] { margin: .25em 0; }
:host([data-state=error]) [part=status] { color: #a40000; }
:host([data-state=verified]) [part=status] { color: #1a6b1a; }
[part=content] { white-space: pre-wrap; background: #f6f6f6; padding: .5em; margin: .25em 0; overflow-wrap: anywhere; }
[part=facts] { display: grid; grid-template-columns: max-content 1fr; gap: .1em .75em; margin: .5em 0; }
[part=facts] dd { margin: 0; overflow-wrap: anywhere; font-family: monospace; }
[part=events] { margin: .25em 0; padding-left: 1.5em; }
[part=event] { margin: .25em 0; overflow-wrap: anywhere; }
[part=event] ul { margin: 0; padding-left: 1.2em; font-size: .9em; }
`;

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "part" || k.startsWith("aria-") || k === "role" || k === "tabindex") e.setAttribute(k, v);
    else e[k] = v;
  }
  e.append(...children.filter((c) => c !== undefined && c !== null));
  return e;
}

function anchorText(entry) {
  if (entry.kind !== "time") return "";
  if (entry.anchoredAt !== undefined) {
    return ` — anchored on ${entry.chainId} at ${new Date(entry.anchoredAt * 1000).toISOString()}, block ${entry.block}, tx ${entry.txHash}`;
  }
  if (entry.chainId?.startsWith("eip155:")) return ` — on ${entry.chainId}, transaction not checked`;
  return ` — on the development chain ${entry.chainId}`;
}

export class CeramicDocumentElement extends HTMLElement {
  static observedAttributes = ["stream", "node", "ethereum", "refresh"];

  #root;
  #timer = null;
  #tip = null;
  #generation = 0;
  #connected = false;

  constructor() {
    super();
    this.#root = this.attachShadow({ mode: "open" });
    this.#root.append(el("style", { textContent: STYLE }));
    this.#root.append(el("section", { part: "document", role: "region", "aria-label": "Ceramic document", "aria-busy": "true" },
      el("div", { part: "status", role: "status", "aria-live": "polite", textContent: "Loading…" })));
  }

  connectedCallback() {
    this.#connected = true;
    this.#restart();
  }

  disconnectedCallback() {
    this.#connected = false;
    clearTimeout(this.#timer);
  }

  attributeChangedCallback() {
    if (this.#connected) this.#restart();
  }

  /** The last verified state (a `DocumentState`), or null. */
  state = null;

  #restart() {
    clearTimeout(this.#timer);
    this.#tip = null;
    this.state = null;
    const generation = ++this.#generation;
    this.#poll(generation);
  }

  async #poll(generation) {
    const stream = this.getAttribute("stream");
    const url = this.getAttribute("node");
    if (!stream || !url) return this.#fail(generation, "set the stream and node attributes");
    try {
      await wasm();
      const client = new CeramicClient({ url, ethereum: this.getAttribute("ethereum") || undefined });
      // The node's claim first: verify again only when the tip moved.
      const claim = await client.getStreamState(stream);
      if (generation !== this.#generation) return;
      if (claim.eventCid !== this.#tip) {
        const state = await client.loadDocument(stream, { verify: true });
        if (generation !== this.#generation) return;
        this.#tip = claim.eventCid;
        this.state = state;
        this.#render(state);
        this.dispatchEvent(new CustomEvent("ceramic-document-load", { detail: state }));
      }
    } catch (e) {
      this.#fail(generation, e?.code ? `${e.code}: ${e.message}` : String(e));
    }
    if (generation !== this.#generation || !this.#connected) return;
    const every = Number(this.getAttribute("refresh") ?? 5000);
    if (every > 0) this.#timer = setTimeout(() => this.#poll(generation), every);
  }

  #fail(generation, message) {
    if (generation !== this.#generation) return;
    this.dataset.state = "error";
    const section = this.#root.querySelector("section");
    section.setAttribute("aria-busy", "false");
    section.replaceChildren(el("div", { part: "status", role: "alert", textContent: `Not verified — ${message}` }));
  }

  #render(s) {
    this.dataset.state = s.verified && s.matchesNode ? "verified" : "error";
    const claim = s.matchesNode ? "the node's claim matches" : "the node's claim DIFFERS";
    const status = `${s.verified ? "Verified in this page" : "Not verified"} · anchor: ${s.anchor} · ${claim}`;
    const checksOf = (cid) => s.checks.filter((c) => c.event === cid);
    const section = this.#root.querySelector("section");
    section.setAttribute("aria-label", `Ceramic document ${s.streamId}`);
    section.setAttribute("aria-busy", "false");
    section.replaceChildren(
      el("div", { part: "status", role: "status", "aria-live": "polite", textContent: status }),
      el("pre", { part: "content", tabindex: "0", "aria-label": "Document content", textContent: JSON.stringify(s.content, null, 2) }),
      el("details", { part: "proof" },
        el("summary", { part: "summary", textContent: `Proof: ${s.log.length} events, ${s.checks.length} checks` }),
        el("dl", { part: "facts", "aria-label": "Document facts" },
          ...[["Stream", s.streamId], ["Controller", s.controller], ["Model", s.model], ["Tip", s.commitId],
            ["Anchor", s.anchor], ["Node's claim", s.matchesNode ? "matches" : "differs"]]
            .flatMap(([k, v]) => [el("dt", { textContent: k }), el("dd", { textContent: v })])),
        el("ol", { part: "events", "aria-label": "Events, oldest first" },
          ...s.log.map((e) => el("li", { part: "event", "aria-label": `${e.kind} event ${e.cid}` },
            `${e.kind} ${e.cid}${anchorText(e)}`,
            el("ul", {}, ...checksOf(e.cid).map((c) => el("li", { textContent: `${c.kind}: ${c.detail}` })))))),
        s.notChecked.length ? el("p", { textContent: `Not checked: ${s.notChecked.join("; ")}` }) : undefined,
      ),
    );
  }
}

if (!customElements.get("ceramic-document")) customElements.define("ceramic-document", CeramicDocumentElement);
