//! Folding streams into state, and the Model / Model Instance Document rules (protocol.md §5),
//! one failing document per rule. Runs natively and under wasm (Node and headless Chromium).
#![allow(clippy::disallowed_methods)] // the cid crate's own byte forms as a reference

mod common;

use std::collections::HashMap;

use ceramic_wasm::codec::Value;
use ceramic_wasm::did::{Ed25519Signer, Signer};
use ceramic_wasm::events::{
    json_to_ipld, DataPayload, Event, InitPayload, SignedEvent, UnsignedInit,
};
use ceramic_wasm::ids::{CommitId, StreamId, StreamType};
use ceramic_wasm::json;
use ceramic_wasm::stream::{Model, ModelDefinition, PatternMatcher, StreamState};
use ceramic_wasm::verify::run_ready;
use ceramic_wasm::verify::{
    collect_from_tip, verify_event, verify_stream, AnchorLevel, EventSource, VerifiedStream,
    VerifyContext,
};
use ceramic_wasm::Result;
use cid::Cid;
use common::RecordedRpc;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

#[cfg(not(target_arch = "wasm32"))]
fn matcher() -> ceramic_wasm::stream::NativeRegex {
    ceramic_wasm::stream::NativeRegex
}
#[cfg(target_arch = "wasm32")]
fn matcher() -> ceramic_wasm::wasm::JsRegExpMatcher {
    ceramic_wasm::wasm::JsRegExpMatcher::default()
}

const NOW: i64 = 1_763_700_000; // 2025-11-21

fn signer() -> Ed25519Signer {
    Ed25519Signer::from_seed(&[7u8; 32]).unwrap()
}

fn run(events: &[Event], model: Option<&Model>) -> Result<VerifiedStream> {
    let m = matcher();
    let mut ctx = VerifyContext::new(NOW, &m);
    ctx.model = model;
    run_ready(verify_stream(
        events,
        &ctx,
        None::<&RecordedRpc>,
        &mut |_| {},
    ))
}

fn model_from(def: Value) -> (Event, Model) {
    let s = signer();
    let payload = InitPayload::builder(s.did(), &StreamId::metamodel())
        .data(json_to_ipld(&def))
        .build();
    let event = Event::from(SignedEvent::sign(payload, &s).unwrap());
    let model = Model {
        id: event.stream_id().unwrap(),
        definition: ModelDefinition::from_json(&def).unwrap(),
    };
    (event, model)
}

fn post_model(relation: Value, immutable: Value) -> Value {
    json!({
        "version": "2.0", "name": "Post", "interface": false, "implements": [],
        "accountRelation": relation,
        "schema": {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object", "additionalProperties": false,
            "properties": {
                "title": {"type": "string", "maxLength": 100},
                "body": {"type": "string"},
                "tag": {"$ref": "#/$defs/Tag"},
                "createdAt": {"type": "string", "format": "date-time", "maxLength": 40},
                "parent": {"type": "string", "maxLength": 200}
            },
            "required": ["title"],
            "$defs": {"Tag": {"type": "string", "pattern": "^#\\p{L}+$", "maxLength": 20}}
        },
        "immutableFields": immutable,
        "relations": {"parent": {"type": "document", "model": null}}
    })
}

fn list_model() -> (Event, Model) {
    model_from(post_model(json!({"type": "list"}), json!(["createdAt"])))
}

fn doc(model: &Model, content: Value) -> Event {
    let s = signer();
    let p = InitPayload::builder(s.did(), &model.id)
        .unique([1u8; 12])
        .data(json_to_ipld(&content))
        .build();
    Event::from(SignedEvent::sign(p, &s).unwrap())
}

fn update(stream: &StreamId, tip: Cid, ops: Value) -> Event {
    let p = DataPayload::new(&CommitId::new(*stream, tip), json_to_ipld(&ops));
    Event::from(SignedEvent::sign(p, &signer()).unwrap())
}

