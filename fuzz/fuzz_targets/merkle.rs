//! Time events: decoded from a CAR, their Merkle path walked from the proof's root through the
//! witness blocks: typed errors only.
#![no_main]
use ceramic_wasm::events::Event;
use ceramic_wasm::verify::walk_merkle_path;
use ceramic_wasm::Error;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let r = Event::decode_car(data).and_then(|e| match e {
        Event::Time(t) => walk_merkle_path(&t),
        _ => Ok(()),
    });
    if let Err(e) = r {
        assert!(Error::ALL_CODES.contains(&e.code()), "{e:?}");
    }
});
