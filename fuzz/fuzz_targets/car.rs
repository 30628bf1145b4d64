//! CAR reading: a typed error or blocks that each hash to their CID.
#![no_main]
use ceramic_wasm::codec::Car;
use ceramic_wasm::Error;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| match Car::decode(data) {
    Ok(car) => {
        let again = Car::decode(&car.encode().expect("a decoded CAR encodes"))
            .expect("an encoded CAR decodes");
        assert_eq!(again.roots(), car.roots());
    }
    Err(e) => assert!(Error::ALL_CODES.contains(&e.code()), "{e:?}"),
});
