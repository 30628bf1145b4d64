//! js-ceramic's `/api/v0` beside ceramic-one's API, for TileDocuments and Caip10Links: reading
//! states and logs, multiqueries, creating and updating, and verified loading — the log fetched,
//! every commit checked and folded here, then compared with what the node claims.
//!
//! js-ceramic answers a handler's error with HTTP 500 and `{error}` (an invalid commit, a stream
//! it cannot load): that is `NODE_REJECTED`, not retried; other 5xx, timeouts and network errors
//! are retried as for ceramic-one. Its HTTP API serves no IPFS blocks, so the anchor proofs and
//! Merkle nodes under anchor commits cannot be fetched from it: a verified load takes the node's
//! anchor timestamps as given and says so (`not_checked`).

use std::collections::{BTreeSet, HashMap};

use crate::codec::Ipld;
use cid::Cid;

use crate::codec::{Map, Value};
use crate::json;

use super::{parse, percent_encode, status_error, Client, Method, Request, Response, Transport};
use crate::codec::json;
use crate::did::AsyncSigner;
use crate::error::{Error, Result};
use crate::ids::{CommitId, StreamId, StreamType};
use crate::legacy::did3::{Did3Resolver, ThreeId};
use crate::legacy::tile::{did_of, AnchorInfo};
use crate::legacy::{link, tile, Commit, LegacyState};
use crate::verify::EthRpc;

/// A legacy stream loaded and verified in the page.
#[derive(Debug, Clone)]
pub struct LoadedLegacy {
    /// The stream.
    pub stream_id: StreamId,
    /// The CommitID loaded, when one was asked for.
    pub commit_id: Option<CommitId>,
    /// The state folded here from the node's log.
    pub state: LegacyState,
    /// The node's state as it answered.
    pub node_state: Value,
    /// Whether the node's state is the one folded here (content, metadata, unanchored changes,
    /// signature status, log); the difference when not.
    pub mismatch: Option<String>,
    /// What was taken on the node's word rather than checked, each with the reason.
    pub not_checked: Vec<String>,
    /// The did:3s whose streams were loaded to check keys.
    pub did3: Vec<String>,
}