fn code(r: Result<VerifiedStream>) -> &'static str {
    match r {
        Ok(_) => "OK",
        Err(e) => e.code(),
    }
}

#[test]
fn rust_ceramic_vectors_fold_into_their_content() {
    let init = Event::decode_car(&common::fixture("SIGNED_INIT_EVENT_CAR")).unwrap();
    let data = Event::decode_car(&common::fixture("SIGNED_DATA_EVENT_CAR")).unwrap();
    let time = Event::decode_car(&common::fixture("TIME_EVENT_CAR_SINGLE_EVENT_BATCH")).unwrap();
    // Any order.
    let v = run(&[time.clone(), data.clone(), init.clone()], None).unwrap();
    assert_eq!(v.state.content, json!({"steph": 334}));
    assert_eq!(v.state.tip, time.cid());
    assert_eq!(
        v.state.log.iter().map(|e| e.kind).collect::<Vec<_>>(),
        ["init", "data", "time"]
    );
    assert_eq!(v.anchor, AnchorLevel::Unchecked);
    assert!(v
        .not_checked
        .iter()
        .any(|n| n.contains("model was not given")));

    let mut s = StreamState::from_init(&init).unwrap();
    assert_eq!(s.content, json!({"steph": 333}));
    s.apply(&data, None).unwrap();
    assert_eq!(s.content, json!({"steph": 334}));

    let unsigned = Event::decode_car(&common::fixture("UNSIGNED_INIT_EVENT_CAR")).unwrap();
    let d2 = Event::decode_car(&common::fixture("DATA_EVENT_CAR_UNSIGNED_INIT")).unwrap();
    let v = run(&[d2, unsigned], None).unwrap();
    assert_eq!(
        v.state.content,
        json!({"one": "foo", "two": "bar", "three": "foobar", "myData": 1})
    );
    assert_eq!(v.state.unique.as_deref(), Some(&b"foo|bar"[..]));
}

#[test]
fn chain_anchor_sets_the_log_time() {
    let init = Event::decode_car(&common::fixture("SIGNED_INIT_EVENT_CAR")).unwrap();
    let data = Event::decode_car(&common::fixture("SIGNED_DATA_EVENT_CAR")).unwrap();
    let time = Event::decode_car(&common::fixture("TIME_EVENT_CAR_SINGLE_EVENT_BATCH")).unwrap();
    let v = common::rust_ceramic();
    let e = &v["expected"]["TIME_EVENT_CAR_SINGLE_EVENT_BATCH"];
    let tx = e["tx_hash_hex"].as_str().unwrap();
    let rpc = RecordedRpc(vec![
        ("eth_chainId", json!(null), json!("0xaa36a7")),
        (
            "eth_getTransactionByHash",
            json!(tx),
            json!({"blockHash": "0xb1", "input": e["tx_input_hex"],
                   "to": "0x231055a0852d67c7107ad0d0dfeab60278fe6adc"}),
        ),
        (
            "eth_getBlockByHash",
            json!("0xb1"),
            json!({"number": "0x54d139", "timestamp": "0x66000000"}),
        ),
    ]);
    let m = matcher();
    let ctx = VerifyContext::new(NOW, &m);
    let mut seen = Vec::new();
    let v = run_ready(verify_stream(
        &[init, data, time],
        &ctx,
        Some(&rpc),
        &mut |p| seen.push((p.done, p.total)),
    ))
    .unwrap();
    assert_eq!(v.anchor, AnchorLevel::Chain);
    assert_eq!(v.state.log[2].anchored_at, Some(0x66000000));
    assert_eq!(seen, [(1, 3), (2, 3), (3, 3)]);
    assert!(!v.not_checked.iter().any(|n| n.contains("anchor")));
    // Without a provider for the chain: unchecked, and the report says why.
    let init = Event::decode_car(&common::fixture("SIGNED_INIT_EVENT_CAR")).unwrap();
    let data = Event::decode_car(&common::fixture("SIGNED_DATA_EVENT_CAR")).unwrap();
    let time = Event::decode_car(&common::fixture("TIME_EVENT_CAR_SINGLE_EVENT_BATCH")).unwrap();
    let v = run(&[init, data, time], None).unwrap();
    assert_eq!(v.anchor, AnchorLevel::Unchecked);
    assert!(
        v.not_checked.iter().any(|n| n.contains(
            "anchor transactions on eip155:11155111: no Ethereum provider for eip155:11155111"
        )),
        "{:?}",
        v.not_checked
    );
}

