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

/// `invalid_type` and `invalid_value` of a serde error type, writing what was met without serde's
/// `Unexpected` Display, which prints a float's digits and so links core's float printing
/// (~19 K of wasm) for error messages alone.
macro_rules! invalid_type_and_value {
    ($new:expr) => {
        fn invalid_type(unexp: serde::de::Unexpected, exp: &dyn serde::de::Expected) -> Self {
            $new(format!(
                "invalid type: {}, expected {exp}",
                $crate::codec::unexpected(&unexp)
            ))
        }
        fn invalid_value(unexp: serde::de::Unexpected, exp: &dyn serde::de::Expected) -> Self {
            $new(format!(
                "invalid value: {}, expected {exp}",
                $crate::codec::unexpected(&unexp)
            ))
        }
    };
}
pub(crate) use invalid_type_and_value;

/// A JSON object from `(key, value)` pairs with literal keys: `crate::json!`'s object without
/// its clone of each value (`ToValue` takes them by reference).
pub(crate) fn json_object<const N: usize>(
    entries: [(&str, crate::codec::Value); N],
) -> crate::codec::Map<String, crate::codec::Value> {
    entries
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

/// The shortest round-trip digits of a finite double and where its decimal point goes: `(digits,
/// k)` with `|f| = 0.digits × 10^k`, no leading or trailing zeros (`("", 0)` for zero). From
/// zmij, which serde_json's writer links anyway; Rust's `{:e}` would link core's float printing
/// (~19 K of wasm).
pub(crate) fn shortest_digits(f: f64) -> (String, i32) {
    let mut buf = zmij::Buffer::new();
    let text = buf.format_finite(f.abs());
    let (mantissa, exp) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (text, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    // Not `[int, frac].concat()`: the only `&str` join in the wasm (its own copy of the join code).
    let mut digits = String::from(int);
    digits.push_str(frac);
    let mut point = int.len() as i32 + exp;
    let lead = digits.len() - digits.trim_start_matches('0').len();
    digits.drain(..lead);
    point -= lead as i32;
    digits.truncate(digits.trim_end_matches('0').len());
    if digits.is_empty() {
        return (digits, 0);
    }
    (digits, point)
}

/// A string in double quotes for a message, as `{:?}` writes printable text: `"`, `\\` and the
/// control characters escaped (`\n`, `\r`, `\t`, `\u{…}`), everything else as it is. Our own
/// (bytes): `{:?}` links `str`'s `Debug` with its Unicode tables of printable and extending
/// characters, and each use builds its own formatter call (main wasm −3.1 K gzip with every
/// message quoted by this).
pub(crate) fn quoted(s: &str) -> Quoted<'_> {
    Quoted(s)
}

/// See [`quoted`].
pub(crate) struct Quoted<'a>(&'a str);

impl std::fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use std::fmt::Write;
        f.write_char('"')?;
        for c in self.0.chars() {
            match c {
                '"' => f.write_str("\\\"")?,
                '\\' => f.write_str("\\\\")?,
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                c if c.is_control() => write!(f, "\\u{{{:x}}}", u32::from(c))?,
                c => f.write_char(c)?,
            }
        }
        f.write_char('"')
    }
}

/// Strings as a list for a message, `["a", "b"]` (see [`quoted`]).
pub(crate) fn quoted_list(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| quoted(s).to_string()).collect();
    format!("[{}]", join(&inner, ", "))
}

/// What serde's `Unexpected` names, as its Display writes it, but a float without its digits.
pub(crate) fn unexpected(u: &serde::de::Unexpected) -> String {
    use serde::de::Unexpected as U;
    match u {
        U::Float(_) => "floating point number".into(),
        U::Bool(b) => format!("boolean `{b}`"),
        U::Unsigned(n) => format!("integer `{n}`"),
        U::Signed(n) => format!("integer `{n}`"),
        U::Char(c) => format!("character `{c}`"),
        U::Str(s) => format!("string {}", quoted(s)),
        U::Bytes(_) => "byte array".into(),
        U::Unit => "unit value".into(),
        U::Option => "Option value".into(),
        U::NewtypeStruct => "newtype struct".into(),
        U::Seq => "sequence".into(),
        U::Map => "map".into(),
        U::Enum => "enum".into(),
        U::UnitVariant => "unit variant".into(),
        U::NewtypeVariant => "newtype variant".into(),
        U::TupleVariant => "tuple variant".into(),
        U::StructVariant => "struct variant".into(),
        U::Other(o) => (*o).into(),
    }
}

