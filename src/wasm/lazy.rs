//! The package's lazily loaded part: P-256 and secp256k1 (`ecdsa/`, built as a second wasm
//! module). The main module is built without them (`--no-default-features`); the entry module of
//! each target hands over a loader (`__setLazyLoader`): a function that imports the second module,
//! instantiates it and installs its two functions here (`__setEcdsa`). A call that meets a
//! `PART_NOT_LOADED` error awaits the loader and runs again, so callers never see the split:
//! a page that only uses did:key (Ed25519) never downloads the part.

use std::cell::RefCell;
use std::future::Future;

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::{get, transport_message, BoxedCall, JsResult};
use crate::did::ecdsa::{self, Backend, Curve, Failure};
use crate::error::{Error, Result};

thread_local! {
    static LOADER: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
}

/// Called once by the package's entry module with the function that loads the part.
#[wasm_bindgen(js_name = __setLazyLoader, skip_typescript)]
pub fn set_lazy_loader(loader: js_sys::Function) {
    LOADER.with(|l| *l.borrow_mut() = Some(loader));
}

/// Called by the loader with the second module's `ecdsaVerify` and `recoverSecp256k1`.
#[wasm_bindgen(js_name = __setEcdsa, skip_typescript)]
pub fn set_ecdsa(verify: js_sys::Function, recover: js_sys::Function) {
    ecdsa::set_backend(Box::new(JsEcdsa { verify, recover }));
}

/// The second module's functions, called through JS (the bytes are copied once each way).
struct JsEcdsa {
    verify: js_sys::Function,
    recover: js_sys::Function,
}

fn broken(e: JsValue) -> Error {
    Error::PartNotLoaded(format!("the ecdsa part failed: {}", transport_message(&e)))
}

impl Backend for JsEcdsa {
    fn verify(
        &self,
        curve: Curve,
        key: &[u8],
        prehash: &[u8; 32],
        sig: &[u8],
    ) -> Result<std::result::Result<(), Failure>> {
        let curve = JsValue::from(match curve {
            Curve::P256 => 0u8,
            Curve::Secp256k1 => 1,
        });
        let args = js_sys::Array::of4(
            &curve,
            &js_sys::Uint8Array::from(key),
            &js_sys::Uint8Array::from(&prehash[..]),
            &js_sys::Uint8Array::from(sig),
        );
        let r = self.verify.apply(&JsValue::NULL, &args).map_err(broken)?;
        match r.as_f64() {
            Some(0.0) => Ok(Ok(())),
            Some(1.0) => Ok(Err(Failure::InvalidKey)),
            Some(2.0) => Ok(Err(Failure::MalformedSignature)),
            Some(3.0) => Ok(Err(Failure::Mismatch)),
            _ => Err(Error::PartNotLoaded(
                "the ecdsa part answered something unexpected".into(),
            )),
        }
    }

    fn recover_secp256k1(&self, prehash: &[u8; 32], rs: &[u8], v: u8) -> Result<Option<Vec<u8>>> {
        let r = self
            .recover
            .call3(
                &JsValue::NULL,
                &js_sys::Uint8Array::from(&prehash[..]),
                &js_sys::Uint8Array::from(rs),
                &JsValue::from(v),
            )
            .map_err(broken)?;
        let key = js_sys::Uint8Array::new(&r).to_vec();
        Ok((key.len() == 65).then_some(key))
    }
}

/// Whether a thrown `CeramicError` asks for the part.
fn not_loaded(err: &JsValue) -> bool {
    get(err, "code").as_string().as_deref() == Some("PART_NOT_LOADED")
}

/// Load the part (once: the entry's loader keeps its promise). `PART_NOT_LOADED` if it fails.
pub(crate) async fn load() -> JsResult<()> {
    if ecdsa::available() {
        return Ok(());
    }
    let loader = LOADER.with(|l| l.borrow().clone()).ok_or_else(|| {
        Error::PartNotLoaded(
            "no loader: import the package through its entry module, not the raw bindings".into(),
        )
    })?;
    let pending = loader.call0(&JsValue::NULL).map_err(broken)?;
    JsFuture::from(js_sys::Promise::resolve(&pending))
        .await
        .map_err(|e| {
            Error::PartNotLoaded(format!(
                "loading the ecdsa part failed: {}",
                transport_message(&e)
            ))
        })?;
    if !ecdsa::available() {
        return Err(
            Error::PartNotLoaded("the loader did not install the ecdsa part".into()).into(),
        );
    }
    Ok(())
}

/// Run `f`; when it needs the part, load it and run `f` once more. Only for calls that are safe
/// to repeat up to the point the error arises (verification, loads, and writes whose signer
/// was [`prepared`](super::signer::JsSignerAdapter::prepare) before anything was posted).
///
/// One copy for every export: each call's future is boxed by [`retrying`] (generic over each
/// call it was eight copies of this loop, ~3 KB of wasm).
async fn retry_boxed(f: Box<dyn Fn() -> BoxedCall>) -> JsResult<JsValue> {
    match f().await {
        Err(e) if not_loaded(&e) && !ecdsa::available() => {
            load().await?;
            f().await
        }
        r => r,
    }
}

/// The Promise of a call that may need the part (see [`retry_boxed`]).
pub(crate) fn retrying<F, Fut>(f: F) -> js_sys::Promise
where
    F: Fn() -> Fut + 'static,
    Fut: Future<Output = JsResult<JsValue>> + 'static,
{
    super::promise(retry_boxed(Box::new(move || Box::pin(f()))))
}

/// A synchronous call as a Promise: settled at once, unless the call needs the part; then the
/// part is loaded and the call runs again.
pub(crate) fn sync_promise(f: impl Fn() -> JsResult<JsValue> + 'static) -> js_sys::Promise {
    match f() {
        Ok(v) => js_sys::Promise::resolve(&v),
        Err(e) if not_loaded(&e) && !ecdsa::available() => super::promise(async move {
            load().await?;
            f()
        }),
        Err(e) => js_sys::Promise::reject(&e),
    }
}
