//! The fields of a decoded DAG-CBOR map, taken out by hand as typed values.
//!
//! Why not serde's derived `Deserialize` for the network's shapes (events, JWS envelopes, time
//! events, CACAOs, CAR headers): each derived type inlines a whole struct reader into the decoder
//! (1–4.6 K of wasm apiece, ~30 K for the sixteen; BENCHMARKS.md). Here a block is decoded once
//! as `Ipld` (one reader, also needed for content) and its few fields are taken from the map.
//! The strict rule (canonical bytes that round-trip) stays with
//! [`decode_strict`](super::decode_strict).

use std::fmt::Display;

use crate::codec::Ipld;
use cid::Cid;

use crate::error::{Error, Result};

/// A type read from a decoded DAG-CBOR value.
pub trait FromIpld: Sized {
    /// Read `value`; `at` names where it was, for errors (written only when one arises).
    fn from_ipld(value: Ipld, at: &dyn Display) -> Result<Self>;
}

/// The entries of one map, each taken at most once.
pub(crate) struct Fields<'a> {
    entries: Vec<(String, Option<Ipld>)>,
    what: &'a dyn Display,
}

/// What a value is, for messages.
fn kind(v: &Ipld) -> &'static str {
    match v {
        Ipld::Null => "null",
        Ipld::Bool(_) => "a boolean",
        Ipld::Integer(_) => "an integer",
        Ipld::Float(_) => "a float",
        Ipld::String(_) => "a string",
        Ipld::Bytes(_) => "bytes",
        Ipld::List(_) => "a list",
        Ipld::Map(_) => "a map",
        Ipld::Link(_) => "a CID",
    }
}

/// `INVALID_EVENT`: `what` (a field path) holds the wrong kind of value.
pub(crate) fn wrong(at: &dyn Display, v: &Ipld, expected: &str) -> Error {
    Error::InvalidEvent(format!("{at}: {}, expected {expected}", kind(v)))
}

impl<'a> Fields<'a> {
    /// The entries of `value`, which must be a map.
    pub fn new(value: Ipld, what: &'a dyn Display) -> Result<Self> {
        match value {
            Ipld::Map(m) => Ok(Fields {
                entries: m.into_iter().map(|(k, v)| (k, Some(v))).collect(),
                what,
            }),
            other => Err(wrong(what, &other, "a map")),
        }
    }

    /// The value under `key`, if present and not yet taken (`null` included).
    pub fn take(&mut self, key: &str) -> Option<Ipld> {
        self.entries
            .iter_mut()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.take())
    }

    /// A required field.
    pub fn req<T: FromIpld>(&mut self, key: &str) -> Result<T> {
        match self.take(key) {
            Some(v) => T::from_ipld(v, &format_args!("{}.{key}", self.what)),
            None => Err(Error::InvalidEvent(format!(
                "{}: missing field `{key}`",
                self.what
            ))),
        }
    }

    /// An optional field: absent or `null` is `None` (as serde reads an `Option`).
    pub fn opt<T: FromIpld>(&mut self, key: &str) -> Result<Option<T>> {
        match self.take(key) {
            None | Some(Ipld::Null) => Ok(None),
            Some(v) => T::from_ipld(v, &format_args!("{}.{key}", self.what)).map(Some),
        }
    }

    /// No fields left: the shape allows no others.
    pub fn end(self) -> Result<()> {
        match self.entries.iter().find(|(_, v)| v.is_some()) {
            Some((k, _)) => Err(Error::InvalidEvent(format!(
                "{}: unknown field `{k}`",
                self.what
            ))),
            None => Ok(()),
        }
    }
}

impl FromIpld for Ipld {
    fn from_ipld(value: Ipld, _: &dyn Display) -> Result<Self> {
        Ok(value)
    }
}

impl FromIpld for String {
    fn from_ipld(value: Ipld, at: &dyn Display) -> Result<Self> {
        match value {
            Ipld::String(s) => Ok(s),
            other => Err(wrong(at, &other, "a string")),
        }
    }
}

impl FromIpld for bool {
    fn from_ipld(value: Ipld, at: &dyn Display) -> Result<Self> {
        match value {
            Ipld::Bool(b) => Ok(b),
            other => Err(wrong(at, &other, "a boolean")),
        }
    }
}

impl FromIpld for u64 {
    fn from_ipld(value: Ipld, at: &dyn Display) -> Result<Self> {
        match value {
            Ipld::Integer(i) => {
                u64::try_from(i).map_err(|_| Error::InvalidEvent(format!("{at}: out of range")))
            }
            other => Err(wrong(at, &other, "an integer")),
        }
    }
}

impl FromIpld for Cid {
    fn from_ipld(value: Ipld, at: &dyn Display) -> Result<Self> {
        match value {
            Ipld::Link(c) => Ok(c),
            other => Err(wrong(at, &other, "a CID")),
        }
    }
}

/// Byte strings (`Vec<u8>` is a list of integers to serde; these fields are CBOR bytes).
pub(crate) struct Bytes(pub Vec<u8>);

impl FromIpld for Bytes {
    fn from_ipld(value: Ipld, at: &dyn Display) -> Result<Self> {
        match value {
            Ipld::Bytes(b) => Ok(Bytes(b)),
            other => Err(wrong(at, &other, "bytes")),
        }
    }
}

impl<T: FromIpld> FromIpld for Vec<T> {
    fn from_ipld(value: Ipld, at: &dyn Display) -> Result<Self> {
        match value {
            Ipld::List(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| T::from_ipld(v, &format_args!("{at}[{i}]")))
                .collect(),
            other => Err(wrong(at, &other, "a list")),
        }
    }
}

impl FromIpld for crate::codec::IpldMap {
    fn from_ipld(value: Ipld, at: &dyn Display) -> Result<Self> {
        match value {
            Ipld::Map(m) => Ok(m),
            other => Err(wrong(at, &other, "a map")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(entries: &[(&str, Ipld)]) -> Ipld {
        Ipld::Map(
            entries
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn fields_taken_once_with_kinds_checked() {
        let v = map(&[
            ("a", Ipld::String("x".into())),
            ("b", Ipld::Null),
            ("c", Ipld::List(vec![Ipld::Integer(1), Ipld::Integer(-1)])),
        ]);
        let mut f = Fields::new(v.clone(), &"t").unwrap();
        assert_eq!(f.req::<String>("a").unwrap(), "x");
        assert_eq!(f.opt::<String>("b").unwrap(), None);
        assert_eq!(f.opt::<String>("z").unwrap(), None);
        let e = f.req::<String>("a").unwrap_err();
        assert_eq!(
            e.to_string(),
            Error::InvalidEvent("t: missing field `a`".into()).to_string()
        );
        let e = f.req::<Vec<u64>>("c").unwrap_err();
        assert!(e.to_string().contains("t.c[1]: out of range"), "{e}");
        f.end().unwrap();

        let mut f = Fields::new(v, &"t").unwrap();
        let e = f.req::<bool>("a").unwrap_err();
        assert!(
            e.to_string().contains("t.a: a string, expected a boolean"),
            "{e}"
        );
        assert!(f
            .end()
            .unwrap_err()
            .to_string()
            .contains("unknown field `b`"));
        assert_eq!(
            Fields::new(Ipld::Integer(1), &"t").err().unwrap().code(),
            "INVALID_EVENT"
        );
    }
}
