//! Folding a stream's events into its state (protocol.md §5.3).

use std::cmp::Ordering;

use crate::codec::Value;
use cid::Cid;
use serde::Serialize;

use super::patch::apply_patch;
use crate::codec::cidbytes::cid_bytes;
use crate::error::{Error, Result};
use crate::events::{ipld_to_json, Event, EventKind};
use crate::ids::{CommitId, StreamId, StreamType};

/// How far an anchor was established.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum AnchorStatus {
    /// The Merkle proof holds and the transaction on `chain_id` commits to its root; the event
    /// existed before `timestamp` (unix seconds, the block's time).
    #[serde(rename_all = "camelCase")]
    Chain {
        /// CAIP-2 chain id.
        chain_id: String,
        /// Block timestamp, unix seconds.
        timestamp: u64,
        /// Block number.
        block: u64,
        /// The anchor transaction's hash, `0x…`.
        tx_hash: String,
    },
    /// The Merkle proof holds, on a development chain: proves ordering on that node only.
    #[serde(rename_all = "camelCase")]
    Local {
        /// The local chain id.
        chain_id: String,
    },
    /// The Merkle proof holds; the blockchain was not asked (no RPC for this chain).
    #[serde(rename_all = "camelCase")]
    Unchecked {
        /// CAIP-2 chain id.
        chain_id: String,
    },
}

/// One entry of a stream's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEntry {
    /// The event CID.
    #[serde(serialize_with = "crate::codec::cid_string")]
    pub cid: Cid,
    /// `init`, `data` or `time`.
    pub kind: &'static str,
    /// For time events: the anchor's block timestamp (unix seconds), when chain-verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anchored_at: Option<u64>,
    /// For time events: how far the anchor was checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anchor: Option<AnchorStatus>,
}

/// The state of a Model or Model Instance Document stream after folding its log.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamState {
    /// The stream.
    #[serde(serialize_with = "crate::stream::state::display")]
    pub stream_id: StreamId,
    /// The controller DID.
    pub controller: String,
    /// The model (the METAMODEL for Model streams).
    #[serde(serialize_with = "crate::stream::state::display")]
    pub model: StreamId,
    /// The unique bytes of the init header.
    #[serde(skip_serializing_if = "Option::is_none", with = "serde_bytes")]
    pub unique: Option<Vec<u8>>,
    /// The context stream.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "opt_display"
    )]
    pub context: Option<StreamId>,
    /// Indexing hint.
    pub should_index: bool,
    /// The content (`null` for a deterministic document before its first data event).
    pub content: Value,
    /// The latest event.
    #[serde(serialize_with = "crate::codec::cid_string")]
    pub tip: Cid,
    /// Every event, init first.
    pub log: Vec<LogEntry>,
}

pub(crate) fn display<S: serde::Serializer, T: std::fmt::Display>(
    v: &T,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.collect_str(v)
}

fn opt_display<S: serde::Serializer>(
    v: &Option<StreamId>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.collect_str(v),
        None => s.serialize_none(),
    }
}

impl StreamState {
    /// The state right after an init event.
    pub fn from_init(init: &Event) -> Result<Self> {
        let (Some(payload), Some(stream_id)) = (init.init_payload(), init.stream_id()) else {
            return Err(Error::BrokenLink(format!(
                "a stream starts with an init event, not a {} event",
                init.kind().as_str()
            )));
        };
        let h = &payload.header;
        let controller = h
            .controller()
            .ok_or_else(|| Error::InvalidEvent("the init header names no controller".into()))?
            .to_string();
        let content = match &payload.data {
            Some(d) => ipld_to_json(d)?,
            None => Value::Null,
        };
        Ok(StreamState {
            stream_id,
            controller,
            model: h.model_id()?,
            unique: h.unique.clone(),
            context: h.context_id()?,
            should_index: h.should_index.unwrap_or(true),
            content,
            tip: init.cid(),
            log: vec![LogEntry {
                cid: init.cid(),
                kind: EventKind::SignedInit.as_str(),
                anchored_at: None,
                anchor: None,
            }],
        })
    }

