//! CACAO blocks: decoded, their times checked, their signatures verified (SIWE/eip191, SIWS,
//! WebAuthn): typed errors only.
#![no_main]
use ceramic_wasm::did::{Cacao, TimeCheck};
use ceramic_wasm::Error;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let r = Cacao::from_block(data).and_then(|c| {
        let _ = c.check_time(&TimeCheck::at(1_700_000_000));
        c.verify_signature()
    });
    if let Err(e) = r {
        assert!(Error::ALL_CODES.contains(&e.code()), "{e:?}");
    }
});
