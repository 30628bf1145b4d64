use super::{get, now, to_js_json};
use wasm_bindgen::prelude::*;

use super::eth::JsEthRpc;
use super::events::{car_bytes, read_car};
use super::transport::FetchTransport;
use super::{JsRegExpMatcher, JsResult};
use crate::events::Event;
use crate::stream::Model;
use crate::verify::{self, run_ready, CachedRpc, VerifyContext};

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
  /** Check anchor transactions on chain through these providers (as `CeramicClientOptions.ethereum`). */
  ethereum?: EthereumProvider | string | Record<string, EthereumProvider | string>;
  /** Anchor contract addresses to accept besides Ceramic's. */
  anchorContracts?: string[];
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
  anchor?: { kind: "chain"; chainId: string; timestamp: number; block: number; txHash: string }
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

/** One event's outcome in `verifyEvents`: its checks, or why it fails (a `CeramicError`). */
export type EventVerification =
  | { ok: true; checks: Check[] }
  | { ok: false; error: Error & { code: CeramicErrorCode } };

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
    /// The `ethereum` / `anchorContracts` options, when an `ethereum` was given.
    rpc: Option<CachedRpc<JsEthRpc>>,
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
    let ethereum = get(opts, "ethereum");
    let rpc = match ethereum.is_undefined() || ethereum.is_null() {
        true => None,
        false => Some(CachedRpc::new(JsEthRpc::from_options(
            &ethereum,
            &get(opts, "anchorContracts"),
            FetchTransport {
                fetch: None,
                timeout_ms: Some(30_000),
                signal: None,
            },
        )?)),
    };
    Ok(Options {
        now,
        model,
        progress,
        rpc,
    })
}

/// Run a verification: settled at once (no chain to ask: `run_ready`), or, with an `ethereum`
/// option, as a future that asks the chain.
fn settle<F, Fut>(opts: JsValue, f: F) -> js_sys::Promise
where
    F: Fn(Options) -> Fut + 'static,
    Fut: std::future::Future<Output = JsResult<JsValue>> + 'static,
{
    let ethereum = get(&opts, "ethereum");
    let asks_chain = !ethereum.is_undefined() && !ethereum.is_null();
    let matcher = JsRegExpMatcher::default();
    if asks_chain {
        return super::lazy::retrying(move || {
            let o = options(&opts, &matcher);
            let run = o.map(&f);
            async move { run?.await }
        });
    }
    super::lazy::sync_promise(move || run_ready(f(options(&opts, &matcher)?)))
}

/// Verify a whole stream from its events' CARs (any order): signatures, capabilities, links,
/// Merkle proofs (and with `ethereum`, the anchor transactions on chain), Model and document
/// rules, and fold the state. Rejects with a `CeramicError` with the failing check's code.
///
/// ```ts
/// const v = await verifyStream([initCar, dataCar], { model: modelCar, ethereum: window.ethereum });
/// v.state.content; v.checks.length; v.anchor;
/// ```
#[wasm_bindgen(js_name = verifyStream, unchecked_return_type = "Promise<VerifiedStream>")]
pub fn verify_stream(
    #[wasm_bindgen(unchecked_param_type = "(Uint8Array | string)[]")] cars: Vec<JsValue>,
    opts: Option<JsVerifyOptions>,
) -> js_sys::Promise {
    let cars = std::rc::Rc::new(cars);
    settle(opts.map_or(JsValue::UNDEFINED, Into::into), move |o| {
        verify_stream_with(cars.clone(), o)
    })
}

async fn verify_stream_with(cars: std::rc::Rc<Vec<JsValue>>, o: Options) -> JsResult<JsValue> {
    let matcher = JsRegExpMatcher::default();
    let events = cars
        .iter()
        .map(|c| Ok(Event::decode_car(&car_bytes(c.clone())?)?))
        .collect::<JsResult<Vec<_>>>()?;
    let mut ctx = VerifyContext::new(o.now, &matcher);
    ctx.model = o.model.as_ref();
    let mut progress = super::progress_sink(o.progress);
    let verified = verify::verify_stream(&events, &ctx, o.rpc.as_ref(), &mut progress).await?;
    let out = to_js_json(&verified)?;
    // `state.unique` is bytes: a Uint8Array, as typed.
    if let Some(u) = &verified.state.unique {
        let state = get(&out, "state");
        js_sys::Reflect::set(&state, &"unique".into(), &js_sys::Uint8Array::from(&u[..]))?;
    }
    Ok(out)
}

/// Verify one event against its stream's init event (signature, capability, rules, Merkle
/// proof, and with `ethereum` its anchor transaction); resolves to the checks performed. For an
/// init event, `initCar` may be omitted (or the same CAR): it is decoded once.
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
    settle(opts.map_or(JsValue::UNDEFINED, Into::into), move |o| {
        verify_event_with(car.clone(), init_car.clone(), o)
    })
}

