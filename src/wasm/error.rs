use wasm_bindgen::prelude::*;

use crate::error::Error;

/// Results crossing into JS: the error side is always a `CeramicError`.
pub type JsResult<T> = Result<T, JsValue>;

#[wasm_bindgen(typescript_custom_section)]
const TS_ERROR: &'static str = r#"
/** Stable error codes of ceramic-wasm. */
export type CeramicErrorCode =
  | "INVALID_STREAM_ID" | "INVALID_COMMIT_ID" | "INVALID_EVENT_ID" | "INVALID_CID"
  | "INVALID_MULTIBASE" | "INVALID_CBOR" | "NOT_CANONICAL" | "INVALID_CAR" | "TOO_LARGE"
  | "MISSING_BLOCK" | "INVALID_EVENT" | "BAD_SIGNATURE" | "UNSUPPORTED_DID" | "INVALID_DID"
  | "INVALID_KEY" | "ENCODE_FAILED" | "RANDOM_UNAVAILABLE" | "SIGNER_FAILED";

/** Every error thrown by ceramic-wasm: a real `Error` named "CeramicError" with a stable `code`. */
export interface CeramicError extends Error {
  name: "CeramicError";
  code: CeramicErrorCode;
}
"#;

/// Build the JS error for a core error: an `Error` whose `name` is `CeramicError` and whose
/// `code` is the stable code.
pub(crate) fn to_js(err: Error) -> JsValue {
    let e = js_sys::Error::new(&err.to_string());
    e.set_name("CeramicError");
    // Setting a property on a fresh Error object cannot fail.
    let _ = js_sys::Reflect::set(
        &e,
        &JsValue::from_str("code"),
        &JsValue::from_str(err.code()),
    );
    e.into()
}

impl From<Error> for JsValue {
    fn from(err: Error) -> JsValue {
        to_js(err)
    }
}