/// `bytes` as text: the UTF-8 it is, else its multibase hex (`f…`) marked as such. For messages;
/// our own rather than `String::from_utf8_lossy` (bytes: its `Utf8Chunks` decoder, 0.6 KB raw,
/// served only two error messages).
pub(crate) fn text_or_hex(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => {
            let mut out = multibase::encode(multibase::Base::Base16Lower, bytes);
            out.push_str(" (not UTF-8)");
            out
        }
    }
}

/// `parts` joined by `sep`. Our own (bytes): `[String]::join` links std's generic
/// `join_generic_copy` (0.9 KB raw of the wasm) for two call sites.
pub(crate) fn join(parts: &[String], sep: &str) -> String {
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(part);
    }
    out
}

/// Sort `items` by a byte key. One sort of `(key, index)` pairs serves every item type: each
/// `sort_by_key` on its own type would link its own copy of the standard sort (~2.5 K of wasm).
/// Used for CIDs, chain ids and CBOR map entries.
pub(crate) fn sort_by_bytes<T>(items: &mut Vec<T>, key: impl Fn(&T) -> Vec<u8>) {
    let mut keyed: Vec<(Vec<u8>, usize)> = items.iter().map(&key).zip(0..).collect();
    keyed.sort_unstable();
    let mut slots: Vec<Option<T>> = items.drain(..).map(Some).collect();
    items.extend(keyed.into_iter().filter_map(|(_, i)| slots[i].take()));
}

pub mod base64;
pub mod car;
pub mod cbor;
pub mod cidbytes;
pub mod cidindex;
pub mod dagcbor;
pub mod fields;
pub mod ipld;
pub mod json;
pub mod json_write;
pub mod multibase;
/// SHA-256 and SHA-512 (the `hash/` crate, built at opt-level 3: the hot path).
pub use ceramic_wasm_hash as sha2;
pub mod time;
pub mod value;

pub use car::{BlockSource, Car, CarLimits};
pub use dagcbor::{decode_strict, sha256_cid, strict_from_ipld, Block, DagCborExt};
pub use ipld::{Ipld, IpldMap};
pub use value::{Map, Number, Value};

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
        let bytes = cidbytes::cid_bytes(self.0);
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

    /// `quoted` writes what `{:?}` writes for text, escapes included; it differs only for
    /// printable-but-unusual code points (`{:?}` escapes some, such as U+200B) and NUL (`\0`).
    #[test]
    fn quoted_is_debug_for_text() {
        for s in [
            "",
            "did:key:z6Mk",
            "a \"b\" \\ c",
            "line\nbreak\ttab\rreturn",
            "bell\u{7}del\u{7f}",
            "é 日本 🦀",
        ] {
            assert_eq!(quoted(s).to_string(), format!("{s:?}"));
        }
        assert_eq!(
            quoted_list(&["a".into(), "b\"".into()]),
            format!("{:?}", ["a", "b\""])
        );
        assert_eq!(quoted_list(&[]), "[]");
    }

    #[test]
    fn sort_by_bytes_orders_by_the_key_keeping_every_item() {
        let mut v = vec!["b", "", "ab", "a", "ba"];
        sort_by_bytes(&mut v, |s| s.as_bytes().to_vec());
        assert_eq!(v, ["", "a", "ab", "b", "ba"]);
        let mut n: Vec<u32> = (0..300).rev().collect();
        sort_by_bytes(&mut n, |x| x.to_be_bytes().to_vec());
        assert_eq!(n, (0..300).collect::<Vec<_>>());
    }

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
