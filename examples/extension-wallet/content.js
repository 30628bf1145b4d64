// The bridge between a page and the wallet's service worker (an isolated-world content script).
// The page posts { target: "ceramic-wallet", id, method, params } to its own window; this script
// forwards it to the service worker and posts the answer back as { target: "ceramic-wallet-page",
// id, result | error }. The page never reaches the extension in any other way, and this script
// holds no key and decides nothing: the service worker checks every request.
const METHODS = new Set(["ceramic_ping", "ceramic_connect", "ceramic_sign"]);

window.addEventListener("message", async (event) => {
  const msg = event.data;
  if (event.source !== window || msg?.target !== "ceramic-wallet" || !METHODS.has(msg.method)) return;
  let reply;
  try {
    reply = await chrome.runtime.sendMessage({ method: msg.method, params: msg.params ?? {} });
    reply ??= { error: { code: "SIGNER_FAILED", message: "the wallet did not answer" } };
  } catch (e) {
    // The extension was reloaded or its worker died mid-request.
    reply = { error: { code: "SIGNER_FAILED", message: `the wallet is unreachable: ${e.message}` } };
  }
  window.postMessage({ target: "ceramic-wallet-page", id: msg.id, ...reply }, location.origin);
});
