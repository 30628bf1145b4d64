// The wallet's service worker: holds the key, asks the user, signs.
//
// - The key is a did:key (Ed25519) made by ceramic-wasm's KeyDidSigner. At rest it is a vault in
//   chrome.storage.local: its seed encrypted with AES-GCM under a key derived from the user's
//   passphrase (PBKDF2-SHA-256, 600,000 iterations), the DID as additional data.
// - Unlocked, the signer lives in this worker's wasm memory. Chrome stops an idle service worker
//   after ~30 s; so that this loses no key, the vault key (never the seed) is kept in
//   chrome.storage.session — memory only, readable by the extension's own pages and worker, gone
//   when the browser closes or the user locks the wallet — and the vault is opened again when the
//   worker restarts.
// - Pages ask through content.js: `ceramic_connect` (the user approves the site once) and
//   `ceramic_sign` (each event: the user sees what the signature commits to — read from the
//   payload bytes with inspectSigningRequest, not from anything the page says — and approves or
//   rejects it).
import init, { KeyDidSigner, inspectSigningRequest } from "./ceramic-wasm/web/index.js";

// Service workers may not use top-level await: every handler awaits this instead.
const ready = init();
/** Told apart across restarts (the tests check that a restarted worker kept the key). */
const instance = crypto.randomUUID();
const ITERATIONS = 600_000;

let signer = null; // KeyDidSigner while unlocked
const pending = new Map(); // request id -> { request, resolve, windowId }

const b64 = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const unb64 = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
const walletError = (code, message) => Object.assign(new Error(message), { code });

async function vaultKey(passphrase, salt) {
  const base = await crypto.subtle.importKey("raw", new TextEncoder().encode(passphrase), "PBKDF2", false, ["deriveBits"]);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations: ITERATIONS }, base, 256));
}

async function aes(keyBytes, usage) {
  return crypto.subtle.importKey("raw", keyBytes, "AES-GCM", false, [usage]);
}

/** A new key, sealed under `passphrase`. */
async function createVault(passphrase) {
  if (typeof passphrase !== "string" || passphrase.length < 8) {
    throw walletError("WEAK_PASSPHRASE", "choose a passphrase of 8 characters or more");
  }
  await ready;
  const fresh = KeyDidSigner.generate();
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const key = await vaultKey(passphrase, salt);
  const seed = fresh.exportSeed(); // the one place the seed leaves wasm: to be encrypted
  const data = new Uint8Array(await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(fresh.did) }, await aes(key, "encrypt"), seed));
  seed.fill(0);
  const vault = { version: 1, did: fresh.did, kdf: { name: "PBKDF2", hash: "SHA-256", iterations: ITERATIONS, salt: b64(salt) },
    cipher: { name: "AES-GCM", iv: b64(iv) }, data: b64(data) };
  await chrome.storage.local.set({ vault });
  await chrome.storage.session.set({ vaultKey: b64(key) });
  signer?.free();
  signer = fresh;
}

/** Open the vault with the vault key; a wrong key fails AES-GCM's check. */
async function openVault(vault, key) {
  await ready;
  let seed;
  try {
    seed = new Uint8Array(await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: unb64(vault.cipher.iv), additionalData: new TextEncoder().encode(vault.did) },
      await aes(key, "decrypt"), unb64(vault.data)));
  } catch {
    throw walletError("WRONG_PASSPHRASE", "wrong passphrase");
  }
  const opened = KeyDidSigner.fromSeed(seed);
  seed.fill(0);
  if (opened.did !== vault.did) throw walletError("VAULT_CORRUPT", "the vault holds another key than it names");
  signer?.free();
  signer = opened;
}

async function unlock(passphrase) {
  const { vault } = await chrome.storage.local.get("vault");
  if (!vault) throw walletError("NO_KEY", "the wallet has no key yet");
  const key = await vaultKey(passphrase, unb64(vault.kdf.salt));
  await openVault(vault, key);
  await chrome.storage.session.set({ vaultKey: b64(key) });
}

/** The unlocked signer, reopened after a worker restart from the session's vault key; or null. */
async function currentSigner() {
  if (signer) return signer;
  const [{ vault }, { vaultKey: key }] = await Promise.all([chrome.storage.local.get("vault"), chrome.storage.session.get("vaultKey")]);
  if (vault && key) await openVault(vault, unb64(key));
  return signer;
}

async function lock() {
  await chrome.storage.session.remove("vaultKey");
  signer?.free();
  signer = null;
}

