//! Limits: each bound on untrusted input is a clear, coded error — never a crash, an exhausted
//! stack or a long stall. CAR size (4 MiB), block size (256,000 bytes, the JS SDK's), blocks per
//! CAR, events per verification call, nesting depth of DAG-CBOR and JSON, and schema recursion.
#![cfg(not(target_arch = "wasm32"))]

use ceramic_wasm::codec::Value;
use ceramic_wasm::codec::{decode_strict, Block, Car, CarLimits, DAG_CBOR};
use ceramic_wasm::did::{Ed25519Signer, Signer};
use ceramic_wasm::events::{json_to_ipld, DataPayload, Event, InitPayload, SignedEvent};
use ceramic_wasm::ids::{CommitId, StreamId};
use ceramic_wasm::json;
use ceramic_wasm::stream::schema::{check_schema, validate};
use ceramic_wasm::stream::{apply_patch, NativeRegex};
use ceramic_wasm::verify::{run_ready, verify_stream, NoRpc, VerifyContext};

fn code<T: std::fmt::Debug>(r: ceramic_wasm::Result<T>) -> &'static str {
    r.expect_err("expected an error").code()
}

fn car_of(blocks: Vec<Block>) -> Vec<u8> {
    let roots = vec![blocks[0].cid];
    Car::new(roots, blocks).encode().unwrap()
}

