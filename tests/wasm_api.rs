//! The JS surface, exercised from wasm in Node and in headless Chromium: conversions, the
//! `CeramicError` shape, and signing with keys generated from `crypto.getRandomValues`.
#![cfg(target_arch = "wasm32")]

mod common;

use ceramic_wasm::did::{Ed25519Signer, Signer};
use ceramic_wasm::events::{json_to_ipld, Event, InitPayload, SignedEvent};
use ceramic_wasm::ids::StreamId;
use ceramic_wasm::wasm::{decode_event, JsKeyDidSigner, JsStreamId};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test as test;

/// A returned Promise, settled.
async fn settle(p: js_sys::Promise) -> Result<JsValue, JsValue> {
    wasm_bindgen_futures::JsFuture::from(p).await
}

fn error_code(err: &JsValue) -> String {
    assert!(err.is_instance_of::<js_sys::Error>(), "a real Error");
    let e: &js_sys::Error = err.unchecked_ref();
    assert_eq!(String::from(e.name()), "CeramicError");
    js_sys::Reflect::get(err, &"code".into())
        .unwrap()
        .as_string()
        .unwrap()
}

#[test]
fn errors_are_ceramic_errors_with_codes() {
    let err = JsStreamId::from_string("not-a-stream-id").err().unwrap();
    assert_eq!(error_code(&err), "INVALID_STREAM_ID");
    let err = decode_event(JsValue::from_str("mAAAA")).err().unwrap();
    assert_eq!(error_code(&err), "INVALID_CAR");
    let err = decode_event(JsValue::from_f64(1.0)).err().unwrap();
    assert_eq!(error_code(&err), "INVALID_CAR");
    let err = JsKeyDidSigner::from_seed(&[1, 2, 3]).err().unwrap();
    assert_eq!(error_code(&err), "INVALID_KEY");
}

#[test]
async fn decode_and_verify_through_the_js_surface() {
    let v = common::rust_ceramic();
    let car = v["fixtures"]["SIGNED_INIT_EVENT_CAR"].as_str().unwrap();
    let ev = decode_event(JsValue::from_str(car)).unwrap();
    assert_eq!(ev.kind(), "init");
    assert_eq!(
        ev.cid(),
        "bagcqcerar2aga7747dm6fota3iipogz4q55gkaamcx2weebs6emvtvie2oha"
    );
    assert_eq!(
        settle(ev.verify_signature())
            .await
            .unwrap()
            .as_string()
            .unwrap(),
        "did:key:z6MktBynAPLrEyeS7pVthbiyScmfu8n5V7boXgxyo5q3SZRR"
    );
    assert_eq!(
        ev.to_car().unwrap(),
        common::fixture("SIGNED_INIT_EVENT_CAR")
    );
    assert_eq!(
        ev.stream_id().unwrap().to_string_js(),
        "kjzl6kcym7w8y8fn6y54ys70b3199rzcvycug2qf2rvmwntlnoysenmzv4ntnke"
    );
    // Bytes work too, and re-encoding as multibase gives back the `m` form.
    let bytes = js_sys::Uint8Array::from(&common::fixture("SIGNED_DATA_EVENT_CAR")[..]);
    let data = decode_event(bytes.into()).unwrap();
    assert_eq!(data.kind(), "data");
    assert!(data.to_multibase().unwrap().starts_with('m'));
}

