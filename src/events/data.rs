use crate::codec::Ipld;
use cid::Cid;
use serde::Serialize;

use crate::codec::fields::{Fields, FromIpld};

use crate::ids::CommitId;

/// The header of a data event; only `shouldIndex` (and rust-ceramic's `modelVersion`) may be set.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DataHeader {
    /// Indexing hint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub should_index: Option<bool>,
    /// A pinned model version.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::codec::cidbytes::opt_link"
    )]
    pub model_version: Option<Cid>,
}

// Read by hand (codec/fields.rs says why), with exactly these fields.
impl FromIpld for DataHeader {
    fn from_ipld(value: Ipld, at: &dyn std::fmt::Display) -> crate::Result<Self> {
        let mut f = Fields::new(value, at)?;
        let header = DataHeader {
            should_index: f.opt("shouldIndex")?,
            model_version: f.opt("modelVersion")?,
        };
        f.end()?;
        Ok(header)
    }
}

impl FromIpld for DataPayload {
    fn from_ipld(value: Ipld, at: &dyn std::fmt::Display) -> crate::Result<Self> {
        let mut f = Fields::new(value, at)?;
        let payload = DataPayload {
            id: f.req("id")?,
            prev: f.req("prev")?,
            header: f.opt("header")?,
            data: f.req("data")?,
        };
        f.end()?;
        Ok(payload)
    }
}

impl DataHeader {
    /// A header that sets the indexing hint.
    pub fn should_index(should_index: bool) -> Self {
        DataHeader {
            should_index: Some(should_index),
            model_version: None,
        }
    }
}

/// The payload of a data event: `{id, prev, header?, data}`; `data` is a JSON-Patch array for
/// Model Instance Documents.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataPayload {
    /// The stream's init event CID.
    #[serde(serialize_with = "crate::codec::cidbytes::link")]
    pub id: Cid,
    /// The previous event's CID (the tip this event follows).
    #[serde(serialize_with = "crate::codec::cidbytes::link")]
    pub prev: Cid,
    /// Omitted when empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<DataHeader>,
    /// The change.
    #[serde(serialize_with = "crate::codec::cidbytes::ipld")]
    pub data: Ipld,
}

impl DataPayload {
    /// A payload that follows `tip` (the stream's current CommitID) with `data`.
    pub fn new(tip: &CommitId, data: Ipld) -> Self {
        DataPayload {
            id: *tip.stream_id().cid(),
            prev: tip.commit(),
            header: None,
            data,
        }
    }

    /// Set the header (an empty header is omitted, as the JS SDK does).
    pub fn with_header(mut self, header: DataHeader) -> Self {
        self.header = (header != DataHeader::default()).then_some(header);
        self
    }
}
