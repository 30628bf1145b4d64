//! The JavaScript boundary: the only module that uses wasm-bindgen and js-sys. Thin newtypes over
//! core types; every error becomes a `CeramicError` (a real JS `Error` with a stable `.code`).

mod client;
mod error;
mod events;
mod ids;
mod regex;
mod session;
mod signer;
mod transport;
mod verify;

pub use client::JsCeramicClient;
pub use error::JsResult;
pub use events::{decode_event, encode_event, JsEvent};
pub use ids::{JsCommitId, JsStreamId};
pub use regex::JsRegExpMatcher;
pub use session::{JsCacaoSession, JsCacaoSessionRequest};
pub use signer::{JsExternalSigner, JsKeyDidSigner};
pub use verify::{verify_event, verify_stream};

/// The message of a thrown JS value.
pub(crate) fn transport_message(e: &wasm_bindgen::JsValue) -> String {
    use wasm_bindgen::JsCast;
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown JavaScript error".into())
}
