//! Byte-exactness against the network's vectors. Runs natively (`cargo test`) and under wasm in
//! Node and headless Chromium (`wasm-bindgen-test-runner`).

mod common;

use ceramic_wasm::codec::Ipld;
use ceramic_wasm::codec::{decode_strict, Car, DagCborExt};
use ceramic_wasm::did::{Ed25519Signer, Envelope, Signer};
use ceramic_wasm::events::{
    json_to_ipld, DataPayload, Event, EventKind, InitPayload, SignedEvent, UnsignedInit,
};
use ceramic_wasm::ids::{CommitId, EventId, Network, StreamId, StreamType};
use ceramic_wasm::json;
use cid::Cid;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn cid(s: &str) -> Cid {
    Cid::try_from(s).expect("CID")
}

#[test]
fn every_stream_id_vector_round_trips() {
    let v = common::ids();
    let list = v["stream_ids"].as_array().unwrap();
    assert!(list.len() >= 6);
    for e in list {
        let s = e["string"].as_str().unwrap();
        let id: StreamId = s.parse().unwrap_or_else(|err| panic!("{s}: {err}"));
        assert_eq!(id.to_string(), s);
        assert_eq!(id.stream_type().code(), e["type"].as_u64().unwrap(), "{s}");
        assert_eq!(id.stream_type().name(), e["type_name"].as_str().unwrap());
        if let Some(h) = e["hex"].as_str() {
            assert_eq!(hex::encode(id.to_bytes()), h, "{s}");
            assert_eq!(StreamId::from_bytes(&hex::decode(h).unwrap()).unwrap(), id);
        }
        if let Some(c) = e["cid"].as_str() {
            assert_eq!(id.cid().to_string(), c, "{s}");
            let rebuilt = StreamId::new(id.stream_type(), cid(c));
            assert_eq!(rebuilt.to_string(), s);
        }
    }
    assert_eq!(
        StreamId::metamodel().to_string(),
        "kh4q0ozorrgaq2mezktnrmdwleo1d"
    );
}

#[test]
fn every_commit_id_vector_round_trips() {
    let v = common::ids();
    for e in v["commit_ids"].as_array().unwrap() {
        let s = e["string"].as_str().unwrap();
        let id: CommitId = s.parse().unwrap_or_else(|err| panic!("{s}: {err}"));
        assert_eq!(id.to_string(), s);
        assert_eq!(CommitId::from_bytes(&id.to_bytes()).unwrap(), id);
        assert_eq!(id.stream_id().to_string(), e["stream_id"].as_str().unwrap());
        match e["commit"].as_str().unwrap() {
            "genesis (0x00)" => {
                assert!(id.is_genesis());
                assert_eq!(*id.to_bytes().last().unwrap(), 0x00);
            }
            c => {
                assert_eq!(id.commit(), cid(c));
                assert_eq!(CommitId::new(*id.stream_id(), cid(c)), id);
            }
        }
    }
}

#[test]
fn every_event_id_vector_round_trips() {
    let v = common::ids();
    let e = &v["event_ids"];
    let mainnet = e["mainnet_hex"].as_str().unwrap();
    let sep_value: StreamId = e["sep_value_stream_id"].as_str().unwrap().parse().unwrap();
    let nets = e["networks"].as_object().unwrap();
    assert_eq!(nets.len(), 5);
    for (name, net_hex) in nets {
        let network = match name.as_str() {
            "mainnet" => Network::Mainnet,
            "testnet-clay" => Network::TestnetClay,
            "dev-unstable" => Network::DevUnstable,
            "inmemory" => Network::InMemory,
            "local(0xce4a441c)" => Network::Local(0xce4a441c),
            other => panic!("unexpected network {other}"),
        };
        let built = EventId::new(
            network,
            e["sep_key"].as_str().unwrap(),
            &sep_value.to_bytes(),
            e["controller"].as_str().unwrap(),
            &cid(e["init"].as_str().unwrap()),
            &cid(e["event"].as_str().unwrap()),
        );
        // Same layout as mainnet, with the network varint swapped.
        let expected = format!("ce0105{}{}", net_hex.as_str().unwrap(), &mainnet[8..]);
        assert_eq!(built.to_hex(), expected, "{name}");
        let parsed = EventId::from_bytes(&hex::decode(&expected).unwrap()).unwrap();
        assert_eq!(parsed, built);
        assert_eq!(parsed.network(), network);
        assert_eq!(parsed.to_string().parse::<EventId>().unwrap(), built);
        assert_eq!(expected.parse::<EventId>().unwrap().to_hex(), expected);
    }
}

