//! Our DAG-CBOR codec (src/codec/cbor.rs) against an independent one, `serde_ipld_dagcbor` (the
//! codec rust-ceramic uses): the same bytes for every value, the same values back, and the same
//! verdict (accept or refuse) on damaged input: bytes changed, cut, added, removed, heads widened.

#![cfg(not(target_arch = "wasm32"))]

use ceramic_wasm::codec::cbor;
use ipld_core::ipld::Ipld;
use proptest::prelude::*;
use std::collections::BTreeMap;

fn cids() -> Vec<cid::Cid> {
    [
        "bafyreifu7xdhhlntwnrd7jxpps44wz6acamfcsxazc4oopnmldaotqok2y",
        "bagcqcerakszw2vsovxznyp5gfnpdj4cqm2xiv76yd24wkjewhhykovorwo6a",
        "QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR",
        "bafkqaaa",
    ]
    .iter()
    .map(|s| s.parse().unwrap())
    .collect()
}

fn ipld() -> impl Strategy<Value = Ipld> {
    let leaf = prop_oneof![
        Just(Ipld::Null),
        any::<bool>().prop_map(Ipld::Bool),
        any::<u64>().prop_map(|n| Ipld::Integer(n.into())),
        any::<i64>().prop_map(|n| Ipld::Integer(n.into())),
        (0u64..=u64::MAX).prop_map(|n| Ipld::Integer(-1 - i128::from(n))),
        (0u8..30).prop_map(|n| Ipld::Integer(i128::from(n) * 11 - 150)),
        // Finite floats, never -0.0 (DAG-CBOR has one zero).
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| Ipld::Float(f + 0.0)),
        proptest::collection::vec(any::<u8>(), 0..40).prop_map(Ipld::Bytes),
        "\\PC{0,30}".prop_map(Ipld::String),
        (0usize..4).prop_map(|i| Ipld::Link(cids()[i])),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Ipld::List),
            proptest::collection::btree_map("[a-z]{0,3}|\\PC{0,30}", inner, 0..8)
                .prop_map(Ipld::Map),
        ]
    })
}

fn theirs(bytes: &[u8]) -> Option<Ipld> {
    serde_ipld_dagcbor::from_slice::<Ipld>(bytes).ok()
}

/// Ours, both ways: through serde's `Ipld` visitor and by the direct reader every block goes
/// through (`cbor::ipld_from_slice`); the two must agree on every input: the value, or the kind
/// of error (the direct reader words a bad CID in its own terms).
/// Our reader's value as ipld-core's.
fn core(v: &ceramic_wasm::codec::Ipld) -> Ipld {
    use ceramic_wasm::codec::Ipld as O;
    match v {
        O::Null => Ipld::Null,
        O::Bool(b) => Ipld::Bool(*b),
        O::Integer(i) => Ipld::Integer(*i),
        O::Float(f) => Ipld::Float(*f),
        O::String(s) => Ipld::String(s.clone()),
        O::Bytes(b) => Ipld::Bytes(b.clone()),
        O::List(l) => Ipld::List(l.iter().map(core).collect()),
        O::Map(m) => Ipld::Map(m.iter().map(|(k, v)| (k.clone(), core(v))).collect()),
        O::Link(c) => Ipld::Link(*c),
    }
}

fn ours(bytes: &[u8]) -> Option<Ipld> {
    let by_serde = cbor::from_slice::<Ipld>(bytes);
    let direct = cbor::ipld_from_slice(bytes).map(|v| core(&v));
    match (&by_serde, &direct) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "input {bytes:02x?}"),
        (Err(a), Err(b)) => assert_eq!(
            std::mem::discriminant(a),
            std::mem::discriminant(b),
            "input {bytes:02x?}: {a} / {b}"
        ),
        _ => panic!("input {bytes:02x?}: {by_serde:?} / {direct:?}"),
    }
    direct.ok()
}

