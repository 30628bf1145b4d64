//! Ceramic events: the closed [`Event`] enum (signed init, unsigned init, data, time), their typed
//! payloads, builders, strict decoding from CARs and encoding back to CARs.
//!
//! Decoding applies ceramic-one's round-trip rule: the root block and the signed payload must
//! re-encode to exactly their bytes, with no unexpected fields.

mod data;
mod event;
mod init;
mod signed;
mod time;
pub(crate) use time::merkle_node;

pub use data::{DataHeader, DataPayload};
#[cfg(feature = "legacy")]
pub(crate) use event::fetch as fetch_block;
pub use event::{Event, EventKind, UnsignedInit};
pub use init::{InitBuilder, InitHeader, InitPayload};
pub use signed::{inspect_signing_request, sign, SignedEvent, SigningRequest, SigningRequestInfo};
#[cfg(feature = "legacy")]
pub(crate) use time::merkle_witness;
pub(crate) use time::path_indices as time_path_indices;
pub use time::{AnchorProof, RawTimeEvent, TimeEvent};

use crate::codec::Ipld;

use crate::error::{Error, Result};

/// Convert a JSON value (content, JSON-Patch operations) to IPLD for a payload. Integers stay
/// integers and other numbers become 64-bit floats, as the JS SDK encodes them.
pub fn json_to_ipld(value: &crate::codec::Value) -> Ipld {
    use crate::codec::Value as J;
    match value {
        J::Null => Ipld::Null,
        J::Bool(b) => Ipld::Bool(*b),
        J::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Ipld::Integer(i.into()),
            (None, Some(u)) => Ipld::Integer(u.into()),
            // Not an integer: serde_json numbers are finite, so this is a plain f64.
            _ => Ipld::Float(n.as_f64().unwrap_or_default()),
        },
        J::String(s) => Ipld::String(s.clone()),
        J::Array(items) => Ipld::List(items.iter().map(json_to_ipld).collect()),
        J::Object(map) => Ipld::Map(crate::codec::IpldMap::from_unique(
            map.iter()
                .map(|(k, v)| (k.clone(), json_to_ipld(v)))
                .collect(),
        )),
    }
}

/// Convert payload IPLD back to JSON. Bytes and links have no JSON form and are an error here.
pub fn ipld_to_json(value: &Ipld) -> Result<crate::codec::Value> {
    match value {
        Ipld::Bytes(_) | Ipld::Link(_) => Err(Error::InvalidEvent(
            "content holds bytes or a link, which JSON cannot carry".into(),
        )),
        Ipld::List(items) => items.iter().map(ipld_to_json).collect::<Result<_>>(),
        Ipld::Map(map) => {
            // Built whole and sorted once: inserting member by member would move the members
            // after each one, quadratic on a hostile block's tens of thousands of keys (in
            // DAG-CBOR's order, shortest first, not the map's byte order).
            let mut entries = Vec::with_capacity(map.len());
            for (k, v) in map {
                entries.push((k.clone(), ipld_to_json(v)?));
            }
            crate::codec::Map::from_entries(entries)
                .map(crate::codec::Value::Object)
                .map_err(|k| {
                    Error::InvalidEvent(format!("repeated key {}", crate::codec::quoted(&k)))
                })
        }
        Ipld::Float(f) => crate::codec::Number::from_f64(*f)
            .map(crate::codec::Value::Number)
            // Only NaN and the infinities have none (named by hand: `{f}` links float printing).
            .ok_or_else(|| Error::InvalidEvent("a NaN or infinite float has no JSON form".into())),
        Ipld::Integer(i) => i64::try_from(*i)
            .map(crate::codec::Value::from)
            .or_else(|_| u64::try_from(*i).map(crate::codec::Value::from))
            // Not printed: `{i}` of an i128 links 128-bit division (~1.5 K of wasm).
            .map_err(|_| {
                Error::InvalidEvent("an integer beyond 64 bits is out of JSON range".into())
            }),
        Ipld::Null => Ok(crate::codec::Value::Null),
        Ipld::Bool(b) => Ok(crate::codec::Value::Bool(*b)),
        Ipld::String(s) => Ok(crate::codec::Value::String(s.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_ipld_round_trip() {
        let v = crate::json!({"a": 1, "b": [true, null, "x", 2.5], "c": {"d": -7}});
        let ipld = json_to_ipld(&v);
        assert!(matches!(&ipld, Ipld::Map(m) if matches!(m.get("a"), Some(Ipld::Integer(1)))));
        assert_eq!(ipld_to_json(&ipld).unwrap(), v);
        assert!(ipld_to_json(&Ipld::Bytes(vec![1])).is_err());
    }
}