#[test]
fn documents_verify_and_fold() {
    let (model_event, model) = list_model();
    let mv = run(std::slice::from_ref(&model_event), None).unwrap();
    assert_eq!(mv.state.stream_id.stream_type(), StreamType::Model);
    assert!(mv.checks.iter().any(|c| c.detail.contains("model rules")));

    let init = doc(
        &model,
        json!({"title": "hello", "tag": "#ceramic", "createdAt": "2024-06-12T20:04:42.464Z"}),
    );
    let sid = init.stream_id().unwrap();
    let d1 = update(
        &sid,
        init.cid(),
        json!([{"op": "replace", "path": "/title", "value": "hi"}]),
    );
    let d2 = update(
        &sid,
        d1.cid(),
        json!([{"op": "add", "path": "/body", "value": "text"}]),
    );
    let v = run(&[d2.clone(), init.clone(), d1.clone()], Some(&model)).unwrap();
    assert_eq!(v.state.content["title"], "hi");
    assert_eq!(v.state.content["body"], "text");
    assert!(v.not_checked.is_empty(), "{:?}", v.not_checked);
    assert!(
        v.checks
            .iter()
            .filter(|c| c.kind == ceramic_wasm::verify::CheckKind::Schema)
            .count()
            == 3
    );

    // A Model from its init event alone; a document's init event is not a Model.
    {
        let m = matcher();
        let ctx = VerifyContext::new(NOW, &m);
        assert_eq!(
            ceramic_wasm::verify::verify_model(&model_event, &ctx).unwrap(),
            model
        );
        assert_eq!(
            ceramic_wasm::verify::verify_model(&init, &ctx)
                .unwrap_err()
                .code(),
            "INVALID_MODEL"
        );
    }

    // One event at a time.
    let m = matcher();
    let ctx = VerifyContext::new(NOW, &m).with_model(&model);
    assert!(
        !run_ready(verify_event(&d1, &init, &ctx, None::<&RecordedRpc>))
            .unwrap()
            .is_empty()
    );

    // Fetching back from the tip.
    struct Source(HashMap<Cid, Event>);
    impl EventSource for Source {
        async fn event(&self, cid: &Cid) -> Result<Event> {
            self.0
                .get(cid)
                .cloned()
                .ok_or_else(|| ceramic_wasm::Error::MissingBlock(cid.to_string()))
        }
    }
    let src = Source(
        [&init, &d1, &d2]
            .into_iter()
            .map(|e| (e.cid(), e.clone()))
            .collect(),
    );
    let log = run_ready(collect_from_tip(d2.cid(), &src, 100)).unwrap();
    assert_eq!(
        log.iter().map(Event::cid).collect::<Vec<_>>(),
        [init.cid(), d1.cid(), d2.cid()]
    );
}

