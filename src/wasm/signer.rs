use std::cell::RefCell;
use std::rc::{Rc, Weak};

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::JsResult;
use crate::codec::{Block, DAG_CBOR};
use crate::did::{kid_for, Algorithm, DidKey, Ed25519Signer, Signer};
use crate::error::{Error, Result};
use crate::http::AsyncSigner;

#[wasm_bindgen(typescript_custom_section)]
const TS_SIGNER: &'static str = r#"
/** What signs Ceramic events: `KeyDidSigner`, `ExternalSigner`, `CacaoSession`, or any object of this shape. */
export interface Signer {
  /** The DID whose key signs (`did:key:…`). */
  readonly did: string;
  /** The account that controls the streams it creates (a CACAO's issuer, else `did`). */
  readonly controller: string;
  /** JWS algorithm. */
  readonly alg: "EdDSA" | "ES256" | "ES256K";
  /** JWS `kid` (`did#fragment`). */
  readonly kid: string;
  /** The CACAO block the signer acts under, if any. */
  readonly capability?: Uint8Array;
  /** Sign the JWS signing input; resolve to the raw 64-byte signature. `context` holds the event payload the input signs. */
  sign(input: Uint8Array, context?: SigningContext): Uint8Array | Promise<Uint8Array>;
}

/** What an event's signer is handed beside the signing input. */
export interface SigningContext {
  /** The event payload's DAG-CBOR block: the input signs its CID. `inspectSigningRequest(input, payload)` reads it. */
  payload: Uint8Array;
}

/** What a signing input signs, read back from its bytes by `inspectSigningRequest`. */
export interface SigningRequestInfo {
  /** A new stream, or an update of one. */
  kind: "init" | "data";
  /** JWS algorithm. */
  alg: string;
  /** The key asked to sign (`did#fragment`). */
  kid: string;
  /** The CID of the CACAO the signature acts under, if any. */
  capability?: string;
  /** The payload's CID: what the signature commits to. */
  payloadCid: string;
  /** Init: the new stream's controller. */
  controller?: string;
  /** Init: the Model (the METAMODEL when a Model is created). */
  model?: string;
  /** Init: the initial content (`null` for a deterministic document). */
  content?: JsonValue;
  /** Data: the document updated. */
  stream?: string;
  /** Data: the tip the update follows. */
  prev?: string;
  /** Data: the JSON-Patch operations, the change itself. */
  patch?: { op: string; path: string; value?: JsonValue; from?: string }[];
}

/** Options of `new ExternalSigner(…)`. */
export interface ExternalSignerOptions {
  /** The signing key's did:key. */
  did: string;
  /** The key's JWS algorithm. */
  alg: "EdDSA" | "ES256" | "ES256K";
  /** Signs the bytes it is given and resolves to the raw 64-byte signature (r‖s for ECDSA). A
   * rejection whose `code` is `"SIGNER_REJECTED"` or `4001` (EIP-1193's user rejection) ends the
   * call with `SIGNER_REJECTED`, any other with `SIGNER_FAILED`. */
  sign: (input: Uint8Array, context: SigningContext) => Uint8Array | Promise<Uint8Array>;
  /** JWS `kid`; defaults to `did#<method-specific id>`. */
  kid?: string;
}
"#;

/// A did:key Ed25519 identity. The private key stays in wasm memory (zeroized when freed) unless
/// exported with `exportSeed()`.
///
/// ```ts
/// const signer = KeyDidSigner.generate();
/// signer.did; // "did:key:z6Mk…"
/// signer.free(); // wipes the key
/// ```
#[wasm_bindgen(js_name = KeyDidSigner)]
pub struct JsKeyDidSigner {
    key: Rc<Ed25519Signer>,
    /// An unguessable handle by which the client finds this key when the signer object comes
    /// back from JS (see `JsSignerAdapter::new`): 53 random bits, a JS number. A number crosses
    /// the boundary without the string decoding and encoding a text token cost each write (3.9 %
    /// of building an event in Chromium, BENCHMARKS.md); a script in the page without the signer
    /// object would need ~2^52 signing calls to find one.
    token: u64,
}

thread_local! {
    /// The KeyDidSigners alive in this module, by token: a client given one signs in wasm
    /// directly (no round trip through JS, no check of a signature made here).
    /// A vector, searched: a page holds a few signers, and a hash map would link its own table
    /// code (~2 K of wasm).
    static KEYS: RefCell<Vec<(u64, Weak<Ed25519Signer>)>> = const { RefCell::new(Vec::new()) };
}

