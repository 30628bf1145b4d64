//! The JavaScript boundary: the only module that uses wasm-bindgen and js-sys. Thin newtypes over
//! core types; every error becomes a `CeramicError` (a real JS `Error` with a stable `.code`).

mod error;
mod events;
mod ids;
mod regex;
mod signer;
mod verify;

pub use error::JsResult;
pub use events::{decode_event, JsEvent};
pub use ids::{JsCommitId, JsStreamId};
pub use regex::JsRegExpMatcher;
pub use signer::JsKeyDidSigner;
pub use verify::{verify_event, verify_stream};
