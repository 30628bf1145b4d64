//! Test vectors, read straight from `../shared/vectors` (beside the checkout, as in CI).
//! Embedded at compile time so that the same tests run natively and under wasm.
#![allow(dead_code)]

use ceramic_wasm::codec::multibase;

pub const IDS_JSON: &str = include_str!("../../../shared/vectors/ids.json");
pub const RUST_CERAMIC_EVENTS_JSON: &str =
    include_str!("../../../shared/vectors/rust-ceramic-events.json");
pub const KEY_ED25519_CAR: &[u8] =
    include_bytes!("../../../shared/vectors/ceramic-sdk/key-ed25519.car");

/// The six ceramic-sdk CARs: (name, bytes).
pub const CERAMIC_SDK_CARS: &[(&str, &[u8])] = &[
    ("key-ed25519", KEY_ED25519_CAR),
    (
        "key-ecdsa-p256",
        include_bytes!("../../../shared/vectors/ceramic-sdk/key-ecdsa-p256.car"),
    ),
    (
        "key-webauthn",
        include_bytes!("../../../shared/vectors/ceramic-sdk/key-webauthn.car"),
    ),
    (
        "pkh-ethereum",
        include_bytes!("../../../shared/vectors/ceramic-sdk/pkh-ethereum.car"),
    ),
    (
        "pkh-solana",
        include_bytes!("../../../shared/vectors/ceramic-sdk/pkh-solana.car"),
    ),
    (
        "pkh-webauthn",
        include_bytes!("../../../shared/vectors/ceramic-sdk/pkh-webauthn.car"),
    ),
];

pub fn ids() -> ceramic_wasm::codec::Value {
    serde_json::from_str(IDS_JSON).expect("ids.json parses")
}

pub fn rust_ceramic() -> ceramic_wasm::codec::Value {
    serde_json::from_str(RUST_CERAMIC_EVENTS_JSON).expect("rust-ceramic-events.json parses")
}

/// The bytes of a rust-ceramic fixture (multibase decoded).
pub fn fixture(name: &str) -> Vec<u8> {
    let v = rust_ceramic();
    let s = v["fixtures"][name]
        .as_str()
        .unwrap_or_else(|| panic!("fixture {name}"));
    multibase::decode(s).expect("fixture is multibase")
}

/// The seed of a signer DID listed in rust-ceramic-events.json.
pub fn seed(did: &str) -> Vec<u8> {
    let v = rust_ceramic();
    hex::decode(v["signer_seeds_hex"][did].as_str().expect("seed")).expect("hex")
}

/// An Ethereum JSON-RPC for one chain that answers from a recording: (method, first param) ->
/// result.
pub struct RecordedRpc(
    pub  Vec<(
        &'static str,
        ceramic_wasm::codec::Value,
        ceramic_wasm::codec::Value,
    )>,
);

impl ceramic_wasm::verify::EthRpc for RecordedRpc {
    async fn serves(&self, _chain_id: &str) -> ceramic_wasm::Result<bool> {
        Ok(true)
    }

    async fn request(
        &self,
        _chain_id: &str,
        method: &str,
        params: ceramic_wasm::codec::Value,
    ) -> ceramic_wasm::Result<ceramic_wasm::codec::Value> {
        let first = params[0].clone();
        self.0
            .iter()
            .find(|(m, p, _)| *m == method && (p.is_null() || *p == first))
            .map(|(_, _, r)| r.clone())
            .ok_or_else(|| {
                ceramic_wasm::Error::ChainRpc(format!("no recording for {method} {first}"))
            })
    }
}

pub const ETH_ANCHORS_JSON: &str = include_str!("../../../shared/vectors/eth-anchors.json");

/// Every CAR fixture of rust-ceramic-events.json.
pub const CAR_FIXTURES: &[&str] = &[
    "SIGNED_INIT_EVENT_CAR",
    "UNSIGNED_INIT_EVENT_CAR",
    "SIGNED_DATA_EVENT_CAR",
    "DATA_EVENT_CAR_UNSIGNED_INIT",
    "CACAO_SIGNED_DATA_EVENT_CAR",
    "TIME_EVENT_CAR_SINGLE_EVENT_BATCH",
    "TIME_EVENT_CAR_MULTI_EVENT_BATCH",
    "UNSIGNED_INIT_NO_SEP_CAR",
];
