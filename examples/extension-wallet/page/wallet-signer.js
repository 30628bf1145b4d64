// For the dapp's page: connect to the wallet extension and sign through it. Copy this file into
// your app; it talks to the extension's content script with window.postMessage.
//
//   const { did, signer } = await connectWallet();
//   await client.createDocument({ model, content, signer }); // the wallet asks its user
import { CeramicError, ExternalSigner } from "ceramic-wasm";

const binary = (bytes) => Array.from({ length: Math.ceil(bytes.length / 8192) }, (_, i) => String.fromCharCode(...bytes.subarray(i * 8192, (i + 1) * 8192))).join("");
const b64 = (bytes) => btoa(binary(bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const unb64 = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
let next = 0;

/** One request to the wallet; `timeout` (ms) only for requests that no person has to answer. */
function call(method, params = {}, timeout) {
  const id = `${Date.now()}-${next++}`;
  return new Promise((resolve, reject) => {
    const timer = timeout && setTimeout(() => {
      removeEventListener("message", onMessage);
      reject(new CeramicError("SIGNER_FAILED", "no Ceramic wallet extension answered on this page"));
    }, timeout);
    function onMessage(event) {
      const msg = event.data;
      if (event.source !== window || msg?.target !== "ceramic-wallet-page" || msg.id !== id) return;
      removeEventListener("message", onMessage);
      clearTimeout(timer);
      if (msg.error) {
        // The code travels: "SIGNER_REJECTED" when the user said no, which the client reports as is.
        reject(new CeramicError(msg.error.code === "SIGNER_REJECTED" ? "SIGNER_REJECTED" : "SIGNER_FAILED", `wallet: ${msg.error.message}`));
      } else resolve(msg.result);
    }
    addEventListener("message", onMessage);
    postMessage({ target: "ceramic-wallet", id, method, params }, location.origin);
  });
}

/**
 * Ask the wallet to connect this site (its user approves once per site) and return its DID and
 * an `ExternalSigner` that signs through it. Rejects with `SIGNER_REJECTED` if the user declines,
 * `SIGNER_FAILED` if no wallet answers within `timeout` ms.
 */
export async function connectWallet({ timeout = 2000 } = {}) {
  await call("ceramic_ping", {}, timeout);
  const { did } = await call("ceramic_connect");
  const signer = new ExternalSigner({
    did,
    alg: "EdDSA",
    // The wallet shows its user what `input` signs, read from `payload` (the event payload whose
    // CID the input carries), and signs only that.
    sign: async (input, context) => {
      const { signature } = await call("ceramic_sign", { input: b64(input), payload: context?.payload && b64(context.payload) });
      return unb64(signature);
    },
  });
  return { did, signer };
}