    /// The CommitID of the tip.
    pub fn commit_id(&self) -> CommitId {
        CommitId::new(self.stream_id, self.tip)
    }

    /// Whether `cid` is in the log.
    pub fn contains(&self, cid: &Cid) -> bool {
        self.log.iter().any(|e| e.cid == *cid)
    }

    /// Check that `event` continues this stream from its tip.
    pub fn check_link(&self, event: &Event) -> Result<()> {
        if event.init_payload().is_some() {
            return Err(Error::BrokenLink(format!(
                "{} is a second init event",
                crate::codec::cid_text(&event.cid())
            )));
        }
        if event.stream_cid() != *self.stream_id.cid() {
            return Err(Error::BrokenLink(format!(
                "{} belongs to stream {}, not {}",
                crate::codec::cid_text(&event.cid()),
                crate::codec::cid_text(&event.stream_cid()),
                self.stream_id
            )));
        }
        let prev = event.prev().unwrap_or_default();
        if prev != self.tip {
            return Err(if self.contains(&prev) {
                Error::Fork(format!(
                    "{} follows {prev}, but the tip is {}",
                    crate::codec::cid_text(&event.cid()),
                    crate::codec::cid_text(&self.tip),
                    prev = crate::codec::cid_text(&prev)
                ))
            } else {
                Error::BrokenLink(format!(
                    "{} follows {prev}, which is not in the log",
                    crate::codec::cid_text(&event.cid()),
                    prev = crate::codec::cid_text(&prev)
                ))
            });
        }
        Ok(())
    }

    /// Apply a data or time event that follows the tip. Data events patch the content
    /// (RFC 6902) and may set `shouldIndex`; time events only append to the log (`anchor` says
    /// how far the caller checked it).
    pub fn apply(&mut self, event: &Event, anchor: Option<AnchorStatus>) -> Result<()> {
        self.check_link(event)?;
        match event {
            Event::Data(d) => {
                if self.stream_id.stream_type() == StreamType::Model {
                    return Err(Error::InvalidModel(
                        "Model streams cannot be updated by data events".into(),
                    ));
                }
                let payload = d.payload();
                if let Some(h) = &payload.header {
                    if let Some(si) = h.should_index {
                        self.should_index = si;
                    }
                }
                self.content = apply_patch(&self.content, &ipld_to_json(&payload.data)?)?;
            }
            Event::Time(_) => {}
            _ => unreachable!("check_link refuses init events"),
        }
        let anchored_at = match &anchor {
            Some(AnchorStatus::Chain { timestamp, .. }) => Some(*timestamp),
            _ => None,
        };
        self.log.push(LogEntry {
            cid: event.cid(),
            kind: event.kind().as_str(),
            anchored_at,
            anchor,
        });
        self.tip = event.cid();
        Ok(())
    }

    /// The earliest chain-verified anchor time of the log.
    pub fn first_anchor(&self) -> Option<u64> {
        self.log.iter().filter_map(|e| e.anchored_at).min()
    }

    /// Events after the last time event.
    pub fn unanchored_tail(&self) -> usize {
        self.log
            .iter()
            .rev()
            .take_while(|e| e.kind != EventKind::Time.as_str())
            .count()
    }
}

/// The conflict rule between two branches of one stream (protocol.md §5.3): the earliest
/// chain anchor wins; then the most events since the last time event; then the smallest tip CID.
/// Returns `Less` when `a` wins.
pub fn compare_branches(a: &StreamState, b: &StreamState) -> Ordering {
    let anchor = |s: &StreamState| s.first_anchor().unwrap_or(u64::MAX);
    anchor(a)
        .cmp(&anchor(b))
        .then_with(|| b.unanchored_tail().cmp(&a.unanchored_tail()))
        .then_with(|| cid_bytes(&a.tip).cmp(&cid_bytes(&b.tip)))
}
