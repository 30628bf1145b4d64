//! The two entry points: verify one event, and verify a whole stream into its state.

use std::future::Future;

use cid::Cid;
use serde::Serialize;

use super::anchor::{anchor_status, walk_merkle_path, AnchorStatus, EthRpc};
use super::signature::{verify_signer, verify_signer_in};
use super::{Check, CheckKind};
use crate::codec::cidbytes::cid_bytes;
use crate::codec::cidindex::CidIndex;
use crate::codec::sort_by_bytes;
use crate::did::cacao::TimeCheck;
use crate::did::Ed25519Batch;
use crate::error::{Error, Result};
use crate::events::{Event, InitPayload};
use crate::ids::{StreamId, StreamType};
use crate::stream::mid::{check_genesis, check_update, is_valid_did};
use crate::stream::model::{Model, ModelDefinition};
use crate::stream::schema::PatternMatcher;
use crate::stream::state::{compare_branches, StreamState};

/// What verification needs besides the events.
#[derive(Clone, Copy)]
pub struct VerifyContext<'a> {
    /// Capability time checks for events that are not anchored on a chain (usually "now").
    /// Events covered by a chain-verified anchor are checked at the anchor's time instead.
    pub time: TimeCheck,
    /// The document's Model, for Model Instance Documents. Without it the document rules and
    /// the schema are not checked, and the report says so.
    pub model: Option<&'a Model>,
    /// The regex engine for schema `pattern`s.
    pub matcher: &'a dyn PatternMatcher,
    /// Most events accepted in one stream.
    pub max_events: usize,
}

impl<'a> VerifyContext<'a> {
    /// A context checking capabilities at `now` (unix seconds).
    pub fn new(now: i64, matcher: &'a dyn PatternMatcher) -> Self {
        VerifyContext {
            time: TimeCheck::at(now),
            model: None,
            matcher,
            max_events: 100_000,
        }
    }

    /// With the document's Model.
    pub fn with_model(mut self, model: &'a Model) -> Self {
        self.model = Some(model);
        self
    }
}

/// How far a stream's anchoring was established.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum AnchorLevel {
    /// No time event.
    None,
    /// Only anchored on a development chain.
    Local,
    /// Anchored, with the chain not asked (no RPC given).
    Unchecked,
    /// Anchored, and the transaction checked on its chain.
    Chain,
}

/// A verified stream.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifiedStream {
    /// The state, folded from verified events only.
    pub state: StreamState,
    /// Every check performed on the winning branch.
    pub checks: Vec<Check>,
    /// How far anchoring was established.
    pub anchor: AnchorLevel,
    /// Checks that could not be performed, and why (empty when everything was checked).
    pub not_checked: Vec<String>,
    /// Events of other branches that lost the conflict rule.
    #[serde(serialize_with = "cids")]
    pub discarded: Vec<Cid>,
}

fn cids<S: serde::Serializer>(v: &[Cid], s: S) -> std::result::Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(|c| crate::codec::cid_text(c).to_string()))
}

/// Progress of a long verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// Events verified so far.
    pub done: usize,
    /// Events in all.
    pub total: usize,
}

/// Fetches events by CID (from a node, a cache, a CAR).
pub trait EventSource {
    /// The event with this CID (strictly decoded).
    fn event(&self, cid: &Cid) -> impl Future<Output = Result<Event>>;
}

/// Walk `prev` links back from `tip` to the init event; returns the events, init first.
pub async fn collect_from_tip<S: EventSource>(
    tip: Cid,
    source: &S,
    max_events: usize,
) -> Result<Vec<Event>> {
    let mut out = Vec::new();
    let mut seen = CidIndex::default();
    let mut next = Some(tip);
    while let Some(cid) = next {
        if seen.insert_new(cid, 0).is_some() {
            return Err(Error::BrokenLink(format!(
                "the log loops at {cid}",
                cid = crate::codec::cid_text(&cid)
            )));
        }
        if out.len() >= max_events {
            return Err(Error::TooLarge(format!(
                "the stream has more than {max_events} events"
            )));
        }
        let event = source.event(&cid).await?;
        if event.cid() != cid {
            return Err(Error::BrokenLink(format!(
                "asked for {cid}, got {}",
                crate::codec::cid_text(&event.cid()),
                cid = crate::codec::cid_text(&cid)
            )));
        }
        next = event.prev();
        out.push(event);
    }
    out.reverse();
    Ok(out)
}