#[test]
fn forks_and_broken_links() {
    let (_, model) = list_model();
    let init = doc(&model, json!({"title": "a"}));
    let sid = init.stream_id().unwrap();
    let a = update(
        &sid,
        init.cid(),
        json!([{"op": "replace", "path": "/title", "value": "A"}]),
    );
    let b = update(
        &sid,
        init.cid(),
        json!([{"op": "replace", "path": "/title", "value": "B"}]),
    );
    let v = run(&[init.clone(), a.clone(), b.clone()], Some(&model)).unwrap();
    // Neither branch is anchored and both have one event: the smaller tip CID wins.
    let (win, lose) = if a.cid().to_bytes() < b.cid().to_bytes() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    assert_eq!(v.state.tip, win.cid());
    assert_eq!(v.discarded, vec![lose.cid()]);
    // A longer unanchored branch wins over a shorter one.
    let c = update(
        &sid,
        lose.cid(),
        json!([{"op": "add", "path": "/body", "value": "x"}]),
    );
    let v = run(
        &[init.clone(), a.clone(), b.clone(), c.clone()],
        Some(&model),
    )
    .unwrap();
    assert_eq!(v.state.tip, c.cid());

    let mut s = StreamState::from_init(&init).unwrap();
    s.apply(&a, None).unwrap();
    assert_eq!(s.apply(&b, None).unwrap_err().code(), "FORK");
    let orphan = update(&sid, Cid::default(), json!([]));
    assert_eq!(
        code(run(&[init.clone(), orphan], Some(&model))),
        "BROKEN_LINK"
    );
    assert_eq!(
        code(run(std::slice::from_ref(&a), Some(&model))),
        "BROKEN_LINK"
    );
    let other = doc(&model, json!({"title": "other"}));
    assert_eq!(code(run(&[init, other], Some(&model))), "BROKEN_LINK");
}