#[test]
fn deterministic_mid_vector() {
    let v = common::ids();
    let d = &v["deterministic_mid"];
    let model: StreamId = d["model"].as_str().unwrap().parse().unwrap();
    assert_eq!(model.stream_type(), StreamType::Model);
    let payload = InitPayload::builder(d["controller"].as_str().unwrap(), &model).build();
    let init = UnsignedInit::new(payload).unwrap();
    assert_eq!(init.cid().to_string(), d["init_cid"].as_str().unwrap());
    let event = Event::from(init);
    assert_eq!(
        event.stream_id().unwrap().to_string(),
        d["string"].as_str().unwrap()
    );
}

#[test]
fn every_rust_ceramic_car_decodes_and_re_encodes_identically() {
    let v = common::rust_ceramic();
    let listed: Vec<&String> = v["fixtures"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| k.ends_with("_CAR") || k.contains("_CAR_"))
        .collect();
    assert_eq!(
        listed.len(),
        common::CAR_FIXTURES.len(),
        "a new CAR fixture appeared: {listed:?}"
    );
    for name in common::CAR_FIXTURES {
        let bytes = common::fixture(name);
        let event = Event::decode_car(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(event.encode_car().unwrap(), bytes, "{name} re-encodes");
        let car = Car::decode(&bytes).unwrap();
        assert_eq!(event.cid(), car.root().unwrap(), "{name}");
        if let Some(root) = v["expected"][*name]["root"].as_str() {
            assert_eq!(event.cid().to_string(), root, "{name}");
        }
        let expected_kind = match *name {
            // Despite its name, the CACAO fixture is a signed *init* event (protocol.md §2.7).
            "SIGNED_INIT_EVENT_CAR" | "CACAO_SIGNED_DATA_EVENT_CAR" => EventKind::SignedInit,
            "UNSIGNED_INIT_EVENT_CAR" | "UNSIGNED_INIT_NO_SEP_CAR" => EventKind::UnsignedInit,
            "SIGNED_DATA_EVENT_CAR" | "DATA_EVENT_CAR_UNSIGNED_INIT" => EventKind::Data,
            _ => EventKind::Time,
        };
        assert_eq!(event.kind(), expected_kind, "{name}");
    }
}

#[test]
fn rust_ceramic_event_details() {
    let v = common::rust_ceramic();
    let exp = &v["expected"];

    let init = Event::decode_car(&common::fixture("SIGNED_INIT_EVENT_CAR")).unwrap();
    let Event::SignedInit(signed) = &init else {
        panic!("signed init")
    };
    assert_eq!(
        signed.payload_block().cid.to_string(),
        exp["SIGNED_INIT_EVENT_CAR"]["payload"].as_str().unwrap()
    );
    assert_eq!(
        init.stream_id().unwrap().to_string(),
        exp["SIGNED_INIT_EVENT_CAR"]["stream_id_mid"]
            .as_str()
            .unwrap()
    );
    assert_eq!(
        signed.payload().data,
        Some(json_to_ipld(&json!({"steph": 333})))
    );
    let verified = signed.verify_signature().unwrap();
    assert_eq!(
        verified.did,
        "did:key:z6MktBynAPLrEyeS7pVthbiyScmfu8n5V7boXgxyo5q3SZRR"
    );

    let data = Event::decode_car(&common::fixture("SIGNED_DATA_EVENT_CAR")).unwrap();
    assert_eq!(data.prev(), Some(init.cid()));
    assert_eq!(data.stream_cid(), init.cid());
    let Event::Data(d) = &data else {
        panic!("data")
    };
    assert_eq!(
        d.payload_block().cid.to_string(),
        exp["SIGNED_DATA_EVENT_CAR"]["payload"].as_str().unwrap()
    );
    d.verify_signature().unwrap();
    let commit = data.commit_id(&init.stream_id().unwrap()).unwrap();
    assert_eq!(
        commit.to_string(),
        common::ids()["commit_ids"][2]["string"].as_str().unwrap()
    );

    // The single blocks of the fixture are the ones inside the CARs.
    let env: Envelope = decode_strict(&common::fixture("SIGNED_INIT_EVENT"), "envelope").unwrap();
    assert_eq!(&env, signed.envelope());
    let p: InitPayload =
        decode_strict(&common::fixture("SIGNED_INIT_EVENT_PAYLOAD"), "payload").unwrap();
    assert_eq!(&p, signed.payload());
    let dp: DataPayload = decode_strict(&common::fixture("DATA_EVENT_PAYLOAD"), "payload").unwrap();
    assert_eq!(&dp, d.payload());

    let cacao = Event::decode_car(&common::fixture("CACAO_SIGNED_DATA_EVENT_CAR")).unwrap();
    let Event::SignedInit(c) = &cacao else {
        panic!("signed init")
    };
    assert_eq!(
        c.payload().header.controller(),
        exp["CACAO_SIGNED_DATA_EVENT_CAR"]["controller"].as_str()
    );
    assert_eq!(
        c.cacao_block().unwrap().cid.to_string(),
        exp["CACAO_SIGNED_DATA_EVENT_CAR"]["cacao"]
            .as_str()
            .unwrap()
    );
    let sig = c.verify_signature().unwrap();
    assert_eq!(
        sig.cap.unwrap().to_string(),
        exp["CACAO_SIGNED_DATA_EVENT_CAR"]["cacao"]
            .as_str()
            .unwrap()
    );

    let no_sep = Event::decode_car(&common::fixture("UNSIGNED_INIT_NO_SEP_CAR")).unwrap();
    let h = &no_sep.init_payload().unwrap().header;
    assert_eq!((h.sep.as_deref(), h.sep()), (None, "model"));

    let t = &exp["TIME_EVENT_CAR_SINGLE_EVENT_BATCH"];
    let time = Event::decode_car(&common::fixture("TIME_EVENT_CAR_SINGLE_EVENT_BATCH")).unwrap();
    let Event::Time(te) = &time else {
        panic!("time")
    };
    assert_eq!(te.event().path, t["path"].as_str().unwrap());
    assert_eq!(
        te.proof().root.to_string(),
        t["proof_root"].as_str().unwrap()
    );
    assert_eq!(te.proof().chain_id, t["chain_id"].as_str().unwrap());
    assert_eq!(
        format!("0x{}", hex::encode(te.proof().tx_hash.hash().digest())),
        t["tx_hash_hex"].as_str().unwrap()
    );
    assert_eq!(te.event().prev, data.cid());
    assert_eq!(te.witness().len(), 1);

    let multi = Event::decode_car(&common::fixture("TIME_EVENT_CAR_MULTI_EVENT_BATCH")).unwrap();
    let Event::Time(m) = &multi else {
        panic!("time")
    };
    assert_eq!(
        m.event().path,
        exp["TIME_EVENT_CAR_MULTI_EVENT_BATCH"]["path"]
            .as_str()
            .unwrap()
    );
    assert_eq!(m.witness().len(), 10);
}

#[test]
fn signed_init_and_data_rebuilt_from_seed_are_byte_identical() {
    let did = "did:key:z6MktBynAPLrEyeS7pVthbiyScmfu8n5V7boXgxyo5q3SZRR";
    let signer = Ed25519Signer::from_seed(&common::seed(did)).unwrap();
    assert_eq!(signer.did(), did);
    let model: StreamId = "kjzl6hvfrbw6c90uwoyz8j519gxma787qbsfjtrarkr1huq1g1s224k7hopvsyg"
        .parse()
        .unwrap();

    let init_payload = InitPayload::builder(did, &model)
        .unique(hex::decode("44a6f13ab2410bbb6a8568de").unwrap())
        .data(json_to_ipld(&json!({"steph": 333})))
        .build();
    let init = Event::from(SignedEvent::sign(init_payload, &signer).unwrap());
    assert_eq!(
        init.cid().to_string(),
        "bagcqcerar2aga7747dm6fota3iipogz4q55gkaamcx2weebs6emvtvie2oha"
    );
    assert_eq!(
        init.encode_car().unwrap(),
        common::fixture("SIGNED_INIT_EVENT_CAR")
    );

    let stream = init.stream_id().unwrap();
    let data_payload = DataPayload::new(
        &CommitId::genesis(stream),
        json_to_ipld(&json!([{"op": "replace", "path": "/steph", "value": 334}])),
    );
    let data = Event::from(SignedEvent::sign(data_payload, &signer).unwrap());
    assert_eq!(
        data.cid().to_string(),
        "bagcqcerae5oqoglzjjgz53enwsttl7mqglp5eoh2llzbbvfktmzxleeiffbq"
    );
    assert_eq!(
        data.encode_car().unwrap(),
        common::fixture("SIGNED_DATA_EVENT_CAR")
    );
}

#[test]
fn zero_seed_did_key() {
    let s = Ed25519Signer::from_seed(&[0u8; 32]).unwrap();
    assert_eq!(
        s.did(),
        "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
    );
}

/// ceramic-sdk key-ed25519.car: a root map naming events; every `valid*` event verifies, every
/// `invalid*Signature` one fails with BAD_SIGNATURE.
#[test]
fn ceramic_sdk_key_ed25519_signatures() {
    let car = Car::decode(common::KEY_ED25519_CAR).unwrap();
    let meta: Ipld =
        ceramic_wasm::codec::dagcbor::decode_ipld(car.get(&car.root().unwrap()).unwrap()).unwrap();
    let Ipld::Map(meta) = meta else {
        panic!("meta map")
    };
    let signer = Ed25519Signer::from_seed(&[0u8; 32]).unwrap();
    assert_eq!(meta["controller"], Ipld::String(signer.did().into()));
    let (mut valid, mut invalid) = (0, 0);
    for (name, value) in &meta {
        let Ipld::Link(root) = value else { continue };
        if name.ends_with("Payload") {
            continue; // payload blocks, not events; checked through their events
        }
        let event = Event::decode(root, &car).unwrap_or_else(|e| panic!("{name}: {e}"));
        let sig = match &event {
            Event::SignedInit(e) => Some(e.verify_signature()),
            Event::Data(e) => Some(e.verify_signature()),
            _ => None,
        };
        if name.starts_with("valid") {
            if let Some(sig) = sig {
                let sig = sig.unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(sig.did, signer.did());
            }
            valid += 1;
        } else if name.starts_with("invalid") && name.ends_with("Signature") {
            let err = sig.expect("signed").unwrap_err();
            assert_eq!(err.code(), "BAD_SIGNATURE", "{name}");
            invalid += 1;
        } else {
            panic!("unexpected entry {name}");
        }
    }
    assert_eq!((valid, invalid), (3, 2));

    // The same events rebuilt from the zero seed by this crate are byte-identical.
    let Ipld::Link(init_cid) = &meta["validInitEvent"] else {
        panic!()
    };
    let Ipld::Link(payload_cid) = &meta["validInitPayload"] else {
        panic!()
    };
    let payload: InitPayload = decode_strict(car.get(payload_cid).unwrap(), "payload").unwrap();
    let rebuilt = SignedEvent::sign(payload, &signer).unwrap();
    assert_eq!(rebuilt.cid(), init_cid);
    let Ipld::Link(det) = &meta["validDeterministicEvent"] else {
        panic!()
    };
    let Event::UnsignedInit(u) = Event::decode(det, &car).unwrap() else {
        panic!()
    };
    assert_eq!(u.payload().to_cid().unwrap(), *det);
}

#[test]
fn tampered_vectors_are_rejected_with_codes() {
    let bytes = common::fixture("SIGNED_INIT_EVENT_CAR");
    // Flip a bit in the signature (the last bytes of the envelope, the CAR's last block).
    let mut sig = bytes.clone();
    let n = sig.len();
    sig[n - 2] ^= 0x01;
    // The CAR itself notices: the envelope no longer hashes to its CID.
    assert_eq!(Event::decode_car(&sig).unwrap_err().code(), "INVALID_CAR");

    // A CAR missing its payload block.
    let car = Car::decode(&bytes).unwrap();
    let root = car.root().unwrap();
    let only_root = Car::new(
        vec![root],
        car.blocks().iter().filter(|b| b.cid == root).cloned(),
    );
    assert_eq!(
        Event::decode_car(&only_root.encode().unwrap())
            .unwrap_err()
            .code(),
        "MISSING_BLOCK"
    );
}