fn model_genesis_rules(init: &Event, matcher: &dyn PatternMatcher) -> Result<Model> {
    let Event::SignedInit(e) = init else {
        return Err(Error::InvalidModel(
            "a Model's init event must be signed".into(),
        ));
    };
    let h = &e.payload().header;
    if h.unique.is_some() || h.context.is_some() || h.should_index.is_some() || h.sep() != "model" {
        return Err(Error::InvalidModel(
            "a Model's header is exactly {controllers, model, sep: \"model\"}".into(),
        ));
    }
    match h.controllers.as_slice() {
        [c] if (c.starts_with("did:key:") || c.starts_with("did:pkh:")) && is_valid_did(c) => {}
        _ => {
            return Err(Error::InvalidModel(
                "a Model has one did:key or did:pkh controller".into(),
            ))
        }
    }
    let content =
        e.payload().data.as_ref().ok_or_else(|| {
            Error::InvalidModel("a Model's init event carries its definition".into())
        })?;
    let definition = ModelDefinition::from_json(&crate::events::ipld_to_json(content)?)?;
    definition.validate(matcher)?;
    Ok(Model {
        id: init
            .stream_id()
            .unwrap_or_else(|| unreachable!("init events have a StreamID")),
        definition,
    })
}

/// Verify a Model's init event — the model rules, then its signature at `ctx.time` — and return
/// the Model it defines. A document's init event is refused (`INVALID_MODEL`).
pub fn verify_model(init: &Event, ctx: &VerifyContext<'_>) -> Result<Model> {
    let (Some(payload), Some(stream)) = (init.init_payload(), init.stream_id()) else {
        return Err(Error::InvalidModel(
            "a Model is given by its init event".into(),
        ));
    };
    if stream.stream_type() != StreamType::Model {
        return Err(Error::InvalidModel(format!(
            "{stream} is not a Model stream"
        )));
    }
    let model = model_genesis_rules(init, ctx.matcher)?;
    verify_signer(init, payload, &stream, &ctx.time)?;
    Ok(model)
}

/// Verify one event given its stream's init event: signature and capability (at `ctx.time`),
/// the Model or document rules for init events, `id` for others, and the Merkle proof (and, with
/// `rpc`, the chain) for time events. `prev` needs the log: see [`verify_stream`].
pub async fn verify_event<R: EthRpc>(
    event: &Event,
    init: &Event,
    ctx: &VerifyContext<'_>,
    rpc: Option<&R>,
) -> Result<Vec<Check>> {
    verify_event_in(event, init, ctx, rpc, None).await
}

/// Verify many events, each against its stream's init event (`(event, init)` pairs), as
/// [`verify_event`] would one by one, with their Ed25519 signatures checked together in one
/// batch (faster for many events by one key: BENCHMARKS.md). Each
/// event's checks or the reason it fails, in the order given; the outer error only when the
/// platform gives no random numbers for the batch (`RANDOM`), or when an event needs the npm
/// package's lazily loaded part before it is loaded (`PART_NOT_LOADED`, for the whole call: its
/// caller loads the part and runs the call again, rather than report the event as failed).
pub async fn verify_events<R: EthRpc>(
    items: &[(&Event, &Event)],
    ctx: &VerifyContext<'_>,
    rpc: Option<&R>,
) -> Result<Vec<Result<Vec<Check>>>> {
    let mut batch = Ed25519Batch::new();
    let mut out = Vec::with_capacity(items.len());
    for (i, (event, init)) in items.iter().enumerate() {
        out.push(verify_event_in(event, init, ctx, rpc, Some((&mut batch, i))).await);
    }
    // An event's signature is checked before anything that can fail after it is added.
    for (i, e) in batch.check()? {
        out[i] = Err(e);
    }
    if let Some(Err(e)) = out
        .iter()
        .find(|r| matches!(r, Err(Error::PartNotLoaded(_))))
    {
        return Err(e.clone());
    }
    Ok(out)
}