#[test]
fn each_document_rule_fails_with_its_own_code() {
    let (_, list) = list_model();
    let s = signer();
    let content = json!({"title": "t"});

    // 1. Exactly one valid controller; the model must be a Model StreamID.
    let mut p = InitPayload::builder(s.did(), &list.id)
        .unique([1u8; 12])
        .data(json_to_ipld(&content))
        .build();
    p.header
        .controllers
        .push("did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp".into());
    let two = Event::from(SignedEvent::sign(p, &s).unwrap());
    assert_eq!(code(run(&[two], Some(&list))), "MID_CONTROLLER");
    let not_a_model = StreamId::new(StreamType::ModelInstanceDocument, *list.id.cid());
    let p = InitPayload::builder(s.did(), &not_a_model)
        .unique([1u8; 12])
        .data(json_to_ipld(&content))
        .build();
    assert_eq!(
        code(run(
            &[Event::from(SignedEvent::sign(p, &s).unwrap())],
            Some(&list)
        )),
        "MID_MODEL_TYPE"
    );

    // 2. Not on interfaces.
    let mut iface = post_model(json!({"type": "none"}), json!([]));
    iface["interface"] = json!(true);
    let (_, iface) = model_from(iface);
    assert_eq!(
        code(run(&[doc(&iface, content.clone())], Some(&iface))),
        "MID_INTERFACE_MODEL"
    );

    // 3. unique: list needs one, single has none.
    let p = InitPayload::builder(s.did(), &list.id)
        .data(json_to_ipld(&content))
        .build();
    assert_eq!(
        code(run(
            &[Event::from(SignedEvent::sign(p, &s).unwrap())],
            Some(&list)
        )),
        "MID_UNIQUE"
    );
    let (_, single) = model_from(post_model(json!({"type": "single"}), json!(["createdAt"])));
    let p = InitPayload::builder(s.did(), &single.id)
        .unique([1u8])
        .build();
    assert_eq!(
        code(run(
            &[Event::from(UnsignedInit::new(p).unwrap())],
            Some(&single)
        )),
        "MID_UNIQUE"
    );

    // 4. Deterministic inits carry no content; signed inits must.
    let p = InitPayload::builder(s.did(), &single.id)
        .data(json_to_ipld(&content))
        .build();
    assert_eq!(
        code(run(
            &[Event::from(UnsignedInit::new(p).unwrap())],
            Some(&single)
        )),
        "MID_GENESIS_CONTENT"
    );
    let p = InitPayload::builder(s.did(), &list.id)
        .unique([1u8; 12])
        .build();
    assert_eq!(
        code(run(
            &[Event::from(SignedEvent::sign(p, &s).unwrap())],
            Some(&list)
        )),
        "MID_GENESIS_CONTENT"
    );

    // 5. Schema, and the size limit.
    assert_eq!(
        code(run(&[doc(&list, json!({"title": 5}))], Some(&list))),
        "SCHEMA_VIOLATION"
    );
    assert_eq!(
        code(run(
            &[doc(&list, json!({"title": "t", "tag": "no-hash"}))],
            Some(&list)
        )),
        "SCHEMA_VIOLATION"
    );
    assert_eq!(
        code(run(
            &[doc(&list, json!({"title": "t", "extra": 1}))],
            Some(&list)
        )),
        "SCHEMA_VIOLATION"
    );
    assert_eq!(
        code(run(
            &[doc(&list, json!({"title": "t", "createdAt": "yesterday"}))],
            Some(&list)
        )),
        "SCHEMA_VIOLATION"
    );
    let huge = doc(&list, json!({"title": "t", "body": "x".repeat(16_000_001)}));
    assert_eq!(code(run(&[huge], Some(&list))), "MID_TOO_LARGE");
    let init = doc(&list, content.clone());
    let sid = init.stream_id().unwrap();
    let bad = update(
        &sid,
        init.cid(),
        json!([{"op": "remove", "path": "/title"}]),
    );
    assert_eq!(
        code(run(&[init.clone(), bad], Some(&list))),
        "SCHEMA_VIOLATION"
    );

    // 6. Set documents: unique is the joined set values, and set fields never change.
    let set_def = {
        let mut d = post_model(json!({"type": "set", "fields": ["title"]}), json!([]));
        d["schema"]["properties"]["title"] = json!({"type": "string", "maxLength": 100});
        d
    };
    let (_, set) = model_from(set_def);
    let p = InitPayload::builder(s.did(), &set.id)
        .unique(b"cats".to_vec())
        .build();
    let set_init = Event::from(UnsignedInit::new(p).unwrap());
    let sid = set_init.stream_id().unwrap();
    let first = update(
        &sid,
        set_init.cid(),
        json!([{"op": "add", "path": "/title", "value": "dogs"}]),
    );
    assert_eq!(
        code(run(&[set_init.clone(), first], Some(&set))),
        "MID_SET_UNIQUE"
    );
    let first = update(
        &sid,
        set_init.cid(),
        json!([{"op": "add", "path": "/title", "value": "cats"}]),
    );
    assert_eq!(
        code(run(&[set_init.clone(), first.clone()], Some(&set))),
        "OK"
    );
    let second = update(
        &sid,
        first.cid(),
        json!([{"op": "replace", "path": "/title", "value": "dogs"}]),
    );
    assert_eq!(
        code(run(&[set_init, first, second], Some(&set))),
        "MID_SET_FIELD_CHANGED"
    );

    // 7. Immutable fields: no patch touches them (deterministic documents may set them first).
    let init = doc(
        &list,
        json!({"title": "t", "createdAt": "2024-06-12T20:04:42.464Z"}),
    );
    let sid = init.stream_id().unwrap();
    let touch = update(
        &sid,
        init.cid(),
        json!([{"op": "replace", "path": "/createdAt", "value": "2025-01-01T00:00:00Z"}]),
    );
    assert_eq!(
        code(run(&[init.clone(), touch], Some(&list))),
        "MID_IMMUTABLE_FIELD"
    );
    let p = InitPayload::builder(s.did(), &single.id).build();
    let single_init = Event::from(UnsignedInit::new(p).unwrap());
    let sid = single_init.stream_id().unwrap();
    let set_once = update(
        &sid,
        single_init.cid(),
        json!([{"op": "add", "path": "/title", "value": "t"}, {"op": "add", "path": "/createdAt", "value": "2024-06-12T20:04:42.464Z"}]),
    );
    assert_eq!(
        code(run(&[single_init.clone(), set_once.clone()], Some(&single))),
        "OK"
    );
    let again = update(
        &sid,
        set_once.cid(),
        json!([{"op": "remove", "path": "/createdAt"}]),
    );
    assert_eq!(
        code(run(&[single_init, set_once, again], Some(&single))),
        "MID_IMMUTABLE_FIELD"
    );

    // 8. Relations name documents.
    assert_eq!(
        code(run(
            &[doc(&list, json!({"title": "t", "parent": "not-a-stream"}))],
            Some(&list)
        )),
        "MID_RELATION"
    );
    assert_eq!(
        code(run(
            &[doc(
                &list,
                json!({"title": "t", "parent": list.id.to_string()})
            )],
            Some(&list)
        )),
        "MID_RELATION"
    );
    let parent = doc(&list, json!({"title": "p"})).stream_id().unwrap();
    assert_eq!(
        code(run(
            &[doc(
                &list,
                json!({"title": "t", "parent": parent.to_string()})
            )],
            Some(&list)
        )),
        "OK"
    );

    // 9. Signatures: a document signed by someone else.
    let other = Ed25519Signer::generate().unwrap();
    let p = InitPayload::builder(s.did(), &list.id)
        .unique([2u8; 12])
        .data(json_to_ipld(&content))
        .build();
    let forged = Event::from(SignedEvent::sign(p, &other).unwrap());
    assert_eq!(code(run(&[forged], Some(&list))), "UNAUTHORIZED_SIGNER");
}

