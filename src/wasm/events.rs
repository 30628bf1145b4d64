use wasm_bindgen::prelude::*;

use super::JsResult;
use crate::codec::multibase;
use crate::events::Event;
use crate::Error;

/// A decoded Ceramic event.
///
/// ```ts
/// const ev = decodeEvent(carBytes);
/// ev.kind; // "init" | "data" | "time"
/// ```
#[wasm_bindgen(js_name = Event)]
pub struct JsEvent(pub(crate) Event);

/// Decode an event CAR: bytes, or a multibase string as nodes send it (`m…`, `u…`, …).
/// The root and payload must be canonical and the blocks must match their CIDs.
///
/// ```ts
/// const ev = decodeEvent("mO6Jlcm9vdHOB…");
/// ```
#[wasm_bindgen(js_name = decodeEvent)]
pub fn decode_event(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] car: JsValue,
) -> JsResult<JsEvent> {
    Ok(JsEvent(Event::decode_car(&car_bytes(car)?)?))
}

/// CAR bytes from a `Uint8Array` or a multibase string.
pub(crate) fn car_bytes(car: JsValue) -> JsResult<Vec<u8>> {
    Ok(read_car(car)?)
}

/// [`car_bytes`] with the core's error.
pub(crate) fn read_car(car: JsValue) -> crate::Result<Vec<u8>> {
    if let Some(s) = car.as_string() {
        multibase::decode(&s)
    } else if car.is_instance_of::<js_sys::Uint8Array>() {
        Ok(js_sys::Uint8Array::from(car).to_vec())
    } else {
        Err(Error::InvalidCar(
            "expected a Uint8Array or a multibase string".into(),
        ))
    }
}

#[wasm_bindgen(js_class = Event)]
impl JsEvent {
    /// The event CID.
    ///
    /// ```ts
    /// ev.cid; // "bagcqcera…"
    /// ```
    #[wasm_bindgen(getter)]
    pub fn cid(&self) -> String {
        crate::codec::cid_text(&self.0.cid()).to_string()
    }

    /// `"init"`, `"data"` or `"time"`.
    ///
    /// ```ts
    /// ev.kind;
    /// ```
    #[wasm_bindgen(getter, unchecked_return_type = "\"init\" | \"data\" | \"time\"")]
    pub fn kind(&self) -> String {
        self.0.kind().as_str().into()
    }

    /// Whether the event is signed.
    ///
    /// ```ts
    /// ev.signed;
    /// ```
    #[wasm_bindgen(getter)]
    pub fn signed(&self) -> bool {
        matches!(self.0, Event::SignedInit(_) | Event::Data(_))
    }

    /// The CID of the stream's init event.
    ///
    /// ```ts
    /// ev.streamCid;
    /// ```
    #[wasm_bindgen(getter, js_name = streamCid)]
    pub fn stream_cid(&self) -> String {
        crate::codec::cid_text(&self.0.stream_cid()).to_string()
    }

    /// The previous event's CID (undefined for init events).
    ///
    /// ```ts
    /// ev.prev;
    /// ```
    #[wasm_bindgen(getter)]
    pub fn prev(&self) -> Option<String> {
        self.0
            .prev()
            .map(|c| crate::codec::cid_text(&c).to_string())
    }

    /// The StreamID an init event creates (undefined for other events).
    ///
    /// ```ts
    /// ev.streamId?.toString();
    /// ```
    #[wasm_bindgen(getter, js_name = streamId)]
    pub fn stream_id(&self) -> Option<super::JsStreamId> {
        self.0.stream_id().map(super::JsStreamId)
    }

    /// Check the JWS signature; resolves to the signer's DID. Rejects with `BAD_SIGNATURE` if it
    /// does not verify, `INVALID_EVENT` for unsigned events.
    ///
    /// ```ts
    /// const did = await ev.verifySignature();
    /// ```
    #[wasm_bindgen(js_name = verifySignature, unchecked_return_type = "Promise<string>")]
    pub fn verify_signature(&self) -> js_sys::Promise {
        let event = self.0.clone();
        super::lazy::sync_promise(move || {
            let v = match &event {
                Event::SignedInit(e) => e.verify_signature()?,
                Event::Data(e) => e.verify_signature()?,
                _ => return Err(Error::InvalidEvent("the event is not signed".into()).into()),
            };
            Ok(v.did.into())
        })
    }

    /// The event's CAR bytes (byte-identical to what was decoded).
    ///
    /// ```ts
    /// const car: Uint8Array = ev.toCar();
    /// ```
    #[wasm_bindgen(js_name = toCar)]
    pub fn to_car(&self) -> JsResult<Vec<u8>> {
        Ok(self.0.encode_car()?)
    }

    /// The CAR as the `m…` base64 multibase string `POST /ceramic/events` takes.
    ///
    /// ```ts
    /// await fetch(`${url}/ceramic/events`, { method: "POST", body: JSON.stringify({ data: ev.toMultibase() }) });
    /// ```
    #[wasm_bindgen(js_name = toMultibase)]
    pub fn to_multibase(&self) -> JsResult<String> {
        Ok(multibase::encode_car(&self.0.encode_car()?))
    }
}

/// An event's CAR bytes (what `POST /ceramic/events` carries, before multibase).
///
/// ```ts
/// const car: Uint8Array = encodeEvent(decodeEvent(str));
/// ```
#[wasm_bindgen(js_name = encodeEvent)]
pub fn encode_event(event: &JsEvent) -> JsResult<Vec<u8>> {
    Ok(event.0.encode_car()?)
}
