//! The folded state of a legacy stream, in js-ceramic's `StreamState` shape (`/api/v0` JSON):
//! `content`/`metadata` hold the last anchored values and `next` the unanchored changes.

use crate::codec::{Map, Value};
use crate::json;
use cid::Cid;

use crate::error::{Error, Result};
use crate::ids::StreamType;

use super::commit::Commit;

/// `SignatureStatus`: GENESIS (an unsigned genesis only), SIGNED.
pub const GENESIS: u8 = 0;
/// `SignatureStatus.SIGNED`.
pub const SIGNED: u8 = 2;

/// One log entry: commit CID, kind (0 genesis, 1 signed/update, 2 anchor) and the timestamp of
/// the anchor that covers it.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    /// The commit.
    pub cid: Cid,
    /// 0 genesis, 1 data, 2 anchor (js-ceramic's `EventType`).
    pub kind: u8,
    /// Unix seconds of the nearest later anchor, if any.
    pub timestamp: Option<i64>,
}

/// Unanchored changes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Next {
    /// The content after the unanchored commits (`None`: not set, as js's `undefined`).
    pub content: Option<Value>,
    /// The metadata after them.
    pub metadata: Option<Map<String, Value>>,
}

/// The folded state of a TileDocument or Caip10Link.
#[derive(Debug, Clone, PartialEq)]
pub struct LegacyState {
    /// `Tile` or `Caip10Link`.
    pub stream_type: StreamType,
    /// Content as of the last anchor (the genesis content before one).
    pub content: Value,
    /// Metadata (the genesis header, merged with anchored header changes).
    pub metadata: Map<String, Value>,
    /// Unanchored changes, if any.
    pub next: Option<Next>,
    /// [`GENESIS`] or [`SIGNED`].
    pub signature: u8,
    /// Whether the tip is anchored (`ANCHORED`) or not (`NOT_REQUESTED`: a node may report
    /// `PENDING` or `PROCESSING` for its own request).
    pub anchored: bool,
    /// The last anchor's proof block, as JSON, when the anchor check read it.
    pub anchor_proof: Option<Value>,
    /// The log, genesis first.
    pub log: Vec<LogEntry>,
}

impl LegacyState {
    /// The genesis CID.
    pub fn genesis(&self) -> Result<Cid> {
        self.log
            .first()
            .map(|e| e.cid)
            .ok_or_else(|| Error::InvalidEvent("an empty legacy log".into()))
    }

    /// The tip's CID.
    pub fn tip(&self) -> Result<Cid> {
        self.log
            .last()
            .map(|e| e.cid)
            .ok_or_else(|| Error::InvalidEvent("an empty legacy log".into()))
    }

    /// Content as handles read it: `next.content` when set, else `content`.
    pub fn current_content(&self) -> &Value {
        self.next
            .as_ref()
            .and_then(|n| n.content.as_ref())
            .unwrap_or(&self.content)
    }

    /// Metadata as handles read it: `next.metadata` when set, else `metadata`.
    pub fn current_metadata(&self) -> &Map<String, Value> {
        self.next
            .as_ref()
            .and_then(|n| n.metadata.as_ref())
            .unwrap_or(&self.metadata)
    }

    /// The controller as handles read it.
    pub fn controller(&self) -> Option<&str> {
        first_controller(self.current_metadata())
    }

    /// The timestamp of the last anchor in the log.
    pub fn last_anchor_time(&self) -> Option<i64> {
        self.log
            .iter()
            .rev()
            .find(|e| e.kind == 2)
            .and_then(|e| e.timestamp)
    }

    /// js-ceramic's serialized state (`serializeState`): `anchorStatus` by name, CIDs as
    /// strings, `doctype` added.
    pub fn to_json(&self) -> Value {
        let log: Vec<Value> = self
            .log
            .iter()
            .map(|e| {
                let mut entry =
                    json!({ "cid": crate::codec::cid_text(&e.cid).to_string(), "type": e.kind });
                if let Some(t) = e.timestamp {
                    entry["timestamp"] = json!(t);
                }
                entry
            })
            .collect();
        let mut out = json!({
            "type": self.stream_type.code(),
            "content": self.content,
            "metadata": self.metadata,
            "signature": self.signature,
            "anchorStatus": if self.anchored { "ANCHORED" } else { "NOT_REQUESTED" },
            "log": log,
            "doctype": self.stream_type.name(),
        });
        if let Some(next) = &self.next {
            let mut n = Map::new();
            if let Some(c) = &next.content {
                n.insert("content".into(), c.clone());
            }
            if let Some(m) = &next.metadata {
                n.insert("metadata".into(), Value::Object(m.clone()));
            }
            out["next"] = Value::Object(n);
        }
        if let Some(p) = &self.anchor_proof {
            out["anchorProof"] = p.clone();
        }
        out
    }

    pub(super) fn push(&mut self, commit: &Commit, kind: u8, timestamp: Option<i64>) {
        self.log.push(LogEntry {
            cid: commit.cid,
            kind,
            timestamp,
        });
    }

    /// Apply an anchor commit (js-ceramic's handlers' `_applyAnchor`): the unanchored changes
    /// become the state, each only if truthy (js keeps the previous content when `next.content`
    /// is `null`, `""` or absent). A Caip10Link's anchor takes `next.content` only: js-ceramic
    /// 2.11's Caip10LinkHandler drops `next` with the `lastUpdate` its metadata carried, where
    /// the TileDocumentHandler keeps `next.metadata` (the test peer's recorded answers show it).
    pub(super) fn anchor(&mut self, commit: &Commit, timestamp: Option<i64>, proof: Option<Value>) {
        self.push(commit, 2, timestamp);
        self.anchored = true;
        self.anchor_proof = proof;
        if let Some(next) = self.next.take() {
            if let Some(c) = next.content.filter(truthy) {
                self.content = c;
            }
            if let (Some(m), StreamType::Tile) = (next.metadata, self.stream_type) {
                self.metadata = m;
            }
        }
    }
}

/// JavaScript truthiness of a JSON value.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// `controllers[0]` of a metadata map.
pub fn first_controller(metadata: &Map<String, Value>) -> Option<&str> {
    metadata
        .get("controllers")
        .and_then(Value::as_array)
        .and_then(|c| c.first())
        .and_then(Value::as_str)
}
