//! The JavaScript boundary: the only module that uses wasm-bindgen and js-sys. Thin newtypes over
//! core types; every error becomes a `CeramicError` (a real JS `Error` with a stable `.code`).

mod client;
mod error;
mod eth;
mod events;
mod ids;
mod lazy;
#[cfg(feature = "legacy")]
mod legacy;
mod offline;
mod regex;
mod session;
mod signer;
mod transport;
mod verify;

/// The heap: talc instead of Rust's default dlmalloc — 3.7 K smaller raw (1.4 K gzip) in the
/// main wasm, speed within a few percent either way (BENCHMARKS.md, twelfth session). It grows
/// the wasm memory as dlmalloc does and never gives it back.
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

pub use client::JsCeramicClient;
pub use error::JsResult;
pub use events::{decode_event, encode_event, JsEvent};
pub use ids::{JsCommitId, JsStreamId};
pub use offline::{create_data_event, create_init_event, create_singleton_event};
pub use regex::JsRegExpMatcher;
pub use session::{JsCacaoSession, JsCacaoSessionRequest};
pub use signer::{inspect_signing_request, JsExternalSigner, JsKeyDidSigner};
pub use verify::{verify_ed25519, verify_event, verify_stream};

/// A future as a Promise, settled at once when it completes without waiting — a local key signs
/// synchronously — and through the futures queue otherwise. The queue costs each call a task, a
/// `new Promise` with two closures and a microtask: ~8 µs, an eighth of building and signing an
/// event in Chromium (BENCHMARKS.md). A future left pending is polled again by the queue with its
/// real waker, as every future allows.
pub(crate) fn promise_of(
    fut: impl std::future::Future<Output = JsResult<wasm_bindgen::JsValue>> + 'static,
) -> js_sys::Promise {
    let mut fut: BoxedCall = Box::pin(fut);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match fut.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(Ok(v)) => js_sys::Promise::resolve(&v),
        std::task::Poll::Ready(Err(e)) => js_sys::Promise::reject(&e),
        std::task::Poll::Pending => boxed_promise(fut),
    }
}

/// An exported call's future, boxed.
pub(crate) type BoxedCall =
    std::pin::Pin<Box<dyn std::future::Future<Output = JsResult<wasm_bindgen::JsValue>>>>;

/// The Promise of an exported async call. Every Promise this module makes from a future is made
/// here, from a boxed one, so that `future_to_promise` and its task machinery are linked once:
/// generic over each call's future they were 28 copies, 39 KB of the wasm (BENCHMARKS.md).
pub(crate) fn boxed_promise(fut: BoxedCall) -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(fut)
}

/// [`boxed_promise`] of a future (its only generic part is the boxing).
pub(crate) fn promise(
    fut: impl std::future::Future<Output = JsResult<wasm_bindgen::JsValue>> + 'static,
) -> js_sys::Promise {
    boxed_promise(Box::pin(fut))
}

/// The message of a thrown JS value.
pub(crate) fn transport_message(e: &wasm_bindgen::JsValue) -> String {
    use wasm_bindgen::JsCast;
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown JavaScript error".into())
}

/// `obj[key]`, `undefined` when absent or not an object.
pub(crate) fn get(obj: &wasm_bindgen::JsValue, key: &'static str) -> wasm_bindgen::JsValue {
    // `Reflect.get` throws on a non-object (an omitted options argument): answer at once rather
    // than catching a TypeError, which costs microseconds on hot calls like `verifyEvent(car)`.
    if !obj.is_object() && !obj.is_function() {
        return wasm_bindgen::JsValue::UNDEFINED;
    }
    with_key(key, |k| js_sys::Reflect::get(obj, k)).unwrap_or(wasm_bindgen::JsValue::UNDEFINED)
}

