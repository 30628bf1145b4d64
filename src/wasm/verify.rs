use super::{get, now, to_js_json};
use wasm_bindgen::prelude::*;

use super::{events::car_bytes, JsRegExpMatcher, JsResult};
use crate::events::Event;
use crate::stream::Model;
use crate::verify::{self, run_ready, NoRpc, VerifyContext};

#[wasm_bindgen(typescript_custom_section)]
const TS_VERIFY: &'static str = r#"
/** Options of `verifyStream` and `verifyEvent`. */
export interface VerifyOptions {
  /** Unix seconds to check capabilities at when an event is not anchored on a chain (default: now). */
  now?: number;
  /** The CAR of the document's Model init event: enables the document rules and the schema. */
  model?: Uint8Array | string;
  /** Called after each event with how many of how many are verified. */
  onProgress?: (done: number, total: number) => void;
}

/** One check performed on one event. */
export interface Check {
  kind: "encoding" | "signature" | "controller" | "capabilitySignature" | "capabilityTime"
      | "capabilityResource" | "link" | "merkleProof" | "chainAnchor" | "localAnchor"
      | "modelRules" | "documentRules" | "schema" | "nodeState";
  event: string;
  detail: string;
}

/** One entry of a stream's log. */
export interface LogEntry {
  cid: string;
  kind: "init" | "data" | "time";
  anchoredAt?: number;
  anchor?: { kind: "chain"; chainId: string; timestamp: number }
         | { kind: "local"; chainId: string }
         | { kind: "unchecked"; chainId: string };
}

/** A stream's state, folded from verified events. */
export interface StreamState {
  streamId: string;
  controller: string;
  model: string;
  unique?: Uint8Array;
  context?: string;
  shouldIndex: boolean;
  content: unknown;
  tip: string;
  log: LogEntry[];
}

/** The result of `verifyStream`. */
export interface VerifiedStream {
  state: StreamState;
  checks: Check[];
  anchor: "none" | "local" | "unchecked" | "chain";
  /** Checks that could not be performed, and why. */
  notChecked: string[];
  /** Events of branches that lost the conflict rule. */
  discarded: string[];
}
"#;

#[wasm_bindgen]
extern "C" {
    /// `VerifyOptions` from JS.
    #[wasm_bindgen(typescript_type = "VerifyOptions")]
    pub type JsVerifyOptions;
}

struct Options {
    now: i64,
    model: Option<Model>,
    progress: Option<js_sys::Function>,
}

fn options(opts: &JsValue, matcher: &JsRegExpMatcher) -> JsResult<Options> {
    let now = match get(opts, "now").as_f64() {
        Some(n) => n as i64,
        None => now(),
    };
    let model = match get(opts, "model") {
        m if m.is_undefined() || m.is_null() => None,
        m => {
            let event = Event::decode_car(&car_bytes(m)?)?;
            Some(verify::verify_model(
                &event,
                &VerifyContext::new(now, matcher),
            )?)
        }
    };
    let progress = get(opts, "onProgress").dyn_into::<js_sys::Function>().ok();
    Ok(Options {
        now,
        model,
        progress,
    })
}

/// Verify a whole stream from its events' CARs (any order): signatures, capabilities, links,
/// Merkle proofs, Model and document rules, and fold the state. Throws a `CeramicError` with
/// the failing check's code.
///
/// ```ts
/// const v = await verifyStream([initCar, dataCar], { model: modelCar });
/// v.state.content; v.checks.length; v.anchor;
/// ```
#[wasm_bindgen(js_name = verifyStream, unchecked_return_type = "Promise<VerifiedStream>")]
pub fn verify_stream(
    #[wasm_bindgen(unchecked_param_type = "(Uint8Array | string)[]")] cars: Vec<JsValue>,
    opts: Option<JsVerifyOptions>,
) -> js_sys::Promise {
    let opts = opts.map_or(JsValue::UNDEFINED, Into::into);
    super::lazy::sync_promise(move || verify_stream_now(&cars, &opts))
}

