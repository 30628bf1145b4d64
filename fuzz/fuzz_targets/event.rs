//! Event decoding from a CAR: a typed error, or an event that encodes to a CAR that decodes to the
//! same event (same CID, same kind).
#![no_main]
use ceramic_wasm::events::Event;
use ceramic_wasm::Error;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| match Event::decode_car(data) {
    Ok(event) => {
        let car = event.encode_car().expect("a decoded event encodes");
        let again = Event::decode_car(&car).expect("an encoded event decodes");
        assert_eq!(again.cid(), event.cid());
        assert_eq!(again.kind(), event.kind());
    }
    Err(e) => assert!(Error::ALL_CODES.contains(&e.code()), "{e:?}"),
});
