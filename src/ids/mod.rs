//! Identifiers: stream types, StreamID and CommitID (CIP-59), EventID (the Recon key of ceramic-one).

mod commit_id;
mod event_id;
mod stream_id;
mod stream_type;

pub use commit_id::CommitId;
pub use event_id::{EventId, Network};
pub use stream_id::{StreamId, METAMODEL_STREAM_ID, STREAMID_CODEC};
pub use stream_type::StreamType;

use cid::Cid;

use crate::codec::cidbytes::write_varint;
use crate::error::{Error, Result};

/// Serialize an id as its string form (`Display`) and read it back with `FromStr`, as JSON
/// carries StreamIDs and CommitIDs.
macro_rules! serde_as_string {
    ($t:ty) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(
                &self,
                s: S,
            ) -> std::result::Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(
                d: D,
            ) -> std::result::Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use serde_as_string;

/// Read one unsigned varint from the front of `bytes`, mapping failures to `err`.
fn read_varint<'a>(
    bytes: &'a [u8],
    what: &str,
    err: fn(String) -> Error,
) -> Result<(u64, &'a [u8])> {
    crate::codec::cidbytes::read_varint(bytes)
        .map(|(v, n)| (v, &bytes[n..]))
        .ok_or_else(|| err(format!("{what}: not a valid varint")))
}

/// Read a CID from the front of `bytes`.
fn read_cid(bytes: &[u8], err: fn(String) -> Error) -> Result<(Cid, &[u8])> {
    let (cid, n) = crate::codec::cidbytes::read_cid(bytes).map_err(|e| err(format!("CID: {e}")))?;
    Ok((cid, &bytes[n..]))
}

/// Strip the URL forms the JS parser accepts: `ceramic://…` and `/ceramic/…`.
fn strip_url(s: &str) -> &str {
    s.strip_prefix("ceramic://")
        .or_else(|| s.strip_prefix("/ceramic/"))
        .unwrap_or(s)
}
