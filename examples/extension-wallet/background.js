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
import init, { KeyDidSigner, StreamID, inspectSigningRequest } from "./ceramic-wasm/web/index.js";

// Service workers may not use top-level await: every handler awaits this instead.
const ready = init();
/** Told apart across restarts (the tests check that a restarted worker kept the key). */
const instance = crypto.randomUUID();
const ITERATIONS = 600_000;

let signer = null; // KeyDidSigner while unlocked
let locks = 0; // bumped by lock(): a vault being reopened meanwhile is not kept
const pending = new Map(); // request id -> { request, resolve, windowId }

// In chunks: spreading a large payload into one call overflows the argument limit.
const binary = (bytes) => Array.from({ length: Math.ceil(bytes.length / 8192) }, (_, i) => String.fromCharCode(...bytes.subarray(i * 8192, (i + 1) * 8192))).join("");
const b64 = (bytes) => btoa(binary(bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const unb64 = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
const walletError = (code, message) => Object.assign(new Error(message), { code });

async function vaultKey(passphrase, salt, iterations = ITERATIONS) {
  const base = await crypto.subtle.importKey("raw", new TextEncoder().encode(passphrase), "PBKDF2", false, ["deriveBits"]);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, base, 256));
}

async function aes(keyBytes, usage) {
  return crypto.subtle.importKey("raw", keyBytes, "AES-GCM", false, [usage]);
}

/** A new key, sealed under `passphrase`. */
async function createVault(passphrase) {
  if (typeof passphrase !== "string" || passphrase.length < 8) {
    throw walletError("WEAK_PASSPHRASE", "choose a passphrase of 8 characters or more");
  }
  if ((await chrome.storage.local.get("vault")).vault) throw walletError("HAS_KEY", "the wallet has a key already");
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
  const generation = locks;
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
  if (generation !== locks) {
    opened.free(); // locked while this was opening
    throw walletError("LOCKED", "the wallet was locked");
  }
  signer?.free();
  signer = opened;
}

async function unlock(passphrase) {
  const { vault } = await chrome.storage.local.get("vault");
  if (!vault) throw walletError("NO_KEY", "the wallet has no key yet");
  const key = await vaultKey(passphrase, unb64(vault.kdf.salt), vault.kdf.iterations);
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
  locks++;
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
  const p = pending.get(id);
  if (p) p.windowId = win.id;
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

const METAMODEL = "kh4q0ozorrgaq2mezktnrmdwleo1d";

/**
 * The StreamID of the stream a signed init event creates: its CID is the DAG-JOSE envelope's,
 * `{ payload, signatures: [{ protected, signature }] }` in canonical DAG-CBOR (keys by length,
 * then bytes), hashed with SHA-256. Computed here so that the wallet can tell its user, when a
 * page asks to update a document, which Model it is of and which site created it.
 */
async function createdStreamId(input, signature, model) {
  const [protectedPart, payloadPart] = new TextDecoder().decode(input).split(".");
  const text = (s) => [0x60 + s.length, ...new TextEncoder().encode(s)]; // keys: all under 24 bytes
  const bytes = (b) => [...(b.length < 24 ? [0x40 + b.length] : b.length < 256 ? [0x58, b.length] : [0x59, b.length >> 8, b.length & 255]), ...b];
  const envelope = Uint8Array.from([
    0xa2, ...text("payload"), ...bytes(unb64(payloadPart)),
    ...text("signatures"), 0x81, 0xa2, ...text("protected"), ...bytes(unb64(protectedPart)), ...text("signature"), ...bytes(signature),
  ]);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", envelope));
  // StreamID: varint 0xce (streamid), type (2 Model, 3 document), CIDv1, dag-jose (0x85), sha2-256.
  const type = model === METAMODEL ? 2 : 3;
  return StreamID.fromBytes(Uint8Array.from([0xce, 0x01, type, 0x01, 0x85, 0x01, 0x12, 0x20, ...digest])).toString();
}

async function connectedOrigins() {
  return (await chrome.storage.local.get("origins")).origins ?? {};
}

// Requests from pages (through content.js).
async function fromPage(method, params, origin) {
  if (method === "ceramic_ping") return { wallet: "ceramic-wasm sample" };
  if (method === "ceramic_connect") {
    if (!/^https?:\/\//.test(origin)) throw walletError("SIGNER_REJECTED", `pages of origin ${origin} cannot connect`);
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
      info = await inspectSigningRequest(input, unb64(params.payload));
    } catch (e) {
      throw walletError("SIGNER_FAILED", `not a Ceramic event the wallet can show: ${e.message}`);
    }
    const { did } = await status();
    if (info.kid.split("#")[0] !== did) throw walletError("SIGNER_FAILED", `the request is for ${info.kid}, not this wallet's key`);
    const { created = {} } = await chrome.storage.local.get("created");
    const known = info.stream ? created[info.stream] ?? null : undefined;
    if (!(await ask({ method, origin, info, known }))) throw walletError("SIGNER_REJECTED", "the user rejected the request");
    const key = await currentSigner();
    if (!key) throw walletError("SIGNER_FAILED", "the wallet is locked");
    const signature = key.sign(input);
    if (info.kind === "init") {
      const id = await createdStreamId(input, signature, info.model);
      const all = (await chrome.storage.local.get("created")).created ?? {};
      await chrome.storage.local.set({ created: { ...all, [id]: { model: info.model, origin, at: Date.now() } } });
    }
    return { signature: b64(signature) };
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

// An open prompt holds a port and pings on it, which keeps this worker running while its user reads.
chrome.runtime.onConnect.addListener((port) => {
  if (port.sender?.id === chrome.runtime.id) port.onMessage.addListener(() => {});
});

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
