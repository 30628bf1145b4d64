//! Events built and signed without a node (offline apps, extension wallets, benchmarks): the
//! same bytes the client posts, handed back for `client.postEvent(car)` later.

use wasm_bindgen::prelude::*;

use super::signer::JsSignerAdapter;
use super::{get, id_arg, JsCommitId, JsResult, JsStreamId};
use crate::did::AsyncSigner;
use crate::error::Error;
use crate::events::{sign, Event};
use crate::ids::{CommitId, StreamId};
use crate::stream::build;

#[wasm_bindgen(typescript_custom_section)]
const TS_OFFLINE: &'static str = r#"
/** A document's init event, built without a node. */
export interface BuiltInitEvent {
  /** The new document's StreamID. */
  streamId: StreamID;
  /** The event's CAR, for `client.postEvent(car)`. */
  car: Uint8Array;
}

/** A data event, built without a node. */
export interface BuiltDataEvent {
  /** The new tip's CommitID. */
  commitId: CommitID;
  /** The event's CAR, for `client.postEvent(car)`. */
  car: Uint8Array;
}

/** The state a data event builds on: a loaded `DocumentState` fits, or the last `BuiltDataEvent`'s `commitId` with the content it set. */
export interface CurrentState {
  /** The tip to follow (a StreamID for a stream's init event). */
  commitId: CommitID | StreamID | string;
  /** The content at that tip (`null` for a deterministic document before its first update). */
  content: JsonObject | null;
}
"#;

fn built(key: &'static str, id: JsValue, car: &[u8]) -> JsResult<JsValue> {
    let o = js_sys::Object::new().into();
    super::set(&o, key, &id)?;
    super::set(&o, "car", &js_sys::Uint8Array::from(car).into())?;
    Ok(o)
}

fn json_arg(v: JsValue, what: &str) -> crate::Result<crate::codec::Value> {
    super::from_js_json(&v, what, Error::SchemaViolation)
}

/// `{ model, controller | signer, setValues? }` of a deterministic document.
pub(crate) fn singleton_args(
    args: &JsValue,
) -> crate::Result<(StreamId, String, Option<Vec<crate::codec::Value>>)> {
    let model = id_arg::<StreamId>(&get(args, "model"))?;
    let controller = match get(args, "controller").as_string() {
        Some(c) => c,
        None => get(&get(args, "signer"), "controller")
            .as_string()
            .ok_or_else(|| Error::Signer("a signer or a controller is required".into()))?,
    };
    let values = match get(args, "setValues") {
        v if v.is_undefined() || v.is_null() => None,
        v => match super::from_js_json(&v, "setValues", Error::MidSetUnique)? {
            crate::codec::Value::Array(values) => Some(values),
            _ => return Err(Error::MidSetUnique("setValues: not an array".into())),
        },
    };
    Ok((model, controller, values))
}

fn init_result(event: &Event) -> JsResult<JsValue> {
    let id = event
        .stream_id()
        .ok_or_else(|| Error::InvalidEvent("no StreamID".into()))?;
    built("streamId", JsStreamId(id).into(), &event.encode_car()?)
}

/// Build and sign the init event of a new document of a `list` Model (`{model, content,
/// signer}`), without a node. The content is not checked against the Model here (that needs the
/// Model: the node checks it when posted, `verifyEvent(car, car, { model })` checks it offline).
///
/// ```ts
/// const { streamId, car } = await createInitEvent({ model, content: { text: "hi" }, signer });
/// await client.postEvent(car); // later, when online
/// ```
#[wasm_bindgen(js_name = createInitEvent, unchecked_return_type = "Promise<BuiltInitEvent>")]
pub fn create_init_event(
    #[wasm_bindgen(
        unchecked_param_type = "{ model: StreamID | string; content: JsonObject; signer: Signer }"
    )]
    args: JsValue,
) -> js_sys::Promise {
    super::promise_of(async move {
        let model = id_arg::<StreamId>(&get(&args, "model"))?;
        let content = json_arg(get(&args, "content"), "content")?;
        let signer = JsSignerAdapter::new(get(&args, "signer"))?;
        signer.prepare().await?;
        let payload = build::document_init(signer.controller(), &model, &content)?;
        init_result(&Event::from(sign(payload, &signer).await?))
    })
}

/// The deterministic init event of the document of a `single` Model, or of a `set` Model with
/// `setValues` (in the Model's set-field order), for `controller` (or the signer's controller).
/// Nothing is signed; the same inputs always give the same StreamID.
///
/// ```ts
/// const { streamId, car } = createSingletonEvent({ model: profileModel, controller: signer.did });
/// ```
#[wasm_bindgen(js_name = createSingletonEvent, unchecked_return_type = "BuiltInitEvent")]
pub fn create_singleton_event(
    #[wasm_bindgen(
        unchecked_param_type = "{ model: StreamID | string; controller?: string; signer?: Signer; setValues?: JsonValue[] }"
    )]
    args: JsValue,
) -> JsResult<JsValue> {
    let (model, controller, values) = singleton_args(&args)?;
    init_result(&build::singleton_init(
        &controller,
        &model,
        values.as_deref(),
    )?)
}

/// Build and sign a data event that turns `current.content` into `content` (a JSON-Patch after
/// `current.commitId`), without a node. Chain them by passing each result's `commitId` with the
/// content it set as the next `current`.
///
/// ```ts
/// const next = await createDataEvent({ current: state, content: { text: "edited" }, signer });
/// await client.postEvent(next.car);
/// ```
#[wasm_bindgen(js_name = createDataEvent, unchecked_return_type = "Promise<BuiltDataEvent>")]
pub fn create_data_event(
    #[wasm_bindgen(
        unchecked_param_type = "{ current: CurrentState; content: JsonObject; signer: Signer; shouldIndex?: boolean }"
    )]
    args: JsValue,
) -> js_sys::Promise {
    super::promise_of(async move {
        let current = get(&args, "current");
        let tip = match id_arg::<CommitId>(&get(&current, "commitId")) {
            Ok(c) => c,
            // A StreamID: the stream's init event is the tip.
            Err(_) => CommitId::genesis(id_arg::<StreamId>(&get(&current, "commitId"))?),
        };
        let from = json_arg(get(&current, "content"), "current.content")?;
        let to = json_arg(get(&args, "content"), "content")?;
        let signer = JsSignerAdapter::new(get(&args, "signer"))?;
        signer.prepare().await?;
        let payload = build::update_payload(&tip, &from, &to, get(&args, "shouldIndex").as_bool());
        let event = Event::from(sign(payload, &signer).await?);
        let commit = CommitId::new(*tip.stream_id(), event.cid());
        built("commitId", JsCommitId(commit).into(), &event.encode_car()?)
    })
}
