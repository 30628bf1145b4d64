//! Folding a stream's events into its state (protocol.md §5.3).

use std::cmp::Ordering;

use cid::Cid;
use serde::Serialize;
use serde_json::Value;

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

/// Apply a JSON-Patch (`ops`, an array) to `content` (`null` counts as `{}`).
pub fn apply_patch(content: &Value, ops: &Value) -> Result<Value> {
    let patch = read_patch(ops)?;
    let mut doc = if content.is_null() {
        Value::Object(Default::default())
    } else {
        content.clone()
    };
    // On a copy that is dropped on failure, so nothing needs undoing: `json_patch::patch` undoes a
    // failed patch and panics when it cannot (a `move` of a child over its parent followed by a
    // failing op — found by the `patch` fuzz target; a panic would kill the page's wasm module).
    json_patch::patch_unsafe(&mut doc, &patch).map_err(|e| Error::InvalidPatch(e.to_string()))?;
    Ok(doc)
}

/// The JSON-Patch that turns `from` into `to` (`null` counts as `{}`), as the JS SDK's
/// `jsonpatch.compare` computes it for updates.
pub fn diff(from: &Value, to: &Value) -> Value {
    let empty = Value::Object(Default::default());
    let from = if from.is_null() { &empty } else { from };
    let to = if to.is_null() { &empty } else { to };
    Value::Array(
        json_patch::diff(from, to)
            .0
            .into_iter()
            .map(write_op)
            .collect(),
    )
}

// json-patch's operations are an internally tagged serde enum (`"op"`): through serde, every
// operation would be buffered in serde's `Content` first, and that machinery (with the derived
// visitors of six operation structs) cost ~9 K of the page's wasm. The shape is small; these
// two functions read and write it by hand.

/// Read `ops` (an array of RFC 6902 operations) as json-patch's [`Patch`](json_patch::Patch).
fn read_patch(ops: &Value) -> Result<json_patch::Patch> {
    use json_patch::*;
    let bad = |i: usize, what: &str| {
        Error::InvalidPatch(format!("not a JSON-Patch: operation {i}: {what}"))
    };
    let Value::Array(items) = ops else {
        return Err(Error::InvalidPatch("not a JSON-Patch: not an array".into()));
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Value::Object(op) = item else {
            return Err(bad(i, "not an object"));
        };
        let pointer = |name: &str| -> Result<jsonptr::PointerBuf> {
            let text = op
                .get(name)
                .ok_or_else(|| bad(i, &format!("no `{name}`")))?
                .as_str()
                .ok_or_else(|| bad(i, &format!("`{name}` is not a string")))?;
            jsonptr::Pointer::parse(text)
                .map(|p| p.to_buf())
                .map_err(|e| bad(i, &format!("`{name}`: {e}")))
        };
        let value = || op.get("value").cloned().ok_or_else(|| bad(i, "no `value`"));
        let path = pointer("path")?;
        out.push(match op.get("op").and_then(Value::as_str) {
            Some("add") => PatchOperation::Add(AddOperation {
                path,
                value: value()?,
            }),
            Some("remove") => PatchOperation::Remove(RemoveOperation { path }),
            Some("replace") => PatchOperation::Replace(ReplaceOperation {
                path,
                value: value()?,
            }),
            Some("move") => PatchOperation::Move(MoveOperation {
                from: pointer("from")?,
                path,
            }),
            Some("copy") => PatchOperation::Copy(CopyOperation {
                from: pointer("from")?,
                path,
            }),
            Some("test") => PatchOperation::Test(TestOperation {
                path,
                value: value()?,
            }),
            Some(other) => return Err(bad(i, &format!("unknown op {other:?}"))),
            None => return Err(bad(i, "no `op` string")),
        });
    }
    Ok(json_patch::Patch(out))
}