async fn verify_event_in<R: EthRpc>(
    event: &Event,
    init: &Event,
    ctx: &VerifyContext<'_>,
    rpc: Option<&R>,
    batch: Option<(&mut Ed25519Batch, usize)>,
) -> Result<Vec<Check>> {
    let (Some(payload), Some(stream)) = (init.init_payload(), init.stream_id()) else {
        return Err(Error::BrokenLink(
            "the given init event is not an init event".into(),
        ));
    };
    let mut checks = vec![Check::new(
        CheckKind::Encoding,
        event.cid(),
        "canonical blocks that hash to their CIDs".into(),
    )];
    if event.stream_cid() != *stream.cid() {
        return Err(Error::BrokenLink(format!(
            "{} is not an event of {stream}",
            crate::codec::cid_text(&event.cid())
        )));
    }
    if event.init_payload().is_some() {
        checks.extend(genesis_checks(event, &stream, ctx)?.1);
    } else {
        checks.push(Check::new(
            CheckKind::Link,
            event.cid(),
            format!(
                "id is the init event {}",
                crate::codec::cid_text(stream.cid())
            ),
        ));
    }
    checks.extend(verify_signer_in(event, payload, &stream, &ctx.time, batch)?);
    if let Event::Time(t) = event {
        walk_merkle_path(t)?;
        checks.push(Check::new(
            CheckKind::MerkleProof,
            event.cid(),
            format!(
                "path {} leads from the root to prev",
                crate::codec::quoted(&t.event().path)
            ),
        ));
        checks.push(anchor_check(event.cid(), &anchor_status(t, rpc).await?));
    }
    Ok(checks)
}

fn anchor_check(cid: Cid, status: &AnchorStatus) -> Check {
    match status {
        AnchorStatus::Chain {
            chain_id,
            timestamp,
            block,
            tx_hash,
        } => Check::new(
            CheckKind::ChainAnchor,
            cid,
            format!("anchored on {chain_id} at {timestamp}, block {block}, tx {tx_hash}"),
        ),
        AnchorStatus::Local { chain_id } => Check::new(
            CheckKind::LocalAnchor,
            cid,
            format!(
                "anchored on the development chain {chain_id}: proves ordering on that node only"
            ),
        ),
        AnchorStatus::Unchecked { chain_id } => Check::new(
            CheckKind::LocalAnchor,
            cid,
            format!("anchored on {chain_id}; the chain was not asked"),
        ),
    }
}

/// Model rules for Model inits, document rules for MID inits (if the model is known).
fn genesis_checks(
    init: &Event,
    stream: &StreamId,
    ctx: &VerifyContext<'_>,
) -> Result<(Vec<String>, Vec<Check>)> {
    let mut not_checked = Vec::new();
    let mut checks = Vec::new();
    match stream.stream_type() {
        StreamType::Model => {
            model_genesis_rules(init, ctx.matcher)?;
            checks.push(Check::new(
                CheckKind::ModelRules,
                init.cid(),
                "the definition follows the model rules".into(),
            ));
        }
        _ => match ctx.model {
            Some(model) => {
                check_genesis(init, model, ctx.matcher)?;
                checks.push(Check::new(
                    CheckKind::DocumentRules,
                    init.cid(),
                    format!("follows the rules of model {}", model.id),
                ));
                checks.push(Check::new(
                    CheckKind::Schema,
                    init.cid(),
                    "initial content validates against the model schema".into(),
                ));
            }
            None => not_checked.push("document rules and schema: the model was not given".into()),
        },
    }
    Ok((not_checked, checks))
}

/// Verify a whole stream from its events, in any order: every event's encoding, signature and
/// capability, links, anchors (Merkle proofs; chains when `rpc` is given), and the Model or
/// document rules; fold the verified events into the state. Two branches are settled by the
/// conflict rule; events that fail any check fail the whole verification.
///
/// Ed25519 signatures of the stream's events are checked together in one batch at the end (a
/// stream's events are mostly signed by one key: BENCHMARKS.md); a signature that fails is
/// reported as it would be had it been checked in its place.
pub async fn verify_stream<R: EthRpc>(
    events: &[Event],
    ctx: &VerifyContext<'_>,
    rpc: Option<&R>,
    progress: &mut dyn FnMut(Progress),
) -> Result<VerifiedStream> {
    let mut batch = Ed25519Batch::new();
    let result = verify_stream_in(events, ctx, rpc, progress, &mut batch).await;
    // A signature that fails was added before any other failure: it comes first.
    match batch.check()?.into_iter().next() {
        Some((_, e)) => Err(e),
        None => result,
    }
}

