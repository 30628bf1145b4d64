//! Encodings: canonical DAG-CBOR, CIDs of values, CARv1 files, multibase strings.
//!
//! Everything here is byte-exact with ceramic-one and the JS SDK: DAG-CBOR is written and read by
//! our own serde codec, `cbor` (length-first sorted map keys, shortest integers, 64-bit floats;
//! checked against `serde_ipld_dagcbor` in tests/cbor_interop.rs), CIDs are
//! CIDv1 over sha2-256, and CARs put their blocks in the order the network writes them.

/// The eight fixed-width integer methods of a serde `Deserializer`, each handing its visitor to the
/// reader's own `integer` method (the DAG-CBOR and JSON readers share this shape).
macro_rules! deserialize_integers {
    ($($method:ident)*) => {$(
        fn $method<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            self.integer(visitor)
        }
    )*};
}
pub(crate) use deserialize_integers;

pub mod car;
pub mod cbor;
pub mod dagcbor;
pub mod json;
pub mod multibase;
pub mod time;

pub use car::{BlockSource, Car, CarLimits};
pub use dagcbor::{decode_strict, sha256_cid, Block, DagCborExt};

/// Serialize a CID as its string (for reports and JSON answers).
pub(crate) fn cid_string<S: serde::Serializer>(cid: &cid::Cid, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&cid_text(cid).to_string())
}

/// A CID as the network writes it: CIDv1 as `b` + base32, CIDv0 as base58btc without a prefix.
/// Format it (`{}`) or call `to_string` on it. Use this, never `Cid`'s own `Display`: that links
/// every base of the `multibase` crate (through `data-encoding` and `base-x`: 12 KB gzip of wasm,
/// BENCHMARKS.md) where these two are written by our own codec.
pub fn cid_text(cid: &cid::Cid) -> CidText<'_> {
    CidText(cid)
}

/// See [`cid_text`].
pub struct CidText<'a>(&'a cid::Cid);

impl std::fmt::Display for CidText<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let bytes = self.0.to_bytes();
        let text = match self.0.version() {
            cid::Version::V0 => multibase::encode(multibase::Base::Base58Btc, &bytes),
            cid::Version::V1 => multibase::encode(multibase::Base::Base32Lower, &bytes),
        };
        // CIDv0 has no multibase prefix.
        let skip = usize::from(self.0.version() == cid::Version::V0);
        f.write_str(&text[skip..])
    }
}

/// Multicodec code of DAG-CBOR blocks (payloads, unsigned events, time events, proofs, CACAOs).
pub const DAG_CBOR: u64 = 0x71;
/// Multicodec code of DAG-JOSE blocks (signed-event envelopes).
pub const DAG_JOSE: u64 = 0x85;
/// Multihash code of sha2-256.
pub const SHA2_256: u64 = 0x12;
/// Multihash code of the identity "hash".
pub const IDENTITY: u64 = 0x00;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cid_text_is_the_cid_crates_text() {
        for s in [
            "bafyreifu7xdhhlntwnrd7jxpps44wz6acamfcsxazc4oopnmldaotqok2y",
            "bagcqcerakszw2vsovxznyp5gfnpdj4cqm2xiv76yd24wkjewhhykovorwo6a",
            "QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR",
            "bafkqaaa",
        ] {
            let cid: cid::Cid = s.parse().unwrap();
            assert_eq!(cid_text(&cid).to_string(), s);
            assert_eq!(cid_text(&cid).to_string(), cid.to_string());
            assert_eq!(multibase::parse_cid(s).unwrap(), cid);
        }
    }
}