#[test]
fn model_rules() {
    let m = matcher();
    let base = post_model(json!({"type": "list"}), json!([]));
    ModelDefinition::from_json(&base)
        .unwrap()
        .validate(&m)
        .unwrap();
    type Change = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Change)> = vec![
        ("version", Box::new(|d| d["version"] = json!("3.0"))),
        (
            "open object",
            Box::new(|d| {
                d["schema"]["properties"]["meta"] = json!({"type": "object"});
            }),
        ),
        (
            "unknown keyword",
            Box::new(|d| d["schema"]["properties"]["title"]["maxGraphemes"] = json!(3)),
        ),
        (
            "unknown format",
            Box::new(|d| d["schema"]["properties"]["title"]["format"] = json!("color")),
        ),
        (
            "bad regex",
            Box::new(|d| d["schema"]["$defs"]["Tag"]["pattern"] = json!("([")),
        ),
        (
            "set field not required",
            Box::new(|d| d["accountRelation"] = json!({"type": "set", "fields": ["body"]})),
        ),
        (
            "interface without fields",
            Box::new(|d| {
                d["interface"] = json!(true);
                d["accountRelation"] = json!({"type": "none"});
                d["schema"]["properties"] = json!({});
                d["schema"]["required"] = json!([]);
            }),
        ),
        (
            "none on a non-interface",
            Box::new(|d| d["accountRelation"] = json!({"type": "none"})),
        ),
        (
            "bad relation",
            Box::new(
                |d| d["relations"]["parent"] = json!({"type": "document", "model": "kjzl6kcym7w8y8fn6y54ys70b3199rzcvycug2qf2rvmwntlnoysenmzv4ntnke"}),
            ),
        ),
        (
            "v2 without implements",
            Box::new(|d| {
                d.as_object_mut().unwrap().remove("implements");
            }),
        ),
        (
            "not an object schema",
            Box::new(|d| d["schema"]["type"] = json!("array")),
        ),
    ];
    for (name, change) in cases {
        let mut d = base.clone();
        change(&mut d);
        let err = ModelDefinition::from_json(&d)
            .and_then(|def| def.validate(&m))
            .unwrap_err();
        assert_eq!(err.code(), "INVALID_MODEL", "{name}: {err}");
    }
    // A Model stream whose definition breaks a rule fails verification.
    let mut d = base.clone();
    d["schema"]["additionalProperties"] = json!(true);
    let (event, _) = model_from(d);
    assert_eq!(code(run(&[event], None)), "INVALID_MODEL");
    assert!(m.is_match("^#\\p{L}+$", "#été").unwrap());
}