/// One operation as RFC 6902 JSON, keys as fast-json-patch writes them (`op`, `path`, then
/// `from` or `value`; key order does not matter once encoded, DAG-CBOR sorts them).
fn write_op(op: json_patch::PatchOperation) -> Value {
    use json_patch::PatchOperation as P;
    let (name, path, from, value) = match op {
        P::Add(o) => ("add", o.path, None, Some(o.value)),
        P::Remove(o) => ("remove", o.path, None, None),
        P::Replace(o) => ("replace", o.path, None, Some(o.value)),
        P::Move(o) => ("move", o.path, Some(o.from), None),
        P::Copy(o) => ("copy", o.path, Some(o.from), None),
        P::Test(o) => ("test", o.path, None, Some(o.value)),
    };
    let mut m = serde_json::Map::new();
    m.insert("op".into(), Value::String(name.into()));
    m.insert("path".into(), Value::String(path.as_str().into()));
    if let Some(from) = from {
        m.insert("from".into(), Value::String(from.as_str().into()));
    }
    if let Some(value) = value {
        m.insert("value".into(), value);
    }
    Value::Object(m)
}

/// The conflict rule between two branches of one stream (protocol.md §5.3): the earliest
/// chain anchor wins; then the most events since the last time event; then the smallest tip CID.
/// Returns `Less` when `a` wins.
pub fn compare_branches(a: &StreamState, b: &StreamState) -> Ordering {
    let anchor = |s: &StreamState| s.first_anchor().unwrap_or(u64::MAX);
    anchor(a)
        .cmp(&anchor(b))
        .then_with(|| b.unanchored_tail().cmp(&a.unanchored_tail()))
        .then_with(|| a.tip.to_bytes().cmp(&b.tip.to_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The hand-written reader and writer agree with json-patch's own serde forms (of objects:
    /// serde's sequence form of a tagged enum, `["add", "/a", 1]`, is refused, as fast-json-patch
    /// refuses it).
    #[test]
    fn patch_read_and_written_as_json_patch_serde_does() {
        let ops = json!([
            {"op": "add", "path": "/a~1b/0", "value": {"x": [1, null]}},
            {"op": "remove", "path": "/c"},
            {"op": "replace", "path": "", "value": null},
            {"op": "move", "from": "/d", "path": "/e"},
            {"op": "copy", "from": "/e", "path": "/f", "ignored": true},
            {"op": "test", "path": "/f", "value": "y"}
        ]);
        let ours = read_patch(&ops).unwrap();
        let theirs: json_patch::Patch = serde_json::from_value(ops).unwrap();
        assert_eq!(ours, theirs);
        for op in theirs.0 {
            assert_eq!(write_op(op.clone()), serde_json::to_value(&op).unwrap());
        }
        let from = json!({"a": 1, "b": [1, 2, {"c": "d"}], "e": {"f~g/h": null}});
        let to = json!({"a": 2, "b": [1, {"c": "e"}], "x": "y", "e": {}});
        let d = diff(&from, &to);
        assert_eq!(
            d,
            serde_json::to_value(json_patch::diff(&from, &to)).unwrap()
        );
        assert_eq!(apply_patch(&from, &d).unwrap(), to);
    }

    #[test]
    fn patch_shapes_refused() {
        for (ops, msg) in [
            (json!({"op": "add"}), "not an array"),
            (json!([1]), "operation 0: not an object"),
            (
                json!([{"op": "remove", "path": "/a"}, {"path": "/a"}]),
                "operation 1: no `op`",
            ),
            (json!([{"op": "nop", "path": "/a"}]), "unknown op \"nop\""),
            (json!([{"op": "add", "path": "/a"}]), "no `value`"),
            (json!([{"op": "move", "path": "/a"}]), "no `from`"),
            (
                json!([{"op": "copy", "from": 1, "path": "/a"}]),
                "`from` is not a string",
            ),
            (json!([{"op": "remove", "path": "a"}]), "`path`:"),
            (json!([{"op": "remove"}]), "no `path`"),
            (json!([["add", "/a", 1]]), "operation 0: not an object"),
        ] {
            let e = apply_patch(&json!({"a": 1}), &ops).unwrap_err();
            assert_eq!(e.code(), "INVALID_PATCH");
            assert!(e.to_string().contains(msg), "{e} lacks {msg}");
            if !ops[0].is_array() {
                assert!(serde_json::from_value::<json_patch::Patch>(ops).is_err());
            }
        }
    }
}
