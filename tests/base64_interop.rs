//! Our base64 (src/codec/base64.rs) against the `base64` crate, in the four forms the package
//! uses: the same text for every byte string, and the same verdict and bytes for any text
//! (random texts over the alphabets, `=` and a stray character; and damaged encodings).

#![cfg(not(target_arch = "wasm32"))]

use base64::Engine as _;
use ceramic_wasm::codec::base64 as ours;
use proptest::prelude::*;

type Theirs = base64::engine::GeneralPurpose;

fn forms() -> [(ours::Base64, Theirs); 4] {
    use base64::engine::general_purpose as gp;
    [
        (ours::STANDARD, gp::STANDARD),
        (ours::STANDARD_NO_PAD, gp::STANDARD_NO_PAD),
        (ours::URL_SAFE, gp::URL_SAFE),
        (ours::URL_SAFE_NO_PAD, gp::URL_SAFE_NO_PAD),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn same_text(bytes in prop::collection::vec(any::<u8>(), 0..70)) {
        for (o, t) in forms() {
            let text = o.encode(&bytes);
            prop_assert_eq!(&text, &t.encode(&bytes));
            prop_assert_eq!(o.decode(&text).ok(), Some(bytes.clone()));
        }
    }

    #[test]
    fn same_verdict_on_any_text(text in "[A-Za-z0-9+/_=\\- .]{0,14}") {
        for (o, t) in forms() {
            prop_assert_eq!(o.decode(&text).ok(), t.decode(&text).ok(), "{:?}", text);
        }
    }

    #[test]
    fn same_verdict_on_damaged_encodings(
        bytes in prop::collection::vec(any::<u8>(), 1..20),
        at in any::<prop::sample::Index>(),
        c in prop::sample::select(b"A/+-_=Qz9.".to_vec()),
        cut in any::<bool>(),
    ) {
        for (o, t) in forms() {
            let mut text = o.encode(&bytes).into_bytes();
            let i = at.index(text.len());
            if cut { text.truncate(i) } else { text[i] = c }
            prop_assert_eq!(o.decode(&text).ok(), t.decode(&text).ok(), "{:?}", String::from_utf8_lossy(&text));
        }
    }
}
