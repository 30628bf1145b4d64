import type { DocumentState } from "../ceramic_wasm.js";

/**
 * `<ceramic-document stream="k…" node="https://…" [ethereum="https://rpc…"] [refresh="5000"]>`:
 * a document loaded and verified in the page, with a proof panel. Fires `ceramic-document-load`
 * (detail: the `DocumentState`) after each verification.
 *
 * ```ts
 * import "ceramic-wasm/element";
 * document.body.insertAdjacentHTML("beforeend", `<ceramic-document stream="${id}" node="${url}"></ceramic-document>`);
 * ```
 */
export declare class CeramicDocumentElement extends HTMLElement {
  /** The last verified state, or null. */
  readonly state: DocumentState | null;
}

declare global {
  interface HTMLElementTagNameMap {
    "ceramic-document": CeramicDocumentElement;
  }
}