#[test]
async fn generated_keys_sign_events_that_verify() {
    let signer = Ed25519Signer::generate().unwrap();
    let other = Ed25519Signer::generate().unwrap();
    assert_ne!(signer.did(), other.did());
    let model: StreamId = "kjzl6hvfrbw6c90uwoyz8j519gxma787qbsfjtrarkr1huq1g1s224k7hopvsyg"
        .parse()
        .unwrap();
    let payload = InitPayload::builder(signer.did(), &model)
        .random_unique()
        .unwrap()
        .data(json_to_ipld(&ceramic_wasm::json!({"hello": "wasm"})))
        .build();
    let event = Event::from(SignedEvent::sign(payload, &signer).unwrap());
    let car = event.encode_car().unwrap();
    let back = decode_event(js_sys::Uint8Array::from(&car[..]).into()).unwrap();
    assert_eq!(
        settle(back.verify_signature())
            .await
            .unwrap()
            .as_string()
            .as_deref(),
        Some(signer.did())
    );

    let js = JsKeyDidSigner::generate().unwrap();
    assert!(js.did().starts_with("did:key:z6Mk"));
    assert_eq!(js.public_key().len(), 32);
}

fn get(v: &JsValue, path: &[&str]) -> JsValue {
    path.iter().fold(v.clone(), |v, k| {
        js_sys::Reflect::get(&v, &(*k).into()).unwrap()
    })
}

#[test]
async fn verify_stream_and_event_through_the_js_surface() {
    use ceramic_wasm::wasm::{verify_event, verify_stream};
    let v = common::rust_ceramic();
    let car = |n: &str| JsValue::from_str(v["fixtures"][n].as_str().unwrap());
    let opts = js_sys::Object::new();
    js_sys::Reflect::set(&opts, &"now".into(), &1_718_400_000.0.into()).unwrap();
    let calls = std::rc::Rc::new(std::cell::Cell::new(0));
    let seen = calls.clone();
    let cb = wasm_bindgen::closure::Closure::<dyn FnMut(f64, f64)>::new(move |_d: f64, _t: f64| {
        seen.set(seen.get() + 1)
    });
    js_sys::Reflect::set(&opts, &"onProgress".into(), cb.as_ref()).unwrap();
    let out = settle(verify_stream(
        vec![
            car("TIME_EVENT_CAR_SINGLE_EVENT_BATCH"),
            car("SIGNED_DATA_EVENT_CAR"),
            car("SIGNED_INIT_EVENT_CAR"),
        ],
        Some(opts.clone().unchecked_into()),
    ))
    .await
    .unwrap();
    assert_eq!(
        get(&out, &["state", "content", "steph"]).as_f64(),
        Some(334.0)
    );
    assert_eq!(
        get(&out, &["anchor"]).as_string().as_deref(),
        Some("unchecked")
    );
    assert_eq!(
        get(&out, &["state", "log", "2", "kind"])
            .as_string()
            .as_deref(),
        Some("time")
    );
    assert_eq!(calls.get(), 3);

    let checks = settle(verify_event(
        car("CACAO_SIGNED_DATA_EVENT_CAR"),
        Some(car("CACAO_SIGNED_DATA_EVENT_CAR")),
        Some(opts.unchecked_into()),
    ))
    .await
    .unwrap();
    let checks: js_sys::Array = checks.unchecked_into();
    assert!(checks
        .iter()
        .any(|c| get(&c, &["kind"]).as_string().as_deref() == Some("capabilitySignature")));

    // Expired at "now": a CeramicError with the code.
    let late = js_sys::Object::new();
    js_sys::Reflect::set(&late, &"now".into(), &1_800_000_000.0.into()).unwrap();
    let err = settle(verify_event(
        car("CACAO_SIGNED_DATA_EVENT_CAR"),
        None,
        Some(late.unchecked_into()),
    ))
    .await
    .unwrap_err();
    assert_eq!(error_code(&err), "CAPABILITY_EXPIRED");
    // A data event needs its init event.
    let err = settle(verify_event(car("SIGNED_DATA_EVENT_CAR"), None, None))
        .await
        .unwrap_err();
    assert_eq!(error_code(&err), "BROKEN_LINK");
    // A data event without its init: a broken link.
    let err = settle(verify_stream(vec![car("SIGNED_DATA_EVENT_CAR")], None))
        .await
        .unwrap_err();
    assert_eq!(error_code(&err), "BROKEN_LINK");
}
