//! Our JSON reader (src/codec/json.rs) against `serde_json`: every value serde_json writes (compact
//! or pretty) reads back as the same value, floats bit for bit; damaged text gets the same verdict
//! (accept or refuse) from both — where serde_json's verdict counts an object with a repeated key
//! as refused, because ours refuses it on purpose (serde_json keeps the last one).
#![cfg(not(target_arch = "wasm32"))]

use ceramic_wasm::codec::json;
use ceramic_wasm::codec::{Map, Number, Value};
use proptest::prelude::*;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::collections::BTreeSet;
use std::fmt;

/// Reads any JSON through serde_json and fails on an object's repeated key, at any depth.
struct NoRepeatedKeys;

impl<'de> Deserialize<'de> for NoRepeatedKeys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NoRepeatedKeys)
    }
}

impl<'de> Visitor<'de> for NoRepeatedKeys {
    type Value = NoRepeatedKeys;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_unit<E>(self) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self, A::Error> {
        while seq.next_element::<NoRepeatedKeys>()?.is_some() {}
        Ok(self)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self, A::Error> {
        let mut seen = BTreeSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key) {
                return Err(serde::de::Error::custom("repeated key"));
            }
            map.next_value::<NoRepeatedKeys>()?;
        }
        Ok(self)
    }
}

#[test]
fn repeated_key_is_refused_by_ours_and_by_the_reference_verdict() {
    let text = br#"{"a":{"":1,"b":2,"":3}}"#;
    assert!(serde_json::from_slice::<Value>(text).is_ok());
    assert!(serde_json::from_slice::<NoRepeatedKeys>(text).is_err());
    assert!(json::from_slice::<Value>(text).is_err());
}

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
        let theirs = serde_json::from_slice::<Value>(&bytes).is_ok()
            && serde_json::from_slice::<NoRepeatedKeys>(&bytes).is_ok();
        prop_assert_eq!(ours, theirs, "text {:?}", String::from_utf8_lossy(&bytes));
    }
}
