//! Multibase strings: CARs are written as `m` (base64, no padding) like the JS SDK; any base is read.

use multibase::Base;

use crate::error::{Error, Result};

/// Encode bytes as a multibase string in `base`.
pub fn encode(base: Base, bytes: &[u8]) -> String {
    multibase::encode(base, bytes)
}

/// Encode a CAR the way the JS SDK posts it: `m` + base64 without padding.
pub fn encode_car(bytes: &[u8]) -> String {
    encode(Base::Base64, bytes)
}

/// Encode as `u` + base64url without padding (ceramic-one's stream-state fields).
pub fn encode_base64url(bytes: &[u8]) -> String {
    encode(Base::Base64Url, bytes)
}

/// Decode a multibase string of any base.
pub fn decode(s: &str) -> Result<Vec<u8>> {
    multibase::decode(s)
        .map(|(_, bytes)| bytes)
        .map_err(|e| Error::InvalidMultibase(format!("{e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn car_is_base64_m_and_any_base_reads() {
        let bytes = [0x3a, 0xa2, 0xff, 0x00];
        let m = encode_car(&bytes);
        assert!(m.starts_with('m'));
        assert_eq!(decode(&m).unwrap(), bytes);
        for base in [
            Base::Base64Url,
            Base::Base16Lower,
            Base::Base32Lower,
            Base::Base36Lower,
        ] {
            assert_eq!(decode(&encode(base, &bytes)).unwrap(), bytes);
        }
        assert_eq!(decode("").unwrap_err().code(), "INVALID_MULTIBASE");
        assert_eq!(decode("m!!").unwrap_err().code(), "INVALID_MULTIBASE");
        assert_eq!(
            decode("\u{1F600}abc").unwrap_err().code(),
            "INVALID_MULTIBASE"
        );
    }
}