/// A time event on a development chain (as ceramic-devnode writes them) is reported as locally
/// anchored, never as chain-verified; a proof whose path does not reach `prev` fails.
#[test]
fn local_anchors_are_reported_as_local() {
    use ceramic_wasm::codec::DagCborExt;
    use ceramic_wasm::events::{AnchorProof, RawTimeEvent, TimeEvent};
    use ceramic_wasm::verify::CheckKind;
    let (_, model) = list_model();
    let init = doc(&model, json!({"title": "t"}));
    let tx: Cid = "bagjqcgzadp7fstu7fz5tfi474ugsjqx5h6yvevn54w5m4akayhegdsonwciq"
        .parse()
        .unwrap();
    let time = |root: Cid| {
        let proof = AnchorProof {
            chain_id: "inmemory:0".into(),
            root,
            tx_hash: tx,
            tx_type: None,
        };
        let raw = RawTimeEvent {
            id: init.cid(),
            prev: init.cid(),
            proof: proof.to_cid().unwrap(),
            path: String::new(),
        };
        Event::from(TimeEvent::new(raw, proof, vec![]).unwrap())
    };
    let anchored = time(init.cid());
    // Through a CAR and back, as it would come from a node.
    let anchored = Event::decode_car(&anchored.encode_car().unwrap()).unwrap();
    let v = run(&[init.clone(), anchored.clone()], Some(&model)).unwrap();
    assert_eq!(v.anchor, AnchorLevel::Local);
    let local = v
        .checks
        .iter()
        .find(|c| c.kind == CheckKind::LocalAnchor)
        .unwrap();
    assert!(
        local.detail.contains("development chain"),
        "{}",
        local.detail
    );
    assert!(!v.checks.iter().any(|c| c.kind == CheckKind::ChainAnchor));
    assert_eq!(v.state.log[1].anchored_at, None);

    let wrong = time(model.id.cid().to_owned());
    assert_eq!(code(run(&[init, wrong], Some(&model))), "BAD_ANCHOR_PROOF");
}

/// An update whose signature does not verify (one bit of it flipped).
fn badly_signed_update(stream: &StreamId, tip: Cid, ops: Value) -> Event {
    use ceramic_wasm::events::SigningRequest;
    let s = signer();
    let p = DataPayload::new(&CommitId::new(*stream, tip), json_to_ipld(&ops));
    let req = SigningRequest::new(p, s.algorithm(), s.kid(), None).unwrap();
    let mut sig = s.sign(&req.signing_input()).unwrap();
    sig[40] ^= 0x10;
    Event::from(req.finish_trusted(sig).unwrap())
}

