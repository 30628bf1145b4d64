//! DAG-JOSE: the envelope decoded strictly, then its signature checked against the did:key of its
//! `kid` (Ed25519, P-256, secp256k1): typed errors only.
#![no_main]
use ceramic_wasm::codec::decode_strict;
use ceramic_wasm::did::Envelope;
use ceramic_wasm::Error;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let r = decode_strict::<Envelope>(data, "envelope").and_then(|env| {
        env.header()?;
        env.signing_input()?;
        env.verify()
    });
    if let Err(e) = r {
        assert!(Error::ALL_CODES.contains(&e.code()), "{e:?}");
    }
});