impl JsKeyDidSigner {
    fn register(key: Ed25519Signer) -> Result<JsKeyDidSigner> {
        let mut raw = [0u8; 8];
        getrandom::fill(&mut raw).map_err(|e| Error::Signer(format!("getrandom: {e}")))?;
        // Exactly representable as a JS number.
        let token = u64::from_le_bytes(raw) & ((1 << 53) - 1);
        let key = Rc::new(key);
        KEYS.with(|k| k.borrow_mut().push((token, Rc::downgrade(&key))));
        Ok(JsKeyDidSigner { key, token })
    }
}

impl Drop for JsKeyDidSigner {
    fn drop(&mut self) {
        let _ = KEYS.try_with(|k| k.borrow_mut().retain(|(t, _)| *t != self.token));
    }
}

#[wasm_bindgen(js_class = KeyDidSigner)]
impl JsKeyDidSigner {
    /// A new random key from `crypto.getRandomValues`.
    ///
    /// ```ts
    /// const signer = KeyDidSigner.generate();
    /// ```
    pub fn generate() -> JsResult<JsKeyDidSigner> {
        Ok(JsKeyDidSigner::register(Ed25519Signer::generate()?)?)
    }

    /// The key with this 32-byte seed.
    ///
    /// ```ts
    /// const signer = KeyDidSigner.fromSeed(new Uint8Array(32));
    /// ```
    #[wasm_bindgen(js_name = fromSeed)]
    pub fn from_seed(seed: &[u8]) -> JsResult<JsKeyDidSigner> {
        Ok(JsKeyDidSigner::register(Ed25519Signer::from_seed(seed)?)?)
    }

    /// The DID, `did:key:z6Mk…`.
    ///
    /// ```ts
    /// signer.did;
    /// ```
    #[wasm_bindgen(getter)]
    pub fn did(&self) -> String {
        Signer::did(&*self.key).into()
    }

    /// The controller of streams it creates: its own DID.
    ///
    /// ```ts
    /// signer.controller === signer.did;
    /// ```
    #[wasm_bindgen(getter)]
    pub fn controller(&self) -> String {
        self.did()
    }

    /// `"EdDSA"`.
    ///
    /// ```ts
    /// signer.alg;
    /// ```
    #[wasm_bindgen(getter, unchecked_return_type = "\"EdDSA\"")]
    pub fn alg(&self) -> String {
        "EdDSA".into()
    }

    /// The JWS `kid`.
    ///
    /// ```ts
    /// signer.kid; // "did:key:z6Mk…#z6Mk…"
    /// ```
    #[wasm_bindgen(getter)]
    pub fn kid(&self) -> String {
        Signer::kid(&*self.key)
    }

    /// The 32-byte public key.
    ///
    /// ```ts
    /// signer.publicKey; // Uint8Array(32)
    /// ```
    #[wasm_bindgen(getter, js_name = publicKey)]
    pub fn public_key(&self) -> Vec<u8> {
        self.key.public_key().to_vec()
    }

    /// Sign bytes (the JWS signing input) with the key.
    ///
    /// ```ts
    /// const sig = signer.sign(bytes); // Uint8Array(64)
    /// ```
    pub fn sign(&self, input: &[u8]) -> JsResult<Vec<u8>> {
        Ok(Signer::sign(&*self.key, input)?)
    }

    /// Export the private seed (32 bytes). Only call this to back the key up.
    ///
    /// ```ts
    /// const seed = signer.exportSeed();
    /// ```
    #[wasm_bindgen(js_name = exportSeed)]
    pub fn export_seed(&self) -> Vec<u8> {
        self.key.export_seed().to_vec()
    }

    /// Internal: the handle by which this module's client recognises the key.
    #[wasm_bindgen(getter, js_name = __ceramicKey, skip_typescript)]
    pub fn ceramic_key(&self) -> f64 {
        self.token as f64
    }
}

/// A key held elsewhere — a wallet, a browser extension, WebCrypto, a hardware key — that signs
/// through an async callback.
///
/// ```ts
/// const ext = new ExternalSigner({ did, alg: "ES256", sign: async (bytes) => await wallet.sign(bytes) });
/// ```
#[wasm_bindgen(js_name = ExternalSigner)]
pub struct JsExternalSigner {
    did: String,
    alg: Algorithm,
    kid: String,
    sign: js_sys::Function,
}