async fn verify_stream_in<R: EthRpc>(
    events: &[Event],
    ctx: &VerifyContext<'_>,
    rpc: Option<&R>,
    progress: &mut dyn FnMut(Progress),
    batch: &mut Ed25519Batch,
) -> Result<VerifiedStream> {
    if events.len() > ctx.max_events {
        return Err(Error::TooLarge(format!(
            "{} events, the limit is {}",
            events.len(),
            ctx.max_events
        )));
    }
    // The distinct events, in the order given, and where each CID sits among them. Everything
    // below is indexed by that position: one map type (`Cid` to `usize`, shared with the CAR
    // reader) instead of a map or set per value type (each links its own hash table code, ~2 K of
    // wasm), and no hashing after this loop.
    let mut uniq: Vec<&Event> = Vec::with_capacity(events.len());
    let mut index = CidIndex::with_capacity(events.len());
    for e in events {
        if index.insert_new(e.cid(), uniq.len()).is_none() {
            uniq.push(e);
        }
    }
    let inits: Vec<usize> = (0..uniq.len())
        .filter(|&i| uniq[i].init_payload().is_some())
        .collect();
    let init_at = match inits.as_slice() {
        [one] => *one,
        [] => return Err(Error::BrokenLink("no init event among the events".into())),
        _ => {
            return Err(Error::BrokenLink(format!(
                "{} init events among the events",
                inits.len()
            )))
        }
    };
    let init = uniq[init_at];
    let stream = init
        .stream_id()
        .unwrap_or_else(|| unreachable!("init events have a StreamID"));
    let payload: &InitPayload = init
        .init_payload()
        .unwrap_or_else(|| unreachable!("checked"));
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); uniq.len()];
    for (i, e) in uniq.iter().enumerate() {
        let Some(prev) = e.prev() else { continue };
        if e.stream_cid() != *stream.cid() {
            return Err(Error::BrokenLink(format!(
                "{} belongs to another stream ({})",
                crate::codec::cid_text(&e.cid()),
                crate::codec::cid_text(&e.stream_cid())
            )));
        }
        let Some(parent) = index.get(&prev) else {
            return Err(Error::BrokenLink(format!(
                "{} follows {prev}, which is not among the events",
                crate::codec::cid_text(&e.cid()),
                prev = crate::codec::cid_text(&prev)
            )));
        };
        children[parent].push(i);
    }
    for list in &mut children {
        if list.len() > 1 {
            sort_by_bytes(list, |&i| cid_bytes(&uniq[i].cid()));
        }
    }

    // Every path from the init event to a leaf is a branch (of positions in `uniq`).
    let mut branches: Vec<Vec<usize>> = Vec::new();
    let mut stack: Vec<Vec<usize>> = vec![vec![init_at]];
    while let Some(path) = stack.pop() {
        let last = path.last().copied().unwrap_or(init_at);
        match children[last].split_last() {
            None => branches.push(path),
            Some((&last, forks)) => {
                // The path is copied only where the log forks: a linear log is walked in place.
                for &e in forks {
                    let mut p = path.clone();
                    p.push(e);
                    stack.push(p);
                }
                let mut p = path;
                p.push(last);
                stack.push(p);
            }
        }
        if branches.len() + stack.len() > 64 {
            return Err(Error::TooLarge("more than 64 branches".into()));
        }
    }

    let total = uniq.len();
    let mut done = vec![false; total];
    let mut done_count = 0;
    let mut anchors: Vec<Option<AnchorStatus>> = vec![None; total];
    let (mut not_checked, genesis) = genesis_checks(init, &stream, ctx)?;
    let model_rules = stream.stream_type() == StreamType::ModelInstanceDocument;
    let deterministic = matches!(init, Event::UnsignedInit(_));

    let mut results: Vec<(StreamState, Vec<Check>)> = Vec::new();
    for path in &branches {
        // Time events first: their Merkle proofs and anchor times.
        for &i in path {
            if let (Event::Time(t), None) = (uniq[i], &anchors[i]) {
                walk_merkle_path(t)?;
                anchors[i] = Some(anchor_status(t, rpc).await?);
            }
        }
        let branch: Vec<&Event> = path.iter().map(|&i| uniq[i]).collect();
        let mut state = StreamState::from_init(init)?;
        let mut checks = vec![Check::new(
            CheckKind::Encoding,
            init.cid(),
            "canonical blocks that hash to their CIDs".into(),
        )];
        checks.extend(genesis.iter().cloned());
        let mut data_seen = 0usize;
        // Capabilities are checked when the event was anchored on a chain, else at ctx.time: the
        // time of the first chain anchor at or after each event, found in one pass from the end
        // (a scan per event would be quadratic in the stream's length).
        let mut anchored_at: Vec<Option<i64>> = vec![None; branch.len()];
        let mut next_anchor = None;
        for (i, &at) in path.iter().enumerate().rev() {
            if let Some(AnchorStatus::Chain { timestamp, .. }) = &anchors[at] {
                next_anchor = i64::try_from(*timestamp).ok().or(next_anchor);
            }
            anchored_at[i] = next_anchor;
        }
        for (i, e) in branch.iter().enumerate() {
            let time = match anchored_at[i] {
                Some(t) => TimeCheck {
                    at_time: Some(t),
                    ..ctx.time
                },
                None => ctx.time,
            };
            checks.extend(verify_signer_in(
                e,
                payload,
                &stream,
                &time,
                Some((&mut *batch, 0)),
            )?);
            if i > 0 {
                state.check_link(e)?;
                checks.push(Check::new(
                    CheckKind::Encoding,
                    e.cid(),
                    "canonical blocks that hash to their CIDs".into(),
                ));
                checks.push(Check::new(
                    CheckKind::Link,
                    e.cid(),
                    format!(
                        "id is the init event, prev is the tip {}",
                        crate::codec::cid_text(&state.tip)
                    ),
                ));
                // The content before the update, only where the document rules need it.
                let rules = matches!(e, Event::Data(_)) && model_rules && ctx.model.is_some();
                let before = rules.then(|| state.content.clone());
                let anchor = anchors[path[i]].clone();
                if let Some(a) = &anchor {
                    checks.push(Check::new(
                        CheckKind::MerkleProof,
                        e.cid(),
                        "the Merkle path leads from the proof root to prev".into(),
                    ));
                    checks.push(anchor_check(e.cid(), a));
                }
                state.apply(e, anchor)?;
                if let (Event::Data(d), Some(before), Some(model)) = (e, &before, ctx.model) {
                    check_update(
                        payload,
                        model,
                        d.payload(),
                        before,
                        &state.content,
                        deterministic && data_seen == 0,
                        ctx.matcher,
                    )?;
                    checks.push(Check::new(
                        CheckKind::DocumentRules,
                        e.cid(),
                        "the update follows the document rules".into(),
                    ));
                    checks.push(Check::new(
                        CheckKind::Schema,
                        e.cid(),
                        "the content validates against the model schema".into(),
                    ));
                }
                if matches!(e, Event::Data(_)) {
                    data_seen += 1;
                }
            }
            if !std::mem::replace(&mut done[path[i]], true) {
                done_count += 1;
                progress(Progress {
                    done: done_count,
                    total,
                });
            }
        }
        results.push((state, checks));
    }

    // The winner: the first of the branches the conflict rule ranks first.
    let (state, checks) = results
        .into_iter()
        .min_by(|a, b| compare_branches(&a.0, &b.0))
        .ok_or_else(|| Error::BrokenLink("no branch".into()))?;
    let mut kept = vec![false; total];
    for e in &state.log {
        if let Some(i) = index.get(&e.cid) {
            kept[i] = true;
        }
    }
    let mut discarded: Vec<Cid> = (0..total)
        .filter(|&i| !kept[i])
        .map(|i| uniq[i].cid())
        .collect();
    sort_by_bytes(&mut discarded, cid_bytes);
    let anchor = state
        .log
        .iter()
        .filter_map(|e| e.anchor.as_ref())
        .map(|a| match a {
            AnchorStatus::Chain { .. } => AnchorLevel::Chain,
            AnchorStatus::Unchecked { .. } => AnchorLevel::Unchecked,
            AnchorStatus::Local { .. } => AnchorLevel::Local,
        })
        .max_by_key(|l| match l {
            AnchorLevel::None => 0,
            AnchorLevel::Local => 1,
            AnchorLevel::Unchecked => 2,
            AnchorLevel::Chain => 3,
        })
        .unwrap_or(AnchorLevel::None);
    let mut unchecked: Vec<&str> = state
        .log
        .iter()
        .filter_map(|e| match &e.anchor {
            Some(AnchorStatus::Unchecked { chain_id }) => Some(chain_id.as_str()),
            _ => None,
        })
        .collect();
    sort_by_bytes(&mut unchecked, |s| s.as_bytes().to_vec());
    unchecked.dedup();
    for chain in unchecked {
        not_checked.push(format!(
            "anchor transactions on {chain}: no Ethereum provider for {chain} was given (the `ethereum` option); Merkle proofs checked, times unconfirmed"
        ));
    }
    if ctx.time.at_time.is_none() {
        not_checked.push("capability time windows: no time was given".into());
    }
    Ok(VerifiedStream {
        state,
        checks,
        anchor,
        not_checked,
        discarded,
    })
}