#[test]
fn car_size_block_size_and_block_count() {
    let limits = CarLimits::default();
    assert_eq!(
        (
            limits.max_car_bytes,
            limits.max_block_bytes,
            limits.max_blocks
        ),
        (4 * 1024 * 1024, 256_000, 4096)
    );
    // A block of 256,000 bytes passes; one byte more does not.
    let at = |n: usize| Block::new(DAG_CBOR, vec![0x40; n]);
    assert!(Car::decode(&car_of(vec![at(256_000)])).is_ok());
    assert_eq!(code(Car::decode(&car_of(vec![at(256_001)]))), "TOO_LARGE");
    // More than 4 MiB in all, of blocks each within the limit.
    let many: Vec<Block> = (0..17u8)
        .map(|i| {
            let mut b = vec![0x40; 250_000];
            b[1] = i;
            Block::new(DAG_CBOR, b)
        })
        .collect();
    assert_eq!(code(Car::decode(&car_of(many))), "TOO_LARGE");
    // More than 4,096 blocks.
    let tiny: Vec<Block> = (0..4097u32)
        .map(|i| Block::new(DAG_CBOR, i.to_be_bytes().to_vec()))
        .collect();
    assert_eq!(code(Car::decode(&car_of(tiny))), "TOO_LARGE");
    // Each limit can be set.
    let small = CarLimits {
        max_car_bytes: 100,
        ..CarLimits::default()
    };
    assert_eq!(
        code(Car::decode_with_limits(&car_of(vec![at(200)]), &small)),
        "TOO_LARGE"
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    // An init payload whose content is 100,000 nested one-element arrays (DAG-CBOR): the
    // decoder's depth limit, not the stack, ends it.
    let key = Ed25519Signer::from_seed(&[4; 32]).unwrap();
    let payload = InitPayload::builder(key.did(), &StreamId::metamodel())
        .data(json_to_ipld(&json!(0)))
        .build();
    let bytes = serde_ipld_dagcbor::to_vec(&payload).unwrap();
    // {"data": 0, "header": …}: the content is the byte after the "data" key.
    let at = bytes.windows(5).position(|w| w == b"ddata").unwrap() + 5;
    assert_eq!(bytes[at], 0x00);
    let mut deep = bytes[..at].to_vec();
    deep.extend(std::iter::repeat_n(0x81u8, 100_000));
    deep.extend(&bytes[at..]);
    assert!(decode_strict::<InitPayload>(&bytes, "payload").is_ok());
    assert_eq!(
        code(decode_strict::<InitPayload>(&deep, "payload")),
        "INVALID_CBOR"
    );
    let car = car_of(vec![Block::new(DAG_CBOR, deep)]);
    assert_eq!(code(Event::decode_car(&car)), "INVALID_CBOR");
    // The same depth in JSON (content, a patch, a schema): serde_json's recursion limit.
    let text = format!("{}0{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(serde_json::from_str::<Value>(&text).is_err());
    // Within the limit, a deep document still folds and validates.
    let mut v = json!(0);
    for _ in 0..100 {
        v = json!([v]);
    }
    let patched = apply_patch(
        &json!({}),
        &json!([{ "op": "add", "path": "/a", "value": v }]),
    );
    assert!(patched.is_ok());
    assert!(validate(
        &json!({ "type": "object" }),
        &patched.unwrap(),
        &NativeRegex
    )
    .is_ok());
}

#[test]
fn schema_recursion_is_bounded() {
    // A schema that refers to itself forever, and a document deep enough to follow it.
    let schema = json!({
        "$defs": { "n": { "type": "array", "items": { "$ref": "#/$defs/n" } } },
        "$ref": "#/$defs/n"
    });
    let mut doc = json!([]);
    for _ in 0..100 {
        doc = json!([doc]);
    }
    let e = validate(&schema, &doc, &NativeRegex).unwrap_err();
    assert_eq!(e.code(), "TOO_LARGE");
    assert!(e.to_string().contains("deeper than 64"), "{e}");
    // A limit is neither valid nor invalid: `not` (or `anyOf`) does not turn it into a pass.
    let negated = json!({
        "$defs": { "n": { "type": "array", "items": { "$ref": "#/$defs/n" } } },
        "not": { "$ref": "#/$defs/n" }
    });
    let e = validate(&negated, &doc, &NativeRegex).unwrap_err();
    assert_eq!(e.code(), "TOO_LARGE");
    // A shallow document under the same schema is fine.
    assert!(validate(&schema, &json!([[[]]]), &NativeRegex).is_ok());
    // A $ref cycle without any document to follow: the check of the schema itself ends too.
    let cycle = json!({ "$defs": { "a": { "$ref": "#/$defs/b" }, "b": { "$ref": "#/$defs/a" } }, "$ref": "#/$defs/a" });
    let r =
        check_schema(&cycle, &NativeRegex).and_then(|_| validate(&cycle, &json!(1), &NativeRegex));
    assert!(r.is_err());
}

#[test]
fn schema_work_is_bounded() {
    // 30 levels of `anyOf` with two failing branches each, through `$ref`s: 2^30 schema
    // applications unbounded; the validation's step budget ends it with a coded error.
    let mut defs = ceramic_wasm::codec::Map::new();
    for i in 0..30 {
        let next = json!({ "$ref": format!("#/$defs/d{}", i + 1) });
        defs.insert(format!("d{i}"), json!({ "anyOf": [next, next] }));
    }
    defs.insert("d30".into(), json!({ "type": "string" }));
    let schema = json!({ "$defs": defs, "$ref": "#/$defs/d0" });
    check_schema(&schema, &NativeRegex).unwrap();
    assert!(validate(&schema, &json!("ok"), &NativeRegex).is_ok());
    let e = validate(&schema, &json!(1), &NativeRegex).unwrap_err();
    assert_eq!(e.code(), "TOO_LARGE");
    assert!(e.to_string().contains("steps"), "{e}");
    // uniqueItems over 10,000 distinct items: 5 · 10^7 comparisons, over the budget.
    let items: Vec<u32> = (0..10_000).collect();
    let e = validate(&json!({ "uniqueItems": true }), &json!(items), &NativeRegex).unwrap_err();
    assert_eq!(e.code(), "TOO_LARGE");
    let items: Vec<u32> = (0..1_000).collect();
    assert!(validate(&json!({ "uniqueItems": true }), &json!(items), &NativeRegex).is_ok());
}

#[test]
fn pattern_backtracking_is_bounded() {
    // Catastrophic backtracking: refused before the regex runs, with the length and the bound.
    let schema = json!({ "type": "string", "pattern": "^(\\w|\\d)+$" });
    check_schema(&schema, &NativeRegex).unwrap();
    assert!(validate(&schema, &json!("abc1"), &NativeRegex).is_ok());
    let e = validate(
        &schema,
        &json!(format!("{}!", "1".repeat(60))),
        &NativeRegex,
    )
    .unwrap_err();
    assert_eq!(e.code(), "TOO_LARGE");
    assert!(e.to_string().contains("61 characters"), "{e}");
    // Also where a failing pattern would count as a pass: under `not`, and property names.
    let negated = json!({ "not": schema });
    let e = validate(&negated, &json!("1".repeat(60)), &NativeRegex).unwrap_err();
    assert_eq!(e.code(), "TOO_LARGE");
    let names = json!({ "patternProperties": { "(a|a)*b": false } });
    let e = validate(&names, &json!({ "a".repeat(50): 1 }), &NativeRegex).unwrap_err();
    assert_eq!(e.code(), "TOO_LARGE");
    // Exponential on any string, the empty one too: the Model is refused.
    let e = check_schema(&json!({ "pattern": "(a?|b?){100}c" }), &NativeRegex).unwrap_err();
    assert_eq!(e.code(), "INVALID_MODEL");
    // Linear patterns run on long strings.
    let hex = json!({ "pattern": "^[0-9a-f]+$" });
    assert!(validate(&hex, &json!("ab".repeat(100_000)), &NativeRegex).is_ok());
}

#[test]
fn events_per_verification_call() {
    let key = Ed25519Signer::from_seed(&[3; 32]).unwrap();
    let model: StreamId = "kjzl6hvfrbw6c90uwoyz8j519gxma787qbsfjtrarkr1huq1g1s224k7hopvsyg"
        .parse()
        .unwrap();
    let init = Event::from(
        SignedEvent::sign(
            InitPayload::builder(key.did(), &model)
                .data(json_to_ipld(&json!({ "n": 0 })))
                .build(),
            &key,
        )
        .unwrap(),
    );
    let id = init.stream_id().unwrap();
    let mut events = vec![init];
    for i in 1..6 {
        let tip = CommitId::new(id, events.last().unwrap().cid());
        let ops = json!([{ "op": "replace", "path": "/n", "value": i }]);
        events.push(Event::from(
            SignedEvent::sign(DataPayload::new(&tip, json_to_ipld(&ops)), &key).unwrap(),
        ));
    }
    let m = NativeRegex;
    let mut ctx = VerifyContext::new(1_763_700_000, &m);
    assert_eq!(ctx.max_events, 100_000);
    ctx.max_events = 5;
    let r = run_ready(verify_stream(&events, &ctx, None::<&NoRpc>, &mut |_| {}));
    assert_eq!(code(r), "TOO_LARGE");
    ctx.max_events = 6;
    let v = run_ready(verify_stream(&events, &ctx, None::<&NoRpc>, &mut |_| {})).unwrap();
    assert_eq!(v.state.log.len(), 6);
}