#[wasm_bindgen(js_class = ExternalSigner)]
impl JsExternalSigner {
    /// Wrap a signing callback for a did:key whose type matches `alg`.
    ///
    /// ```ts
    /// new ExternalSigner({ did: "did:key:zDn…", alg: "ES256", sign });
    /// ```
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "ExternalSignerOptions")] options: JsValue,
    ) -> JsResult<JsExternalSigner> {
        let did = get_string(&options, "did")?;
        let alg: Algorithm = get_string(&options, "alg")?.parse()?;
        let key = DidKey::parse(&did)?;
        if key.public_key().algorithm() != alg {
            return Err(Error::Signer(format!(
                "{did} signs with {}, not {alg}",
                key.public_key().algorithm()
            ))
            .into());
        }
        let sign = js_sys::Reflect::get(&options, &"sign".into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
            .ok_or_else(|| Error::Signer("options.sign must be a function".into()))?;
        let kid = match js_sys::Reflect::get(&options, &"kid".into())
            .ok()
            .and_then(|k| k.as_string())
        {
            Some(k) => k,
            None => kid_for(&did),
        };
        Ok(JsExternalSigner {
            did,
            alg,
            kid,
            sign,
        })
    }

    /// The key's DID.
    ///
    /// ```ts
    /// ext.did;
    /// ```
    #[wasm_bindgen(getter)]
    pub fn did(&self) -> String {
        self.did.clone()
    }

    /// The controller of streams it creates: its own DID.
    ///
    /// ```ts
    /// ext.controller;
    /// ```
    #[wasm_bindgen(getter)]
    pub fn controller(&self) -> String {
        self.did.clone()
    }

    /// The JWS algorithm.
    ///
    /// ```ts
    /// ext.alg; // "ES256"
    /// ```
    #[wasm_bindgen(getter, unchecked_return_type = "\"EdDSA\" | \"ES256\" | \"ES256K\"")]
    pub fn alg(&self) -> String {
        self.alg.as_str().into()
    }

    /// The JWS `kid`.
    ///
    /// ```ts
    /// ext.kid;
    /// ```
    #[wasm_bindgen(getter)]
    pub fn kid(&self) -> String {
        self.kid.clone()
    }

    /// Call the wrapped callback (with the event payload in `context` when an event is signed).
    ///
    /// ```ts
    /// await ext.sign(bytes);
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Promise<Uint8Array>")]
    pub fn sign(&self, input: &[u8], context: Option<js_sys::Object>) -> JsResult<JsValue> {
        let arg = js_sys::Uint8Array::from(input);
        let context = context.map_or(JsValue::UNDEFINED, JsValue::from);
        let r = self.sign.call2(&JsValue::NULL, &arg, &context)?;
        Ok(js_sys::Promise::resolve(&r).into())
    }
}

/// Read what a signing input signs from its bytes and the event payload's block (the
/// `context.payload` a signer is handed): a wallet shows this to its user rather than what the
/// asking page says. Rejects with `INVALID_EVENT` if the input names another payload. (Async:
/// its code is in the package's lazily loaded part, which wallets load and pages do not.)
///
/// ```ts
/// const signer = new ExternalSigner({ did, alg: "EdDSA", sign: async (input, { payload }) => {
///   const info = await inspectSigningRequest(input, payload); // { kind: "data", stream, patch, … }
///   if (!(await askUser(info))) throw Object.assign(new Error("rejected"), { code: 4001 });
///   return key.sign(input);
/// } });
/// ```
#[wasm_bindgen(
    js_name = inspectSigningRequest,
    unchecked_return_type = "Promise<SigningRequestInfo>"
)]
pub fn inspect_signing_request(input: Vec<u8>, payload: Vec<u8>) -> js_sys::Promise {
    super::promise(super::lazy::in_part(async move {
        super::to_js_json(&crate::events::inspect_signing_request(&input, &payload)?)
    }))
}

pub(crate) fn get_string(obj: &JsValue, key: &'static str) -> Result<String> {
    super::get(obj, key)
        .as_string()
        .ok_or_else(|| Error::Signer(format!("{key} must be a string")))
}

/// Any JS object of the `Signer` shape, driven from Rust.
pub(crate) struct JsSignerAdapter {
    obj: JsValue,
    /// A KeyDidSigner of this module: signs here, directly.
    local: Option<Rc<Ed25519Signer>>,
    did: String,
    controller: String,
    alg: Algorithm,
    kid: String,
    capability: Option<Block>,
}