async function status() {
  const { vault } = await chrome.storage.local.get("vault");
  const unlocked = !!(await currentSigner());
  return { hasKey: !!vault, did: vault?.did ?? null, unlocked, instance };
}

/** Ask the user in a window of the extension; resolves when they decide (or close it: rejected). */
async function ask(request) {
  const id = crypto.randomUUID();
  const decided = new Promise((resolve) => pending.set(id, { request, resolve }));
  const win = await chrome.windows.create({ url: `wallet.html?request=${id}`, type: "popup", width: 440, height: 640 });
  pending.get(id).windowId = win.id;
  return decided;
}

chrome.windows.onRemoved.addListener((windowId) => {
  for (const [id, p] of pending) {
    if (p.windowId === windowId) {
      pending.delete(id);
      p.resolve(false);
    }
  }
});

async function connectedOrigins() {
  return (await chrome.storage.local.get("origins")).origins ?? {};
}

// Requests from pages (through content.js).
async function fromPage(method, params, origin) {
  if (method === "ceramic_ping") return { wallet: "ceramic-wasm sample", instance };
  if (method === "ceramic_connect") {
    const origins = await connectedOrigins();
    if (!origins[origin] || !(await currentSigner())) {
      if (!(await ask({ method, origin }))) throw walletError("SIGNER_REJECTED", "the user rejected the connection");
      await chrome.storage.local.set({ origins: { ...(await connectedOrigins()), [origin]: true } });
    }
    return { did: (await status()).did };
  }
  if (method === "ceramic_sign") {
    if (!(await connectedOrigins())[origin]) throw walletError("SIGNER_REJECTED", `${origin} is not connected to the wallet`);
    if (typeof params.input !== "string" || typeof params.payload !== "string") {
      throw walletError("SIGNER_FAILED", "the wallet signs only Ceramic events it can show: input and payload are required");
    }
    await ready;
    const input = unb64(params.input);
    let info;
    try {
      info = inspectSigningRequest(input, unb64(params.payload));
    } catch (e) {
      throw walletError("SIGNER_FAILED", `not a Ceramic event the wallet can show: ${e.message}`);
    }
    const { did } = await status();
    if (info.kid.split("#")[0] !== did) throw walletError("SIGNER_FAILED", `the request is for ${info.kid}, not this wallet's key`);
    if (!(await ask({ method, origin, info }))) throw walletError("SIGNER_REJECTED", "the user rejected the request");
    const key = await currentSigner();
    if (!key) throw walletError("SIGNER_FAILED", "the wallet is locked");
    return { signature: b64(key.sign(input)) };
  }
  throw walletError("SIGNER_FAILED", `unknown method ${method}`);
}

// Requests from the wallet's own page (the popup and the approval window).
async function fromWalletPage(msg) {
  switch (msg.type) {
    case "status":
      return status();
    case "create":
      await createVault(msg.passphrase);
      return status();
    case "unlock":
      await unlock(msg.passphrase);
      return status();
    case "lock":
      await lock();
      return status();
    case "pending": {
      const p = pending.get(msg.id);
      if (!p) throw walletError("NOT_PENDING", "this request was answered or has gone (the wallet restarted)");
      return { ...p.request, ...(await status()) };
    }
    case "decide": {
      const p = pending.get(msg.id);
      if (!p) throw walletError("NOT_PENDING", "this request was answered or has gone (the wallet restarted)");
      if (msg.approve) {
        // Approving needs the key: create it or unlock it first (a wrong passphrase leaves the
        // request open, for another try).
        const s = await status();
        if (!s.hasKey) await createVault(msg.passphrase ?? "");
        else if (!s.unlocked) await unlock(msg.passphrase ?? "");
      }
      pending.delete(msg.id);
      p.resolve(!!msg.approve);
      return { ok: true };
    }
    default:
      throw walletError("SIGNER_FAILED", `unknown wallet message ${msg.type}`);
  }
}

chrome.runtime.onMessage.addListener((msg, sender, sendResponse) => {
  const fromExtension = sender.id === chrome.runtime.id && sender.url?.startsWith(chrome.runtime.getURL(""));
  const work = fromExtension && msg.type
    ? fromWalletPage(msg)
    : sender.tab && sender.origin
      ? fromPage(msg.method, msg.params ?? {}, sender.origin)
      : Promise.reject(walletError("SIGNER_FAILED", "unknown sender"));
  work.then((result) => sendResponse({ result }), (e) => sendResponse({ error: { code: e.code ?? "SIGNER_FAILED", message: e.message } }));
  return true; // answers asynchronously
});
