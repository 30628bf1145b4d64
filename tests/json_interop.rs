//! Our JSON reader (src/codec/json.rs) against `serde_json`: every value serde_json writes (compact
//! or pretty) reads back as the same value, floats bit for bit; damaged text gets the same verdict
//! (accept or refuse) from both.
#![cfg(not(target_arch = "wasm32"))]

use ceramic_wasm::codec::json;
use proptest::prelude::*;
use serde_json::{Map, Number, Value};

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<u64>().prop_map(|n| Value::Number(n.into())),
        any::<i64>().prop_map(|n| Value::Number(n.into())),
        any::<f64>()
            .prop_filter_map("finite", Number::from_f64)
            .prop_map(Value::Number),
        (-1000i32..1000, -30i32..30).prop_map(|(m, e)| {
            Value::Number(Number::from_f64(f64::from(m) * 10f64.powi(e)).unwrap())
        }),
        "\\PC{0,20}|[\"\\\\/\u{0}-\u{1f}\u{7f}é😀]{0,6}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            proptest::collection::btree_map("\\PC{0,10}", inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    #[test]
    fn reads_back_what_serde_json_writes(v in value()) {
        for text in [serde_json::to_string(&v).unwrap(), serde_json::to_string_pretty(&v).unwrap()] {
            let back: Value = json::from_str(&text).unwrap();
            prop_assert_eq!(&back, &v);
            // Floats bit for bit (Value's == compares them as numbers).
            prop_assert_eq!(back.to_string(), v.to_string());
        }
    }

    #[test]
    fn same_verdict_on_damaged_text(
        v in value(),
        at in any::<prop::sample::Index>(),
        byte in prop_oneof![Just(b','), Just(b']'), Just(b'}'), Just(b'"'), Just(b'\\'), Just(b'-'),
            Just(b'.'), Just(b'e'), Just(b' '), Just(b'0'), Just(b'{'), Just(b'['), Just(b':'), any::<u8>()],
        how in 0u8..3,
    ) {
        let mut bytes = serde_json::to_vec(&v).unwrap();
        let i = at.index(bytes.len());
        match how {
            0 => bytes[i] = byte,
            1 => bytes.insert(i, byte),
            _ => { bytes.remove(i); }
        }
        let ours = json::from_slice::<Value>(&bytes).is_ok();
        let theirs = serde_json::from_slice::<Value>(&bytes).is_ok();
        prop_assert_eq!(ours, theirs, "text {:?}", String::from_utf8_lossy(&bytes));
    }
}
