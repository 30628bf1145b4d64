use std::cell::RefCell;
use std::rc::Rc;

use super::now;
use super::JsResult;
use crate::did::{CacaoSession, SessionParams, SessionRequest};
use crate::error::Error;
use crate::http::AsyncSigner;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_SESSION: &'static str = r#"
/** What `CacaoSession.request` asks the wallet to authorise. */
export interface CacaoSessionRequestOptions {
  /** The wallet's Ethereum address. */
  address: string;
  /** EIP-155 chain id (1 for mainnet). */
  chainId: number;
  /** The requesting domain, as the wallet will show it. */
  domain: string;
  /** e.g. `["ceramic://*"]` or `["ceramic://*?model=<id>"]`. */
  resources: string[];
  /** Lifetime of the session (default one day). */
  expiresInSecs?: number;
  /**
   * Write the address in the message in its EIP-55 form (default true, as wallets show it);
   * `false`: in lower case — what js-ceramic 2.x nodes rebuild when they check the CACAO.
   */
  checksumAddress?: boolean;
  /** The statement shown by the wallet. */
  statement?: string;
}
"#;

/// A Sign-In-With-Ethereum session waiting for the wallet's signature.
///
/// ```ts
/// const req = await CacaoSession.request({ address, chainId: 1, domain: location.host, resources: ["ceramic://*"] });
/// const sig = await ethereum.request({ method: "personal_sign", params: [req.message, address] });
/// const session = await req.complete(sig);
/// ```
#[wasm_bindgen(js_name = CacaoSessionRequest)]
pub struct JsCacaoSessionRequest(Rc<RefCell<Option<SessionRequest>>>);

#[wasm_bindgen(js_class = CacaoSessionRequest)]
impl JsCacaoSessionRequest {
    /// The exact SIWE text to hand to `personal_sign`.
    ///
    /// ```ts
    /// req.message;
    /// ```
    #[wasm_bindgen(getter)]
    pub fn message(&self) -> String {
        self.0
            .borrow()
            .as_ref()
            .map(|r| r.message().to_string())
            .unwrap_or_default()
    }

    /// The session key's DID (the capability's audience).
    ///
    /// ```ts
    /// req.sessionDid;
    /// ```
    #[wasm_bindgen(getter, js_name = sessionDid)]
    pub fn session_did(&self) -> String {
        self.0
            .borrow()
            .as_ref()
            .map(|r| r.session_did().to_string())
            .unwrap_or_default()
    }

    /// Finish with the wallet's signature (hex); rejects with `BAD_CAPABILITY_SIGNATURE` if it was
    /// not made by the address. A request completes once. (Async: sessions are in the package's
    /// lazily loaded part.)
    ///
    /// ```ts
    /// const session = await req.complete(signatureHex);
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Promise<CacaoSession>")]
    pub fn complete(
        &self,
        #[wasm_bindgen(js_name = signatureHex)] signature_hex: &str,
    ) -> js_sys::Promise {
        let (cell, sig) = (self.0.clone(), signature_hex.to_string());
        super::promise(async move {
            super::lazy::load().await?;
            let req = cell.borrow_mut().take().ok_or_else(|| {
                Error::InvalidCapability("this request was already completed".into())
            })?;
            Ok(JsCacaoSession(req.complete(&sig)?).into())
        })
    }
}

/// A session key acting for a `did:pkh` account under a CACAO: a `Signer` whose documents are
/// controlled by the wallet's account.
///
/// ```ts
/// const session = CacaoSession.fromSerialized(localStorage.getItem("session")!);
/// session.controller; // "did:pkh:eip155:1:0x…"
/// ```
#[wasm_bindgen(js_name = CacaoSession)]
pub struct JsCacaoSession(pub(crate) CacaoSession);

#[wasm_bindgen(js_class = CacaoSession)]
impl JsCacaoSession {
    /// Start a session: a fresh session key and the SIWE message that authorises it. (Async:
    /// sessions are in the package's lazily loaded part.)
    ///
    /// ```ts
    /// const req = await CacaoSession.request({ address, chainId: 1, domain: "app.example", resources: ["ceramic://*"] });
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Promise<CacaoSessionRequest>")]
    pub fn request(
        #[wasm_bindgen(unchecked_param_type = "CacaoSessionRequestOptions")] options: JsValue,
    ) -> js_sys::Promise {
        super::promise(super::lazy::in_part(async move {
            Ok(Self::request_now(&options)?.into())
        }))
    }
}