/// `obj[key] = value`.
pub(crate) fn set(
    obj: &wasm_bindgen::JsValue,
    key: &'static str,
    value: &wasm_bindgen::JsValue,
) -> JsResult<()> {
    with_key(key, |k| js_sys::Reflect::set(obj, k, value))?;
    Ok(())
}

/// `f` with the JS string of a property name, made once per name: a string from wasm is decoded
/// by a `TextDecoder` each time, 5 % of building an event in Chromium's profile (BENCHMARKS.md).
fn with_key<T>(key: &'static str, f: impl FnOnce(&wasm_bindgen::JsValue) -> T) -> T {
    std::thread_local! {
        static KEYS: std::cell::RefCell<Vec<(&'static str, wasm_bindgen::JsValue)>> =
            const { std::cell::RefCell::new(Vec::new()) };
    }
    KEYS.with(|keys| {
        let mut keys = keys.borrow_mut();
        let i = match keys.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                keys.push((key, wasm_bindgen::JsValue::from_str(key)));
                keys.len() - 1
            }
        };
        f(&keys[i].1)
    })
}

/// A StreamID or CommitID argument: the object (anything with a `toString`) or its string.
pub(crate) fn id_arg<T: std::str::FromStr<Err = crate::Error>>(
    v: &wasm_bindgen::JsValue,
) -> crate::Result<T> {
    use wasm_bindgen::JsCast;
    match v.as_string() {
        Some(s) => s.parse(),
        None => js_sys::Reflect::get(v, &"toString".into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
            .and_then(|f| f.call0(v).ok())
            .and_then(|s| s.as_string())
            .ok_or_else(|| crate::Error::InvalidStreamId("expected an id or its string".into()))?
            .parse(),
    }
}

/// A JS `onProgress(done, total)` callback (if any) as the core's progress sink; what it throws
/// is ignored.
pub(crate) fn progress_sink(f: Option<js_sys::Function>) -> impl FnMut(crate::verify::Progress) {
    move |p| {
        if let Some(f) = &f {
            let _ = f.call2(
                &wasm_bindgen::JsValue::NULL,
                &(p.done as f64).into(),
                &(p.total as f64).into(),
            );
        }
    }
}

/// The page's clock, unix seconds.
pub(crate) fn now() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

/// A large Rust value (reports with many checks) as a plain JS value, through one JSON string
/// and the engine's `JSON.parse`: one boundary crossing instead of one per field, several times
/// faster for thousands of objects. Byte fields come out as arrays of numbers: callers convert
/// the few they expose as `Uint8Array`.
pub(crate) fn to_js_json<T: serde::Serialize>(v: &T) -> JsResult<wasm_bindgen::JsValue> {
    json_text_to_js(crate::codec::json_write::to_string(v).ok())
}

/// The part of [`to_js_json`] that does not depend on the type (one copy, not one per type).
/// serde_json's error is not printed: its Display links every message of its parser.
#[inline(never)]
fn json_text_to_js(text: Option<String>) -> JsResult<wasm_bindgen::JsValue> {
    let s = text.ok_or_else(|| crate::Error::Encode("to JS: not JSON".into()))?;
    js_sys::JSON::parse(&s).map_err(|_| crate::Error::Encode("to JS: JSON.parse".into()).into())
}

/// A JS value (a document's content, a Model definition) as JSON, through the engine's
/// `JSON.stringify` and serde_json: what is not JSON (`undefined`, functions, `BigInt`) fails with
/// `err`'s code. (Own path rather than serde-wasm-bindgen: it costs no extra code next to
/// serde_json, which the crate needs anyway.)
pub(crate) fn from_js_json(
    v: &wasm_bindgen::JsValue,
    what: &str,
    err: fn(String) -> crate::Error,
) -> crate::Result<crate::codec::Value> {
    let text = js_sys::JSON::stringify(v)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| err(format!("{what}: not a JSON value")))?;
    crate::codec::json::parse_str(&text).map_err(|e| err(format!("{what}: {e}")))
}
