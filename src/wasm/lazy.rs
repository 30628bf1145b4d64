//! The package's lazily loaded part ([`crate::part`]: the code of rare calls — P-256 and
//! secp256k1, CACAO capabilities and sessions, chain checks, subscriptions …), a second wasm
//! module cut from this one after the build (`scripts/split-part.mjs`). The entry
//! module of each target hands over a loader (`__setLazyLoader`): a function that fetches the
//! part and instantiates it with this module's exports (`__partImports`), which puts the part's
//! functions in the shared table. A call that meets a `PART_NOT_LOADED` error awaits the loader
//! and runs again, so callers never see the split: a page that only uses did:key (Ed25519) never
//! downloads the part.

use std::cell::RefCell;
use std::future::Future;

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::{get, transport_message, BoxedCall, JsResult};
use crate::error::Error;
use crate::part;

thread_local! {
    static LOADER: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
}

/// Called once by the package's entry module with the function that loads the part.
#[wasm_bindgen(js_name = __setLazyLoader, skip_typescript)]
pub fn set_lazy_loader(loader: js_sys::Function) {
    LOADER.with(|l| *l.borrow_mut() = Some(loader));
}

/// Whether the package's entry handed over a loader (not so for the raw bindings).
pub(crate) fn has_loader() -> bool {
    LOADER.with(|l| l.borrow().is_some())
}

/// What the part imports: this module's exports (its memory, table, globals and the functions the
/// part calls), for the loader to instantiate it with.
#[wasm_bindgen(js_name = __partImports, skip_typescript)]
pub fn part_imports() -> JsValue {
    wasm_bindgen::exports()
}

/// Whether a thrown `CeramicError` asks for the part.
fn not_loaded(err: &JsValue) -> bool {
    get(err, "code").as_string().as_deref() == Some("PART_NOT_LOADED")
}

/// Load the part (once: the entry's loader keeps its promise). `PART_NOT_LOADED` if it fails.
pub(crate) async fn load() -> JsResult<()> {
    if part::loaded() {
        return Ok(());
    }
    let loader = LOADER.with(|l| l.borrow().clone()).ok_or_else(|| {
        Error::PartNotLoaded(
            "no loader: import the package through its entry module, not the raw bindings".into(),
        )
    })?;
    let failed = |e: JsValue| {
        Error::PartNotLoaded(format!(
            "loading the lazily loaded part failed: {}",
            transport_message(&e)
        ))
    };
    let pending = loader.call0(&JsValue::NULL).map_err(failed)?;
    JsFuture::from(js_sys::Promise::resolve(&pending))
        .await
        .map_err(failed)?;
    // The loader resolves once the part is instantiated: its functions are in the table.
    part::set_loaded();
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
        Err(e) if not_loaded(&e) => {
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
        Err(e) if not_loaded(&e) => super::promise(async move {
            load().await?;
            f()
        }),
        Err(e) => js_sys::Promise::reject(&e),
    }
}

/// The future of an exported async call whose own code lives in the lazily loaded part (calls a
/// did:key page does not make, and that need the network anyway: subscriptions, interests — not
/// the outbox, which must answer offline): the part is loaded first, then `fut` runs
/// ([`part::run`]). Once the part is loaded this adds one check and one box: a call that was
/// settled at once still is.
pub(crate) async fn in_part<F>(fut: F) -> JsResult<JsValue>
where
    F: Future<Output = JsResult<JsValue>>,
{
    load().await?;
    part::run(part::require("this call")?, fut).await
}