async fn verify_event_with(
    car: JsValue,
    init_car: Option<JsValue>,
    o: Options,
) -> JsResult<JsValue> {
    let matcher = JsRegExpMatcher::default();
    let bytes = car_bytes(car)?;
    let event = Event::decode_car(&bytes)?;
    // An init event is its own init: given again, or not at all, it is decoded once.
    let init = match init_car {
        Some(v) if !v.is_undefined() && !v.is_null() => Some(car_bytes(v)?).filter(|b| *b != bytes),
        _ => None,
    };
    let init = init.map(|b| Event::decode_car(&b)).transpose()?;
    let mut ctx = VerifyContext::new(o.now, &matcher);
    ctx.model = o.model.as_ref();
    let checks = verify::verify_event(
        &event,
        init.as_ref().unwrap_or(&event),
        &ctx,
        o.rpc.as_ref(),
    )
    .await?;
    to_js_json(&checks)
}

/// Verify many events at once, each as `verifyEvent` would (against `initCar`, or each on its
/// own when they are init events), with their Ed25519 signatures checked together in one batch:
/// faster than one `verifyEvent` per event when many are by one key (1.5× in Chromium for 300,
/// BENCHMARKS.md).
/// Resolves to one outcome per event, in order; an event that fails does not stop the others.
///
/// ```ts
/// const results = await verifyEvents(initCars); // documents' init events, each on its own
/// const bad = results.filter((r) => !r.ok).map((r) => r.error.code);
/// await verifyEvents(dataCars, initCar); // events of one stream
/// ```
#[wasm_bindgen(js_name = verifyEvents, unchecked_return_type = "Promise<EventVerification[]>")]
pub fn verify_events(
    #[wasm_bindgen(unchecked_param_type = "(Uint8Array | string)[]")] cars: Vec<JsValue>,
    #[wasm_bindgen(js_name = initCar, unchecked_param_type = "Uint8Array | string | null")]
    init_car: Option<JsValue>,
    opts: Option<JsVerifyOptions>,
) -> js_sys::Promise {
    let cars = std::rc::Rc::new(cars);
    settle(opts.map_or(JsValue::UNDEFINED, Into::into), move |o| {
        verify_events_with(cars.clone(), init_car.clone(), o)
    })
}

async fn verify_events_with(
    cars: std::rc::Rc<Vec<JsValue>>,
    init_car: Option<JsValue>,
    o: Options,
) -> JsResult<JsValue> {
    let matcher = JsRegExpMatcher::default();
    let init = match init_car {
        Some(v) if !v.is_undefined() && !v.is_null() => Some(Event::decode_car(&car_bytes(v)?)?),
        _ => None,
    };
    // An event whose CAR does not decode fails on its own, as in `verifyEvent`.
    let decoded: Vec<crate::Result<Event>> = cars
        .iter()
        .map(|c| read_car(c.clone()).and_then(|b| Event::decode_car(&b)))
        .collect();
    let pairs: Vec<(&Event, &Event)> = decoded
        .iter()
        .filter_map(|e| e.as_ref().ok())
        .map(|e| (e, init.as_ref().unwrap_or(e)))
        .collect();
    let mut ctx = VerifyContext::new(o.now, &matcher);
    ctx.model = o.model.as_ref();
    let mut verified = verify::verify_events(&pairs, &ctx, o.rpc.as_ref())
        .await?
        .into_iter();
    let outcomes: Vec<crate::Result<Vec<verify::Check>>> = decoded
        .into_iter()
        .map(|d| {
            // One outcome per decoded event, in order: `pairs` was made from these.
            d.and_then(|_| {
                verified.next().unwrap_or_else(|| {
                    Err(crate::Error::InvalidEvent(
                        "no outcome for the event".into(),
                    ))
                })
            })
        })
        .collect();
    // The checks as JSON (as `verifyEvent`'s), then each failure's `CeramicError` set in.
    #[derive(serde::Serialize)]
    struct Outcome<'a> {
        ok: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        checks: Option<&'a [verify::Check]>,
    }
    let json: Vec<Outcome> = outcomes
        .iter()
        .map(|r| Outcome {
            ok: r.is_ok(),
            checks: r.as_deref().ok(),
        })
        .collect();
    let out = to_js_json(&json)?;
    for (i, r) in outcomes.into_iter().enumerate() {
        if let Err(e) = r {
            let entry = js_sys::Reflect::get_u32(&out, i as u32)?;
            super::set(&entry, "error", &e.into())?;
        }
    }
    Ok(out)
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