/// `serializeState`'s JSON of the node against ours: equal in what the log proves.
pub fn compare_with_node(ours: &LegacyState, node: &Value) -> Option<String> {
    let mine = ours.to_json();
    for key in ["type", "content", "metadata", "signature"] {
        if mine.get(key) != node.get(key) {
            return Some(format!(
                "{key}: the node says {}, the log gives {}",
                json::text(node.get(key).unwrap_or(&Value::Null)),
                json::text(mine.get(key).unwrap_or(&Value::Null))
            ));
        }
    }
    // `next` as handles read it (js-ceramic writes `next: {content: null}` on a fresh link).
    let current = |s: &Value, k: &str| s.get("next").and_then(|n| n.get(k)).cloned();
    for key in ["content", "metadata"] {
        let (a, b) = (current(&mine, key), current(node, key));
        if a.as_ref().filter(|v| !v.is_null()) != b.as_ref().filter(|v| !v.is_null()) {
            return Some(format!(
                "next.{key}: the node says {}, the log gives {}",
                json::text(&b.unwrap_or(Value::Null)),
                json::text(&a.unwrap_or(Value::Null))
            ));
        }
    }
    let log = |s: &Value| -> Vec<(Value, Value)> {
        s["log"]
            .as_array()
            .map(|l| {
                l.iter()
                    .map(|e| (e["cid"].clone(), e["type"].clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    if log(&mine) != log(node) {
        return Some("log: the node's log is not the one it served".into());
    }
    let anchored = node["anchorStatus"] == "ANCHORED";
    if anchored != ours.anchored {
        return Some(format!(
            "anchorStatus: the node says {}, the log's tip is {}anchored",
            json::text(&node["anchorStatus"]),
            if ours.anchored { "" } else { "not " }
        ));
    }
    None
}

/// js-ceramic's errors: `{error}` with 500 from its handlers (refusals), else as ceramic-one's.
fn legacy_error(resp: &Response) -> Error {
    let message = crate::codec::json::parse_slice(&resp.body)
        .ok()
        .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_string));
    match (resp.status, message) {
        (500, Some(m)) | (400, Some(m)) => Error::NodeRejected(m),
        (404, Some(m)) => Error::NotFound(m),
        _ => status_error(resp),
    }
}

impl<T: Transport, R: EthRpc> Client<T, R> {
    async fn legacy_call(
        &self,
        method: Method,
        path: String,
        body: Option<Value>,
    ) -> Result<Response> {
        let req = Request {
            method,
            path,
            body: body.map(|b| json::text(&b)),
        };
        self.send_retrying(&self.base_url, &req, legacy_error).await
    }

    /// A stream's (or a commit's) state as the node reports it (`GET /api/v0/streams/:id`).
    pub async fn legacy_state(&self, id: &str) -> Result<Value> {
        let r = self
            .legacy_call(
                Method::Get,
                format!("/api/v0/streams/{}", percent_encode(id)),
                None,
            )
            .await?;
        let v: Value = parse(&r, "stream state")?;
        v.get("state")
            .cloned()
            .ok_or_else(|| Error::NodeError("a stream answer without state".into()))
    }

    /// A stream's log (`GET /api/v0/commits/:id`), each commit's bytes checked against its CID.
    pub async fn legacy_commits(&self, id: &StreamId) -> Result<Vec<Commit>> {
        let r = self
            .legacy_call(Method::Get, format!("/api/v0/commits/{id}"), None)
            .await?;
        let v: Value = parse(&r, "commits")?;
        v.get("commits")
            .and_then(Value::as_array)
            .ok_or_else(|| Error::NodeError("a commits answer without commits".into()))?
            .iter()
            .map(|c| Commit::from_api_json(&c["value"], c["cid"].as_str()))
            .collect()
    }

    /// `POST /api/v0/multiqueries`: states by the ids asked (StreamIDs, CommitIDs, or a
    /// CommitID of the tip at `atTime`); streams the node cannot load are left out.
    pub async fn legacy_multiquery(&self, queries: Value) -> Result<Map<String, Value>> {
        let r = self
            .legacy_call(
                Method::Post,
                "/api/v0/multiqueries".into(),
                Some(json!({ "queries": queries })),
            )
            .await?;
        match parse(&r, "multiquery")? {
            Value::Object(m) => Ok(m),
            _ => Err(Error::NodeError("multiquery: not an object".into())),
        }
    }

    /// Create a stream from its genesis (`POST /api/v0/streams`); the node's StreamID must be the
    /// genesis's.
    pub async fn legacy_create(
        &self,
        stream_type: StreamType,
        genesis: &Commit,
        anchor: bool,
    ) -> Result<(StreamId, Value)> {
        self.remember_cacao(genesis)?;
        let body = json!({
            "type": stream_type.code(),
            "genesis": genesis.to_api_json()?,
            "opts": { "anchor": anchor, "publish": true, "sync": 0, "pin": true, "syncTimeoutSeconds": 0 },
        });
        let r = self
            .legacy_call(Method::Post, "/api/v0/streams".into(), Some(body))
            .await?;
        let v: Value = parse(&r, "create")?;
        let id = StreamId::new(stream_type, genesis.cid);
        if v["streamId"].as_str() != Some(id.to_string().as_str()) {
            return Err(Error::NodeMismatch(format!(
                "the node created {}, the genesis is {id}",
                json::text(&v["streamId"])
            )));
        }
        Ok((id, v["state"].clone()))
    }

    /// Apply a commit (`POST /api/v0/commits`); returns the node's new state.
    pub async fn legacy_apply(
        &self,
        id: &StreamId,
        commit: &Commit,
        anchor: bool,
    ) -> Result<Value> {
        self.remember_cacao(commit)?;
        let body = json!({
            "streamId": id.to_string(),
            "commit": commit.to_api_json()?,
            "opts": { "anchor": anchor, "publish": true, "sync": 0, "throwOnInvalidCommit": true },
        });
        let r = self
            .legacy_call(Method::Post, "/api/v0/commits".into(), Some(body))
            .await?;
        let v: Value = parse(&r, "apply")?;
        Ok(v["state"].clone())
    }

    /// Load a TileDocument or Caip10Link (a StreamID, or a CommitID for that version) and
    /// verify it here: the node's log is fetched, each commit's bytes, links, signatures (did:3
    /// keys through their own streams, at their versions) and link proofs checked, the log
    /// folded, and the result compared with the node's state.
    /// `now` (unix seconds) dates unanchored commits for the CACAOs they are signed under.
    pub async fn load_legacy(&self, id: &str, now: i64) -> Result<LoadedLegacy> {
        let (stream_id, commit_id) = match id.parse::<CommitId>() {
            Ok(c) if id.parse::<StreamId>().map(|s| s.to_string()) != Ok(id.to_string()) => {
                (*c.stream_id(), Some(c))
            }
            _ => (id.parse::<StreamId>()?, None),
        };
        let ty = stream_id.stream_type();
        if !matches!(ty, StreamType::Tile | StreamType::Caip10Link) {
            return Err(Error::InvalidStreamId(format!(
                "{stream_id} is a {}, not a TileDocument or Caip10Link",
                ty.name()
            )));
        }
        let mut node_state = self.legacy_state(&stream_id.to_string()).await?;
        let mut log = self.legacy_commits(&stream_id).await?;
        // The node may take a commit or anchor between the two reads (js-ceramic's in-memory
        // anchor service anchors at once): read both again, at most twice, until the state's
        // log ends where the commits do, so that a moving node is not reported as a mismatch.
        for _ in 0..2 {
            let tip = node_state["log"]
                .as_array()
                .and_then(|l| l.last())
                .and_then(|e| e["cid"].as_str());
            let ours = log
                .last()
                .map(|c| crate::codec::cid_text(&c.cid).to_string());
            if tip.is_some() && tip == ours.as_deref() {
                break;
            }
            node_state = self.legacy_state(&stream_id.to_string()).await?;
            log = self.legacy_commits(&stream_id).await?;
        }
        self.attach_cacaos(&mut log).await?;
        if log.first().map(|c| StreamId::new(ty, c.cid)) != Some(stream_id) {
            return Err(Error::NodeMismatch(format!(
                "the node's log for {stream_id} does not start at its genesis"
            )));
        }
        let mut not_checked = Vec::new();
        let checked = self
            .check_anchors(&log, &node_state, &mut not_checked)
            .await?;
        let mut claimed = node_anchors(&node_state);
        let mut anchors = |c: &Commit| match checked.get(&c.cid) {
            Some(info) => Ok(info.clone()),
            None => claimed(c),
        };
        let mut did3 = Vec::new();
        let state = if ty == StreamType::Tile {
            let keys = self.keys_for(&log).await?.with_now(now);
            did3.extend(did3_signers(&log));
            if let Some(c) = &commit_id {
                cut(&mut log, c)?;
            }
            let state = tile::fold(&log, &mut anchors, &keys)?;
            if state.current_metadata().contains_key("schema") {
                not_checked.push(
                    "schema: the content is not validated against the tile's schema".to_string(),
                );
            }
            state
        } else {
            if let Some(c) = &commit_id {
                cut(&mut log, c)?;
            }
            link::fold(&log, &mut anchors)?
        };
        let node_state = match &commit_id {
            Some(c) => self.legacy_state(&c.to_string()).await?,
            None => node_state,
        };
        Ok(LoadedLegacy {
            stream_id,
            commit_id,
            mismatch: compare_with_node(&state, &node_state),
            state,
            node_state,
            not_checked,
            did3,
        })
    }

    /// Keep the CACAO a commit carries: js-ceramic will not serve it back.
    fn remember_cacao(&self, commit: &Commit) -> Result<()> {
        if let (Some(env), Some(bytes)) = (&commit.envelope, &commit.cacao) {
            if let Some(cap) = env.header()?.cap_cid()? {
                self.written_blocks.borrow_mut().insert(cap, bytes.clone());
            }
        }
        Ok(())
    }

    /// The CACAO blocks of a log's commits signed under one: those this client wrote, else from
    /// the IPFS gateway. Without either, the signature check says the block is missing.
    async fn attach_cacaos(&self, log: &mut [Commit]) -> Result<()> {
        for c in log.iter_mut().filter(|c| c.cacao.is_none()) {
            let Some(cap) = c
                .envelope
                .as_ref()
                .and_then(|e| e.header().ok()?.cap_cid().ok()?)
            else {
                continue;
            };
            let known = self.written_blocks.borrow().get(&cap).cloned();
            c.cacao = match (known, &self.ipfs_gateway) {
                (Some(b), _) => Some(b),
                (None, Some(gw)) => Some(self.gateway_block(&gw.clone(), &cap).await?),
                (None, None) => None,
            };
        }
        Ok(())
    }

    /// Check the log's anchor commits through the IPFS gateway, if one is set: the proof and
    /// Merkle path fetched block by block, then the chain when a provider serves it. What is left
    /// on the node's word goes to `not_checked`.
    async fn check_anchors(
        &self,
        log: &[Commit],
        node_state: &Value,
        not_checked: &mut Vec<String>,
    ) -> Result<HashMap<Cid, AnchorInfo>> {
        let mut out = HashMap::new();
        let anchors: Vec<&Commit> = log.iter().filter(|c| c.is_anchor()).collect();
        if anchors.is_empty() {
            return Ok(out);
        }
        let Some(gateway) = self.ipfs_gateway.clone() else {
            not_checked.push(
                "anchor: the node's timestamps are taken as given (its /api/v0 serves no proof or Merkle blocks; set an IPFS gateway to check them)".to_string(),
            );
            return Ok(out);
        };
        let mut claimed = node_anchors(node_state);
        let mut unchecked_chains = BTreeSet::new();
        for c in anchors {
            let blocks = self.anchor_blocks(&gateway, c).await?;
            let (status, mut info) =
                crate::verify::legacy::check_anchor(c, &blocks, self.rpc.as_deref()).await?;
            if info.timestamp.is_none() {
                info.timestamp = claimed(c)?.timestamp;
                let chain = match &status {
                    crate::stream::AnchorStatus::Local { chain_id }
                    | crate::stream::AnchorStatus::Unchecked { chain_id } => chain_id.clone(),
                    crate::stream::AnchorStatus::Chain { chain_id, .. } => chain_id.clone(),
                };
                unchecked_chains.insert(chain);
            }
            out.insert(c.cid, info);
        }
        for chain in unchecked_chains {
            not_checked.push(format!(
                "anchor: Merkle paths checked; {chain} was not asked (a local chain, or no provider for it): the node's timestamps"
            ));
        }
        Ok(out)
    }

    /// The proof block and Merkle nodes under an anchor commit, from the gateway, each checked
    /// against its CID.
    async fn anchor_blocks(&self, gateway: &str, commit: &Commit) -> Result<HashMap<Cid, Vec<u8>>> {
        let mut blocks = HashMap::new();
        let (proof, path) = commit.anchor()?;
        let bytes = self.gateway_block(gateway, &proof).await?;
        let root = match crate::codec::dagcbor::decode_ipld(&bytes)? {
            Ipld::Map(m) => match m.get("root") {
                Some(Ipld::Link(c)) => *c,
                _ => {
                    return Err(Error::BadAnchorProof(format!(
                        "proof {proof} has no root",
                        proof = crate::codec::cid_text(&proof)
                    )))
                }
            },
            _ => {
                return Err(Error::BadAnchorProof(format!(
                    "proof {proof} is not a map",
                    proof = crate::codec::cid_text(&proof)
                )))
            }
        };
        blocks.insert(proof, bytes);
        let mut node = root;
        for segment in path.split('/').filter(|s| !s.is_empty()) {
            let bytes = self.gateway_block(gateway, &node).await?;
            let next = match (
                crate::codec::dagcbor::decode_ipld(&bytes)?,
                segment.parse::<usize>(),
            ) {
                (Ipld::List(items), Ok(i)) => match items.get(i) {
                    Some(Ipld::Link(c)) => Some(*c),
                    _ => None,
                },
                _ => None,
            };
            blocks.insert(node, bytes);
            match next {
                Some(c) => node = c,
                // The walk itself reports what is wrong with the path.
                None => break,
            }
        }
        Ok(blocks)
    }

    async fn gateway_block(&self, gateway: &str, cid: &Cid) -> Result<Vec<u8>> {
        let req = Request {
            method: Method::Get,
            path: format!("/ipfs/{cid}?format=raw", cid = crate::codec::cid_text(cid)),
            body: None,
        };
        let resp = self
            .send_retrying(gateway, &req, |r| match r.status {
                404 => Error::MissingBlock(format!(
                    "{cid}: not on the IPFS gateway",
                    cid = crate::codec::cid_text(cid)
                )),
                _ => status_error(r),
            })
            .await?;
        crate::codec::dagcbor::Block::verify(cid, &resp.body)?;
        Ok(resp.body)
    }

    /// Update a TileDocument: its state loaded and verified, the JSON-Patch to `content` (and
    /// `header` changes: `controllers` to rotate keys) signed, checked as the node will check it,
    /// and applied. When the tip moves meanwhile (an anchor lands: js-ceramic refuses the commit
    /// "by conflict resolution") it is rebuilt on the new tip, twice at most — the signer is
    /// asked again.
    pub async fn update_tile<S: AsyncSigner + ?Sized>(
        &self,
        stream: &StreamId,
        signer: &S,
        content: Option<&Value>,
        header: Map<String, Value>,
        now: i64,
    ) -> Result<CommitId> {
        self.apply_on_tip(stream, now, async |state: LegacyState| {
            let commit = tile::update(signer, &state, content, header.clone()).await?;
            let keys = self
                .keys_for(std::slice::from_ref(&commit))
                .await?
                .with_now(now);
            let mut next = state;
            tile::apply_signed(&mut next, &commit, None, &keys)?;
            Ok(commit)
        })
        .await
    }

    /// Link a Caip10Link's account to the DID a LinkProof names: the proof checked here (its
    /// signature, the account, not older than the link's last update), then applied; rebuilt on
    /// a moved tip as [`Self::update_tile`].
    pub async fn update_link(
        &self,
        stream: &StreamId,
        proof: &Value,
        now: i64,
    ) -> Result<CommitId> {
        self.apply_on_tip(stream, now, async |state: LegacyState| {
            link::update_commit(&state, proof)
        })
        .await
    }

    /// Build a commit on the stream's verified state and apply it; when js-ceramic refuses it "by
    /// conflict resolution" (the tip moved), load and build again, twice at most.
    async fn apply_on_tip(
        &self,
        stream: &StreamId,
        now: i64,
        mut build: impl AsyncFnMut(LegacyState) -> Result<Commit>,
    ) -> Result<CommitId> {
        let mut attempt = 0;
        loop {
            let loaded = self.load_legacy(&stream.to_string(), now).await?;
            let commit = build(loaded.state).await?;
            match self.legacy_apply(stream, &commit, true).await {
                Ok(_) => return Ok(CommitId::new(*stream, commit.cid)),
                Err(Error::NodeRejected(m)) if attempt < 2 && m.contains("conflict resolution") => {
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Keys of the signers of `commits`: did:key directly, did:3 through their streams.
    async fn keys_for(&self, commits: &[Commit]) -> Result<Did3Resolver> {
        let mut keys = Did3Resolver::default();
        for did in did3_signers(commits) {
            keys.add(self.load_3id(&did).await?);
        }
        Ok(keys)
    }

    /// A 3IDv1's stream, verified (its controllers are did:keys), for the keys it names.
    pub async fn load_3id(&self, did: &str) -> Result<ThreeId> {
        let id = did_of(did)
            .strip_prefix("did:3:")
            .ok_or_else(|| Error::InvalidDid(format!("{did} is not a did:3")))?;
        if crate::codec::multibase::parse_cid(id).is_ok() {
            return Err(Error::UnsupportedDid(format!(
                "{did}: a 3IDv0 needs its 2019 DID document from IPFS, which /api/v0 does not serve"
            )));
        }
        let stream: StreamId = id.parse()?;
        let state = self.legacy_state(&stream.to_string()).await?;
        let log = self.legacy_commits(&stream).await?;
        ThreeId::v1(did_of(did), log, &mut node_anchors(&state))
    }
}

/// The did:3s that signed commits of a log.
fn did3_signers(log: &[Commit]) -> BTreeSet<String> {
    log.iter()
        .filter_map(|c| c.envelope.as_ref()?.header().ok())
        .map(|h| did_of(&h.kid).to_string())
        .filter(|d| d.starts_with("did:3:"))
        .collect()
}

/// Keep the log through the CommitID's commit (the genesis for `0`).
fn cut(log: &mut Vec<Commit>, c: &CommitId) -> Result<()> {
    let at = c.commit();
    let end = log
        .iter()
        .position(|e| e.cid == at)
        .ok_or_else(|| Error::NotFound(format!("{c}: the commit is not in the stream's log")))?;
    log.truncate(end + 1);
    Ok(())
}

/// Anchor timestamps as the node's state lists them, and its `anchorProof` for the last one.
fn node_anchors(state: &Value) -> impl FnMut(&Commit) -> Result<AnchorInfo> {
    let entries: Vec<(String, Option<i64>)> = state["log"]
        .as_array()
        .map(|l| {
            l.iter()
                .filter_map(|e| Some((e["cid"].as_str()?.to_string(), e["timestamp"].as_i64())))
                .collect()
        })
        .unwrap_or_default();
    let last = entries.last().map(|(c, _)| c.clone());
    let proof = state.get("anchorProof").cloned();
    move |c: &Commit| {
        let cid = crate::codec::cid_text(&c.cid).to_string();
        Ok(AnchorInfo {
            timestamp: entries
                .iter()
                .find(|(e, _)| *e == cid)
                .and_then(|(_, t)| *t),
            proof: if last.as_deref() == Some(cid.as_str()) {
                proof.clone()
            } else {
                None
            },
        })
    }
}
