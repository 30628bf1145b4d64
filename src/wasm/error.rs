use wasm_bindgen::prelude::*;

use crate::error::Error;

/// Results crossing into JS: the error side is always a `CeramicError`.
pub type JsResult<T> = Result<T, JsValue>;

#[wasm_bindgen(typescript_custom_section)]
const TS_ERROR: &'static str = r#"
/** Stable error codes of ceramic-wasm. */
export type CeramicErrorCode =
  | "INVALID_STREAM_ID" | "INVALID_COMMIT_ID" | "INVALID_EVENT_ID" | "INVALID_CID"
  | "INVALID_MULTIBASE" | "INVALID_CBOR" | "NOT_CANONICAL" | "INVALID_CAR"
  | "TOO_LARGE" | "MISSING_BLOCK" | "INVALID_EVENT" | "BAD_SIGNATURE"
  | "UNSUPPORTED_DID" | "INVALID_DID" | "INVALID_KEY" | "ENCODE_FAILED"
  | "RANDOM_UNAVAILABLE" | "SIGNER_FAILED" | "SIGNER_REJECTED" | "INVALID_CAPABILITY" | "BAD_CAPABILITY_SIGNATURE"
  | "CAPABILITY_EXPIRED" | "CAPABILITY_NOT_YET_VALID" | "CAPABILITY_AUDIENCE_MISMATCH" | "CAPABILITY_ISSUER_MISMATCH"
  | "CAPABILITY_NO_RESOURCE" | "CAPABILITY_RESOURCE_DENIED" | "UNAUTHORIZED_SIGNER" | "BAD_ANCHOR_PROOF"
  | "ANCHOR_TX_MISMATCH" | "ANCHOR_CONTRACT_MISMATCH" | "ANCHOR_CHAIN_MISMATCH" | "ANCHOR_BLOCK_MISMATCH"
  | "CHAIN_RPC" | "BROKEN_LINK" | "FORK"
  | "INVALID_MODEL" | "SCHEMA_VIOLATION" | "INVALID_PATCH" | "MID_CONTROLLER"
  | "MID_MODEL_TYPE" | "MID_INTERFACE_MODEL" | "MID_UNIQUE" | "MID_GENESIS_CONTENT"
  | "MID_TOO_LARGE" | "MID_SET_UNIQUE" | "MID_SET_FIELD_CHANGED" | "MID_IMMUTABLE_FIELD"
  | "MID_RELATION" | "NODE_REJECTED" | "NOT_FOUND" | "NODE_ERROR"
  | "TIMEOUT" | "NETWORK" | "ABORTED" | "NODE_MISMATCH"
  | "PART_NOT_LOADED";
"#;

thread_local! {
    /// The package's `CeramicError` class, handed over by its entry module.
    static ERROR_CLASS: std::cell::RefCell<Option<js_sys::Function>> = const { std::cell::RefCell::new(None) };
}

/// Called once by the package's entry module with its `CeramicError` class.
#[wasm_bindgen(js_name = __setErrorClass, skip_typescript)]
pub fn set_error_class(class: js_sys::Function) {
    ERROR_CLASS.with(|c| *c.borrow_mut() = Some(class));
}

/// Build the JS error for a core error: a `CeramicError` (the package's class; a plain `Error`
/// named `CeramicError` if the raw bindings are used without the entry module) with the code.
pub(crate) fn to_js(err: Error) -> JsValue {
    let constructed = ERROR_CLASS.with(|c| {
        c.borrow().as_ref().and_then(|class| {
            let args = js_sys::Array::of2(
                &JsValue::from_str(err.code()),
                &JsValue::from_str(&err.to_string()),
            );
            js_sys::Reflect::construct(class, &args).ok()
        })
    });
    if let Some(e) = constructed {
        return e;
    }
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