fn verify_stream_now(cars: &[JsValue], opts: &JsValue) -> JsResult<JsValue> {
    let matcher = JsRegExpMatcher::default();
    let o = options(opts, &matcher)?;
    let events = cars
        .iter()
        .map(|c| Ok(Event::decode_car(&car_bytes(c.clone())?)?))
        .collect::<JsResult<Vec<_>>>()?;
    let mut ctx = VerifyContext::new(o.now, &matcher);
    ctx.model = o.model.as_ref();
    let progress = o.progress;
    let verified = run_ready(verify::verify_stream(
        &events,
        &ctx,
        None::<&NoRpc>,
        &mut |p| {
            if let Some(f) = &progress {
                let _ = f.call2(
                    &JsValue::NULL,
                    &(p.done as f64).into(),
                    &(p.total as f64).into(),
                );
            }
        },
    ))?;
    let out = to_js_json(&verified)?;
    // `state.unique` is bytes: a Uint8Array, as typed.
    if let Some(u) = &verified.state.unique {
        let state = get(&out, "state");
        js_sys::Reflect::set(&state, &"unique".into(), &js_sys::Uint8Array::from(&u[..]))?;
    }
    Ok(out)
}

/// Verify one event against its stream's init event (signature, capability, rules, Merkle
/// proof); returns the checks performed. For an init event, `initCar` may be omitted (or the same
/// CAR): it is decoded once.
///
/// ```ts
/// const checks = await verifyEvent(dataCar, initCar);
/// await verifyEvent(initCar); // an init event on its own
/// ```
#[wasm_bindgen(js_name = verifyEvent, unchecked_return_type = "Promise<Check[]>")]
pub fn verify_event(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] car: JsValue,
    #[wasm_bindgen(js_name = initCar, unchecked_param_type = "Uint8Array | string | null")]
    init_car: Option<JsValue>,
    opts: Option<JsVerifyOptions>,
) -> js_sys::Promise {
    let opts = opts.map_or(JsValue::UNDEFINED, Into::into);
    super::lazy::sync_promise(move || verify_event_now(&car, init_car.as_ref(), &opts))
}

fn verify_event_now(
    car: &JsValue,
    init_car: Option<&JsValue>,
    opts: &JsValue,
) -> JsResult<JsValue> {
    let matcher = JsRegExpMatcher::default();
    let o = options(opts, &matcher)?;
    let bytes = car_bytes(car.clone())?;
    let event = Event::decode_car(&bytes)?;
    // An init event is its own init: given again, or not at all, it is decoded once.
    let init = match init_car {
        Some(v) if !v.is_undefined() && !v.is_null() => {
            Some(car_bytes(v.clone())?).filter(|b| *b != bytes)
        }
        _ => None,
    };
    let init = init.map(|b| Event::decode_car(&b)).transpose()?;
    let mut ctx = VerifyContext::new(o.now, &matcher);
    ctx.model = o.model.as_ref();
    let checks = run_ready(verify::verify_event(
        &event,
        init.as_ref().unwrap_or(&event),
        &ctx,
        None::<&NoRpc>,
    ))?;
    to_js_json(&checks)
}

/// Check one Ed25519 signature: `true` when `signature` (64 bytes) is `publicKey`'s (32 bytes)
/// over `message`. The bare primitive behind every did:key event check.
///
/// ```ts
/// verifyEd25519(signer.publicKey, bytes, signer.sign(bytes)); // true
/// ```
#[wasm_bindgen(js_name = verifyEd25519)]
pub fn verify_ed25519(
    #[wasm_bindgen(js_name = publicKey)] public_key: &[u8],
    message: &[u8],
    signature: &[u8],
) -> bool {
    let Ok(key) = <[u8; 32]>::try_from(public_key) else {
        return false;
    };
    crate::did::PublicKey::Ed25519(key)
        .verify(crate::did::Algorithm::EdDSA, message, signature)
        .is_ok()
}