/// `verify_stream` checks its Ed25519 signatures in one batch at the end; the outcome is what
/// checking each in its place gives: a bad signature is reported even when a later event breaks
/// another rule, and the other rule when the bad signature comes after it.
#[test]
fn batched_signatures_fail_in_their_place() {
    let (_, model) = list_model();
    let init = doc(&model, json!({"title": "a"}));
    let sid = init.stream_id().unwrap();
    let mut events = vec![init.clone()];
    let mut tip = init.cid();
    for i in 0..40 {
        let e = update(
            &sid,
            tip,
            json!([{"op": "replace", "path": "/title", "value": format!("t{i}")}]),
        );
        tip = e.cid();
        events.push(e);
    }
    let v = run(&events, Some(&model)).unwrap();
    assert_eq!(v.state.content["title"], "t39");
    use ceramic_wasm::verify::CheckKind;
    assert_eq!(
        v.checks
            .iter()
            .filter(|c| c.kind == CheckKind::Signature)
            .count(),
        41
    );

    let bad = badly_signed_update(
        &sid,
        tip,
        json!([{"op": "replace", "path": "/title", "value": "bad"}]),
    );
    // A later update breaking the schema: `title` must be a string.
    let schema_breaker = update(
        &sid,
        bad.cid(),
        json!([{"op": "replace", "path": "/title", "value": 5}]),
    );
    let mut with_bad = events.clone();
    with_bad.extend([bad.clone(), schema_breaker]);
    let err = run(&with_bad, Some(&model)).unwrap_err();
    assert_eq!(err.code(), "BAD_SIGNATURE");
    assert_eq!(
        err.to_string(),
        format!(
            "bad signature: EdDSA signature does not verify for {}",
            signer().did()
        )
    );
    // The same bad signature after a schema failure: the schema failure is reported.
    let breaker_first = update(
        &sid,
        tip,
        json!([{"op": "replace", "path": "/title", "value": 5}]),
    );
    let bad_after = badly_signed_update(&sid, breaker_first.cid(), json!([]));
    let mut rule_first = events.clone();
    rule_first.extend([breaker_first, bad_after]);
    let err = run(&rule_first, Some(&model)).unwrap_err();
    assert_ne!(err.code(), "BAD_SIGNATURE");
    assert_eq!(err.code(), code(run(&rule_first[..42], Some(&model))));
}

/// `verify_events` (one batch for many events) gives what `verify_event` gives one by one, and
/// names the first event that fails.
#[test]
fn verify_events_is_verify_event_for_many() {
    let (_, model) = list_model();
    let m = matcher();
    let mut ctx = VerifyContext::new(NOW, &m);
    ctx.model = Some(&model);
    let inits: Vec<Event> = (0..30)
        .map(|i| doc(&model, json!({"title": format!("doc {i}")})))
        .collect();
    let init = &inits[0];
    let sid = init.stream_id().unwrap();
    let up = update(
        &sid,
        init.cid(),
        json!([{"op": "replace", "path": "/title", "value": "x"}]),
    );
    let mut pairs: Vec<(&Event, &Event)> = inits.iter().map(|e| (e, e)).collect();
    pairs.push((&up, init));
    // The outcomes of one batch, and of one `verify_event` per pair.
    let both = |pairs: &[(&Event, &Event)]| {
        let batched = run_ready(ceramic_wasm::verify::verify_events(
            pairs,
            &ctx,
            None::<&RecordedRpc>,
        ))
        .unwrap();
        let single: Vec<_> = pairs
            .iter()
            .map(|(e, i)| run_ready(verify_event(e, i, &ctx, None::<&RecordedRpc>)))
            .collect();
        (batched, single)
    };
    let (batched, single) = both(&pairs);
    assert!(single.iter().all(|r| r.is_ok()));
    assert_eq!(batched, single);

    // A bad signature at 12, an event of another stream at 5 (and a bad signature at 20 whose
    // event also belongs to another stream: the stream is checked first, as alone).
    let bad = badly_signed_update(&sid, init.cid(), json!([]));
    let mut mixed = pairs.clone();
    mixed[12] = (&bad, init);
    mixed[5] = (&up, &inits[1]);
    mixed[20] = (&bad, &inits[2]);
    let (batched, single) = both(&mixed);
    let codes = |v: &[Result<Vec<ceramic_wasm::verify::Check>>]| -> Vec<&'static str> {
        v.iter()
            .map(|r| r.as_ref().map_or_else(|e| e.code(), |_| "OK"))
            .collect()
    };
    assert_eq!(codes(&batched), codes(&single));
    assert_eq!(
        (codes(&batched)[5], codes(&batched)[12], codes(&batched)[20]),
        ("BROKEN_LINK", "BAD_SIGNATURE", "BROKEN_LINK")
    );
    assert_eq!(codes(&batched).iter().filter(|c| **c == "OK").count(), 28);
}