impl JsCacaoSession {
    /// [`request`](Self::request)'s work, in the part.
    fn request_now(options: &JsValue) -> JsResult<JsCacaoSessionRequest> {
        let get = |k: &'static str| super::get(options, k);
        let s = |k: &'static str| {
            get(k)
                .as_string()
                .ok_or_else(|| Error::InvalidCapability(format!("{k} must be a string")))
        };
        let resources = js_sys::Array::from(&get("resources"))
            .iter()
            .map(|r| {
                r.as_string()
                    .ok_or_else(|| Error::InvalidCapability("resources must be strings".into()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let chain_id = get("chainId")
            .as_f64()
            .filter(|c| *c >= 1.0 && c.fract() == 0.0)
            .ok_or_else(|| Error::InvalidCapability("chainId must be a positive integer".into()))?;
        let params = SessionParams {
            address: s("address")?,
            chain_id: chain_id as u64,
            domain: s("domain")?,
            resources,
            expires_in_secs: get("expiresInSecs").as_f64().map_or(86_400, |v| v as i64),
            statement: get("statement").as_string(),
            checksum_address: get("checksumAddress").as_bool() != Some(false),
        };
        Ok(JsCacaoSessionRequest(Rc::new(RefCell::new(Some(
            SessionRequest::new(params, now())?,
        )))))
    }
}

/// `f`, a session method's work, run in the lazily loaded part: a session exists only once the
/// part is loaded (`request` and `fromSerialized` load it), so the check never fails in practice.
fn part_call<R>(f: impl FnOnce() -> R) -> crate::error::Result<R> {
    Ok(crate::part::call(
        crate::part::require("CACAO sessions")?,
        f,
    ))
}

#[wasm_bindgen(js_class = CacaoSession)]
impl JsCacaoSession {
    /// Restore a session stored with `serialize()`.
    ///
    /// ```ts
    /// const session = await CacaoSession.fromSerialized(saved);
    /// ```
    #[wasm_bindgen(js_name = fromSerialized, unchecked_return_type = "Promise<CacaoSession>")]
    pub fn from_serialized(s: &str) -> js_sys::Promise {
        let s = s.to_string();
        super::promise(async move {
            // The capability's signature is checked again, in the lazily loaded part.
            super::lazy::load().await?;
            Ok(JsCacaoSession(CacaoSession::from_serialized(&s)?).into())
        })
    }

    /// A string to store the session (it holds the session's private key).
    ///
    /// ```ts
    /// localStorage.setItem("session", session.serialize());
    /// ```
    pub fn serialize(&self) -> JsResult<String> {
        Ok(part_call(|| self.0.serialize())?)
    }

    /// Whether the capability has expired.
    ///
    /// ```ts
    /// if (session.isExpired) askTheWalletAgain();
    /// ```
    #[wasm_bindgen(getter, js_name = isExpired)]
    pub fn is_expired(&self) -> JsResult<bool> {
        Ok(part_call(|| self.0.is_expired(now()))?)
    }

    /// Expiry, unix seconds.
    ///
    /// ```ts
    /// new Date(session.expiresAt! * 1000);
    /// ```
    #[wasm_bindgen(getter, js_name = expiresAt)]
    pub fn expires_at(&self) -> JsResult<Option<f64>> {
        Ok(part_call(|| self.0.expires_at().map(|t| t as f64))?)
    }

    /// The session key's DID.
    ///
    /// ```ts
    /// session.did;
    /// ```
    #[wasm_bindgen(getter)]
    pub fn did(&self) -> String {
        self.0.did().into()
    }

    /// The account the session acts for (`did:pkh:eip155:…`).
    ///
    /// ```ts
    /// session.controller;
    /// ```
    #[wasm_bindgen(getter)]
    pub fn controller(&self) -> String {
        self.0.controller().into()
    }

    /// `"EdDSA"`.
    ///
    /// ```ts
    /// session.alg;
    /// ```
    #[wasm_bindgen(getter, unchecked_return_type = "\"EdDSA\"")]
    pub fn alg(&self) -> String {
        "EdDSA".into()
    }

    /// The JWS `kid`.
    ///
    /// ```ts
    /// session.kid;
    /// ```
    #[wasm_bindgen(getter)]
    pub fn kid(&self) -> String {
        self.0.kid()
    }

    /// The CACAO block.
    ///
    /// ```ts
    /// session.capability; // Uint8Array
    /// ```
    #[wasm_bindgen(getter)]
    pub fn capability(&self) -> Vec<u8> {
        self.0.block().bytes.clone()
    }

    /// Sign with the session key.
    ///
    /// ```ts
    /// session.sign(bytes);
    /// ```
    pub fn sign(&self, input: &[u8]) -> JsResult<Vec<u8>> {
        Ok(part_call(|| {
            crate::verify::run_ready(self.0.sign(input.to_vec()))
        })??)
    }
}
