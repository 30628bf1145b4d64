//! Our JSON reader (src/codec/json.rs) against `serde_json`: every value serde_json writes (compact
//! or pretty) reads back as the same value, floats bit for bit; damaged text gets the same verdict
//! (accept or refuse) from both — where serde_json's verdict counts an object with a repeated key
//! as refused, because ours refuses it on purpose (serde_json keeps the last one). And our writer
//! (src/codec/json_write.rs) against serde_json's compact one: the same bytes for random values
//! and for every shape serde's derives produce, the same refusals.
#![cfg(not(target_arch = "wasm32"))]

use ceramic_wasm::codec::{json, json_write};
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

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn writes_what_serde_json_writes(v in value()) {
        prop_assert_eq!(json_write::to_vec(&v).unwrap(), serde_json::to_vec(&v).unwrap());
        prop_assert_eq!(json_write::to_string(&v).unwrap(), serde_json::to_string(&v).unwrap());
    }

    #[test]
    fn writes_floats_and_text_as_serde_json(f in any::<f64>(), g in any::<f32>(), s in "\\PC{0,12}|[\u{0}-\u{7f}]{0,12}") {
        let v = (f, g, &s, f as f32, -f);
        prop_assert_eq!(json_write::to_vec(&v).unwrap(), serde_json::to_vec(&v).unwrap());
    }
}

/// Every shape serde's derives and std's impls hand a serializer, written as serde_json writes it.
#[test]
fn writes_serde_shapes_as_serde_json() {
    use serde::Serialize;
    use std::collections::BTreeMap;

    #[derive(Serialize)]
    struct Unit;
    #[derive(Serialize)]
    struct Newtype(u8);
    #[derive(Serialize)]
    struct Tuple(i8, &'static str);
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    enum Kind {
        Plain,
        Wrapped(u32),
        Pair(u8, bool),
        Fields { a_b: i16, c: Option<char> },
    }
    #[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
    enum Key {
        Alpha,
        Beta,
    }
    #[derive(Serialize)]
    #[serde(tag = "kind", rename_all = "camelCase")]
    enum Tagged {
        One { x: u64 },
        Two,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct All {
        unit: (),
        unit_struct: Unit,
        newtype: Newtype,
        tuple: Tuple,
        kinds: Vec<Kind>,
        tagged: Vec<Tagged>,
        none: Option<u8>,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        some: Option<&'static str>,
        #[serde(with = "serde_bytes")]
        bytes: Vec<u8>,
        plain_bytes: Vec<u8>,
        chars: (char, char, char),
        ints: (i8, i16, i32, i64, i128, u8, u16, u32, u64, u128),
        extremes: (i64, u64, i128, u128),
        floats: Vec<f64>,
        small_floats: Vec<f32>,
        int_keys: BTreeMap<i32, &'static str>,
        u64_keys: BTreeMap<u64, bool>,
        bool_keys: BTreeMap<bool, u8>,
        char_keys: BTreeMap<char, u8>,
        unit_variant_keys: BTreeMap<Key, Kind>,
        empty: (Vec<u8>, BTreeMap<String, u8>, [u8; 0]),
        text: &'static str,
        shown: Displayed,
    }
    struct Displayed;
    impl Serialize for Displayed {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_str(&format_args!("a\"b\\c\n{}", 7))
        }
    }
    let all = All {
        unit: (),
        unit_struct: Unit,
        newtype: Newtype(7),
        tuple: Tuple(-3, "t"),
        kinds: vec![
            Kind::Plain,
            Kind::Wrapped(9),
            Kind::Pair(1, true),
            Kind::Fields {
                a_b: -2,
                c: Some('é'),
            },
            Kind::Fields { a_b: 0, c: None },
        ],
        tagged: vec![Tagged::One { x: 5 }, Tagged::Two],
        none: None,
        skipped: None,
        some: Some("s"),
        bytes: vec![0, 1, 255],
        plain_bytes: vec![],
        chars: ('"', '\u{1f}', '😀'),
        ints: (-1, -2, -3, -4, -5, 1, 2, 3, 4, 5),
        extremes: (i64::MIN, u64::MAX, i128::MIN, u128::MAX),
        floats: vec![
            0.0,
            -0.0,
            1.0,
            -1.5,
            0.1,
            1e21,
            1e-7,
            123456789.125,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            1e300,
            2.5e-8,
        ],
        small_floats: vec![0.1, f32::MAX, f32::MIN_POSITIVE, 1e-45, f32::NAN, 3.0],
        int_keys: [(-1, "a"), (20, "b")].into_iter().collect(),
        u64_keys: [(u64::MAX, true)].into_iter().collect(),
        bool_keys: [(true, 1), (false, 0)].into_iter().collect(),
        char_keys: [('k', 1), ('\n', 2)].into_iter().collect(),
        unit_variant_keys: [(Key::Alpha, Kind::Plain), (Key::Beta, Kind::Wrapped(1))]
            .into_iter()
            .collect(),
        empty: (vec![], BTreeMap::new(), []),
        text: "tab\t nul\u{0} del\u{7f} quote\" slash/ back\\ \u{2028} é 😀 \u{8}\u{c}\r",
        shown: Displayed,
    };
    assert_eq!(
        String::from_utf8(json_write::to_vec(&all).unwrap()).unwrap(),
        serde_json::to_string(&all).unwrap()
    );
    // Float keys: finite ones as text; NaN refused by both.
    let float_keys: BTreeMap<u8, ()> = BTreeMap::new();
    assert_eq!(
        json_write::to_vec(&float_keys).unwrap(),
        serde_json::to_vec(&float_keys).unwrap()
    );
    struct FloatKey(f64);
    impl Serialize for FloatKey {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeMap;
            let mut m = s.serialize_map(Some(1))?;
            m.serialize_entry(&self.0, &1u8)?;
            m.end()
        }
    }
    for f in [1.5, -0.0, 1e21] {
        assert_eq!(
            json_write::to_vec(&FloatKey(f)).unwrap(),
            serde_json::to_vec(&FloatKey(f)).unwrap()
        );
    }
    assert!(json_write::to_vec(&FloatKey(f64::NAN)).is_err());
    assert!(serde_json::to_vec(&FloatKey(f64::NAN)).is_err());
    // Keys that are not strings, numbers, booleans or chars are refused, as serde_json refuses them.
    let bad: BTreeMap<Vec<u8>, u8> = [(vec![1], 1)].into_iter().collect();
    assert!(json_write::to_vec(&bad).is_err());
    assert!(serde_json::to_vec(&bad).is_err());
    let some: BTreeMap<Option<u8>, u8> = [(Some(1), 1)].into_iter().collect();
    assert_eq!(
        json_write::to_vec(&some).unwrap(),
        serde_json::to_vec(&some).unwrap()
    );
    let bad: BTreeMap<Option<u8>, u8> = [(None, 1)].into_iter().collect();
    assert!(json_write::to_vec(&bad).is_err());
    assert!(serde_json::to_vec(&bad).is_err());
}
