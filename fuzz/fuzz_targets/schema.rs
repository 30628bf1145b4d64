//! The JSON Schema validator on hostile schemas and documents (the input split at its first NUL
//! byte): the schema checked as a Model's, then a document validated against it: typed errors
//! only, in bounded time (libFuzzer's -timeout reports a runaway).
#![no_main]
use ceramic_wasm::stream::schema::{check_schema, validate};
use ceramic_wasm::stream::NativeRegex;
use ceramic_wasm::Error;
use libfuzzer_sys::fuzz_target;
use ceramic_wasm::codec::Value;

fuzz_target!(|data: &[u8]| {
    let (a, b) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b"{}"[..]),
    };
    let (Ok(schema), Ok(doc)) = (
        serde_json::from_slice::<Value>(a),
        serde_json::from_slice::<Value>(b),
    ) else {
        return;
    };
    for r in [
        check_schema(&schema, &NativeRegex),
        validate(&schema, &doc, &NativeRegex),
    ] {
        if let Err(e) = r {
            assert!(Error::ALL_CODES.contains(&e.code()), "{e:?}");
        }
    }
});