/// `IpldRef` and `Link` write what ipld-core's `Ipld` and `Cid`'s own `Serialize` write, in
/// DAG-CBOR and in JSON (JSON keeps a map's keys in the order they were added: compared as values).
#[test]
fn links_serialize_as_the_crates_do() {
    use ceramic_wasm::codec::cidbytes::{IpldRef, Link};
    use ceramic_wasm::codec::{Ipld as O, IpldMap};
    let v0: cid::Cid = "QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n"
        .parse()
        .unwrap();
    let v1 = ceramic_wasm::codec::sha256_cid(0x71, b"x");
    let mut m = IpldMap::new();
    m.insert("bb".to_string(), O::List(vec![O::Link(v1), O::Null]));
    m.insert("a".to_string(), O::Link(v0));
    m.insert("c".to_string(), O::Bytes(vec![1, 2]));
    m.insert("d".to_string(), O::Integer(-7));
    m.insert("e".to_string(), O::Float(0.5));
    m.insert("f".to_string(), O::Bool(true));
    m.insert("g".to_string(), O::String("s".into()));
    let v = O::Map(m);
    assert_eq!(
        cbor::to_vec(&IpldRef(&v)).unwrap(),
        cbor::to_vec(&core(&v)).unwrap()
    );
    assert_eq!(
        serde_json::to_value(IpldRef(&v)).unwrap(),
        serde_json::to_value(core(&v)).unwrap()
    );
    assert_eq!(
        cbor::to_vec(&Link(&v1)).unwrap(),
        cbor::to_vec(&v1).unwrap()
    );
    assert_eq!(
        cbor::to_vec(&Link(&v0)).unwrap(),
        cbor::to_vec(&v0).unwrap()
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    #[test]
    fn same_bytes_and_same_values(value in ipld()) {
        let bytes = cbor::to_vec(&value).unwrap();
        prop_assert_eq!(&bytes, &serde_ipld_dagcbor::to_vec(&value).unwrap());
        prop_assert_eq!(ours(&bytes), Some(value.clone()));
        prop_assert_eq!(theirs(&bytes), Some(value));
    }

    #[test]
    fn same_verdict_on_damaged_input(
        value in ipld(),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        how in 0u8..5,
    ) {
        let mut bytes = cbor::to_vec(&value).unwrap();
        let i = at.index(bytes.len());
        match how {
            0 => bytes[i] = byte,
            1 => bytes.truncate(i),
            2 => bytes.insert(i, byte),
            // A head (or a byte inside a string, where it is not one) one byte longer than needed.
            3 if bytes[i] & 0x1f < 24 => {
                let b = bytes[i];
                bytes[i] = (b & 0xe0) | 24;
                bytes.insert(i + 1, b & 0x1f);
            }
            _ => { bytes.remove(i); }
        }
        prop_assert_eq!(ours(&bytes), theirs(&bytes), "input {:02x?}", bytes);
    }
}

#[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
struct Typed {
    zeta: u8,
    #[serde(rename = "a")]
    alpha: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    skipped: Option<u32>,
    link: cid::Cid,
    #[serde(with = "serde_bytes")]
    raw: Vec<u8>,
    list: Vec<(i32, bool)>,
    kind: Kind,
    map: BTreeMap<String, f64>,
}

#[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
enum Kind {
    Plain,
    Wrapped(u16),
    Pair(u8, u8),
    Fields { x: i8 },
}

#[test]
fn derived_types_match_too() {
    for kind in [
        Kind::Plain,
        Kind::Wrapped(300),
        Kind::Pair(1, 2),
        Kind::Fields { x: -3 },
    ] {
        let v = Typed {
            zeta: 7,
            alpha: None,
            skipped: None,
            link: cids()[0],
            raw: vec![1, 2, 3],
            list: vec![(-5, true), (70_000, false)],
            kind,
            map: [("b".to_string(), 0.5), ("aa".to_string(), -2.0)]
                .into_iter()
                .collect(),
        };
        let bytes = cbor::to_vec(&v).unwrap();
        assert_eq!(bytes, serde_ipld_dagcbor::to_vec(&v).unwrap());
        assert_eq!(cbor::from_slice::<Typed>(&bytes).unwrap(), v);
        assert_eq!(serde_ipld_dagcbor::from_slice::<Typed>(&bytes).unwrap(), v);
    }
}
