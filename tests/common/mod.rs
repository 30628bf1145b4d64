//! Test vectors, read straight from `../shared/vectors` (beside the checkout, as in CI).
//! Embedded at compile time so that the same tests run natively and under wasm.
#![allow(dead_code)]

use ceramic_wasm::codec::multibase;

pub const IDS_JSON: &str = include_str!("../../../shared/vectors/ids.json");
pub const RUST_CERAMIC_EVENTS_JSON: &str =
    include_str!("../../../shared/vectors/rust-ceramic-events.json");
pub const KEY_ED25519_CAR: &[u8] =
    include_bytes!("../../../shared/vectors/ceramic-sdk/key-ed25519.car");

pub fn ids() -> serde_json::Value {
    serde_json::from_str(IDS_JSON).expect("ids.json parses")
}

pub fn rust_ceramic() -> serde_json::Value {
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
