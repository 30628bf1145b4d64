//! StreamID, CommitID and EventID from bytes and from text: a typed error or a value, and a value
//! that prints back to what parses to itself.
#![no_main]
use ceramic_wasm::ids::{CommitId, EventId, StreamId};
use ceramic_wasm::Error;
use libfuzzer_sys::fuzz_target;

fn typed<T>(r: Result<T, Error>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            assert!(Error::ALL_CODES.contains(&e.code()), "{e:?}");
            None
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if let Some(id) = typed(StreamId::from_bytes(data)) {
        assert_eq!(id.to_string().parse::<StreamId>().unwrap(), id);
        assert_eq!(StreamId::from_bytes(&id.to_bytes()).unwrap(), id);
    }
    if let Some(id) = typed(CommitId::from_bytes(data)) {
        assert_eq!(id.to_string().parse::<CommitId>().unwrap(), id);
    }
    typed(EventId::from_bytes(data));
    if let Ok(text) = std::str::from_utf8(data) {
        if let Some(id) = typed(text.parse::<StreamId>()) {
            assert_eq!(id.to_string().parse::<StreamId>().unwrap(), id);
        }
        if let Some(id) = typed(text.parse::<CommitId>()) {
            assert_eq!(id.to_string().parse::<CommitId>().unwrap(), id);
        }
        typed(text.parse::<EventId>());
    }
});