impl JsSignerAdapter {
    pub(crate) fn new(obj: JsValue) -> Result<Self> {
        if obj.is_undefined() || obj.is_null() {
            return Err(Error::Signer("a signer is required".into()));
        }
        let local = super::get(&obj, "__ceramicKey")
            .as_f64()
            .filter(|t| t.fract() == 0.0 && *t >= 0.0 && *t < 9_007_199_254_740_992.0)
            .and_then(|t| {
                let t = t as u64;
                KEYS.with(|k| {
                    let k = k.borrow();
                    k.iter()
                        .find(|(x, _)| *x == t)
                        .and_then(|(_, w)| w.upgrade())
                })
            });
        if let Some(key) = local {
            return Ok(JsSignerAdapter {
                did: Signer::did(&*key).to_string(),
                controller: Signer::did(&*key).to_string(),
                alg: Algorithm::EdDSA,
                kid: Signer::kid(&*key),
                capability: None,
                local: Some(key),
                obj,
            });
        }
        let did = get_string(&obj, "did")?;
        let controller = get_string(&obj, "controller").unwrap_or_else(|_| did.clone());
        let alg = get_string(&obj, "alg")?.parse()?;
        let kid = get_string(&obj, "kid").unwrap_or_else(|_| kid_for(&did));
        let capability = js_sys::Reflect::get(&obj, &"capability".into())
            .ok()
            .filter(|v| v.is_instance_of::<js_sys::Uint8Array>())
            .map(|v| Block::new(DAG_CBOR, js_sys::Uint8Array::from(v).to_vec()));
        Ok(JsSignerAdapter {
            obj,
            local: None,
            did,
            controller,
            alg,
            kid,
            capability,
        })
    }
}

impl JsSignerAdapter {
    /// Load the lazily loaded part before a write if this signer's own event will need it (an
    /// ES256/ES256K key, or a capability: its signature is checked there), so that no write is
    /// ever repeated after it was posted.
    pub(crate) async fn prepare(&self) -> super::JsResult<()> {
        let needs =
            self.local.is_none() && (self.alg != Algorithm::EdDSA || self.capability.is_some());
        if needs {
            super::lazy::load().await?;
        }
        Ok(())
    }
}

impl AsyncSigner for JsSignerAdapter {
    fn did(&self) -> &str {
        &self.did
    }
    fn controller(&self) -> &str {
        &self.controller
    }
    fn algorithm(&self) -> Algorithm {
        self.alg
    }
    fn kid(&self) -> String {
        self.kid.clone()
    }
    fn capability(&self) -> Option<&Block> {
        self.capability.as_ref()
    }
    fn trusted(&self) -> bool {
        self.local.is_some()
    }
    async fn sign(&self, input: Vec<u8>) -> Result<Vec<u8>> {
        self.call_sign(input, None).await
    }
    async fn sign_event(&self, input: Vec<u8>, payload: &Block) -> Result<Vec<u8>> {
        self.call_sign(input, Some(payload)).await
    }
}

/// The error of a signer's failed call: `SIGNER_REJECTED` when it says its user declined
/// (`code` "SIGNER_REJECTED", or EIP-1193's 4001), else `SIGNER_FAILED`.
fn signer_error(e: &JsValue) -> Error {
    let message = super::transport_message(e);
    let code = super::get(e, "code");
    if code.as_string().as_deref() == Some("SIGNER_REJECTED") || code.as_f64() == Some(4001.0) {
        Error::SignerRejected(message)
    } else {
        Error::Signer(message)
    }
}

impl JsSignerAdapter {
    async fn call_sign(&self, input: Vec<u8>, payload: Option<&Block>) -> Result<Vec<u8>> {
        if let Some(key) = &self.local {
            return Signer::sign(&**key, &input);
        }
        let f = js_sys::Reflect::get(&self.obj, &"sign".into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
            .ok_or_else(|| Error::Signer("the signer has no sign method".into()))?;
        let context = match payload {
            Some(block) => {
                let o = js_sys::Object::new();
                let bytes = js_sys::Uint8Array::from(block.bytes.as_slice());
                js_sys::Reflect::set(&o, &"payload".into(), &bytes)
                    .map_err(|e| Error::Signer(super::transport_message(&e)))?;
                o.into()
            }
            None => JsValue::UNDEFINED,
        };
        let r = f
            .call2(
                &self.obj,
                &js_sys::Uint8Array::from(input.as_slice()),
                &context,
            )
            .map_err(|e| signer_error(&e))?;
        let v = JsFuture::from(js_sys::Promise::resolve(&r))
            .await
            .map_err(|e| signer_error(&e))?;
        if !v.is_instance_of::<js_sys::Uint8Array>() {
            return Err(Error::Signer("sign() must resolve to a Uint8Array".into()));
        }
        Ok(js_sys::Uint8Array::from(v).to_vec())
    }
}
