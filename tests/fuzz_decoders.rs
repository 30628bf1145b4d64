//! Property tests: random and mutated bytes fed to every decoder must give a typed error or a
//! value, never a panic (a panic in wasm aborts the page's module).
#![cfg(not(target_arch = "wasm32"))]

mod common;

use ceramic_wasm::codec::{decode_strict, multibase, Car};
use ceramic_wasm::did::{DidKey, Envelope, ProtectedHeader};
use ceramic_wasm::events::{DataPayload, Event, InitPayload, RawTimeEvent};
use ceramic_wasm::ids::{CommitId, EventId, StreamId};
use ceramic_wasm::Error;
use proptest::prelude::*;

fn seeds() -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = common::CAR_FIXTURES
        .iter()
        .map(|n| common::fixture(n))
        .collect();
    v.push(common::KEY_ED25519_CAR.to_vec());
    v
}

fn id_seeds() -> Vec<Vec<u8>> {
    let ids = common::ids();
    let mut v = Vec::new();
    for e in ids["stream_ids"]
        .as_array()
        .unwrap()
        .iter()
        .chain(ids["commit_ids"].as_array().unwrap())
    {
        v.push(multibase::decode(e["string"].as_str().unwrap()).unwrap());
    }
    v.push(hex::decode(ids["event_ids"]["mainnet_hex"].as_str().unwrap()).unwrap());
    v
}

/// Every error must carry one of the stable codes.
fn typed<T>(r: Result<T, Error>) {
    if let Err(e) = r {
        assert!(Error::ALL_CODES.contains(&e.code()), "{e:?}");
    }
}

/// Run every decoder over `bytes`.
fn all_decoders(bytes: &[u8]) {
    typed(Car::decode(bytes));
    typed(Event::decode_car(bytes));
    typed(StreamId::from_bytes(bytes));
    typed(CommitId::from_bytes(bytes));
    typed(EventId::from_bytes(bytes));
    typed(decode_strict::<Envelope>(bytes, "envelope"));
    typed(decode_strict::<InitPayload>(bytes, "init"));
    typed(decode_strict::<DataPayload>(bytes, "data"));
    typed(decode_strict::<RawTimeEvent>(bytes, "time"));
    typed(ProtectedHeader::from_bytes(bytes));
    let text = String::from_utf8_lossy(bytes);
    typed(text.parse::<StreamId>());
    typed(text.parse::<CommitId>());
    typed(text.parse::<EventId>());
    typed(DidKey::parse(&text));
    typed(multibase::decode(&text));
    // JSON bodies from nodes: any verdict, never a panic.
    let _ = ceramic_wasm::codec::json::from_slice::<ceramic_wasm::codec::Value>(bytes);
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Insert(usize, u8),
    Remove(usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1u8..).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Remove),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(mut bytes: Vec<u8>, muts: &[Mutation]) -> Vec<u8> {
    for m in muts {
        let n = bytes.len().max(1);
        match *m {
            Mutation::Flip(i, b) => {
                if !bytes.is_empty() {
                    bytes[i % n] ^= b;
                }
            }
            Mutation::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), b),
            Mutation::Remove(i) => {
                if !bytes.is_empty() {
                    bytes.remove(i % n);
                }
            }
            Mutation::Truncate(i) => bytes.truncate(i % n),
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        all_decoders(&bytes);
    }

    #[test]
    fn mutated_vectors_never_panic(
        which in 0usize..9,
        muts in proptest::collection::vec(mutation(), 1..4),
    ) {
        let base = seeds().swap_remove(which);
        all_decoders(&apply(base, &muts));
    }

    #[test]
    fn mutated_ids_never_panic(
        which in 0usize..10,
        muts in proptest::collection::vec(mutation(), 1..3),
    ) {
        let ids = id_seeds();
        let base = ids[which % ids.len()].clone();
        all_decoders(&apply(base, &muts));
    }

    /// A single flipped byte anywhere in a signed event's CAR is always caught: the CAR framing,
    /// a block hash, the canonical check or the signature fails.
    #[test]
    fn any_single_byte_flip_in_a_signed_event_is_caught(
        which in 0usize..3,
        pos in any::<usize>(),
        xor in 1u8..,
    ) {
        let name = ["SIGNED_INIT_EVENT_CAR", "SIGNED_DATA_EVENT_CAR", "DATA_EVENT_CAR_UNSIGNED_INIT"][which];
        let mut bytes = common::fixture(name);
        let original = Event::decode_car(&bytes).unwrap();
        let i = pos % bytes.len();
        bytes[i] ^= xor;
        let outcome = Event::decode_car(&bytes).and_then(|e| {
            match &e {
                Event::SignedInit(s) => { s.verify_signature()?; }
                Event::Data(s) => { s.verify_signature()?; }
                _ => {}
            }
            Ok(e)
        });
        // If it still decodes and verifies, it must be the very same event (a flip in the header
        // that names another root is caught because that root is not in the CAR).
        if let Ok(e) = outcome {
            prop_assert_eq!(e, original);
        }
    }
}

#[test]
fn pathological_inputs() {
    // Deep nesting, huge declared lengths, a varint that never ends.
    let mut deep = vec![0x81u8; 200_000];
    deep.push(0);
    all_decoders(&deep);
    all_decoders(&[0xff; 64]);
    all_decoders(&[0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    let mut car = vec![0x3a];
    car.extend([0xa2, 0x65]);
    car.extend([0x80; 20]);
    all_decoders(&car);
    all_decoders("[".repeat(200_000).as_bytes());
    all_decoders(b"[10e9223372036854775807, 1.5e-9223372036854775808, \"\\ud800\"]");
}
