//! Models and documents over a node: create, update, and load with verification.

use crate::codec::Value;
use serde::Serialize;

use super::known::Known;
use super::{Client, NodeStreamState, Transport};
use crate::did::AsyncSigner;
use crate::error::{Error, Result};
use crate::events::{json_to_ipld, sign, Event, InitPayload};
use crate::ids::{CommitId, StreamId, StreamType};
use crate::stream::{build, AccountRelation, Model, ModelDefinition, PatternMatcher, StreamState};
use crate::verify::{
    collect_from_tip, verify_event, verify_model, verify_stream, AnchorLevel, CachedRpc, Check,
    EthRpc, Progress, VerifyContext,
};

/// Values of a set document's set fields (in the model's field order).
pub type SetValues = Vec<Value>;

/// A loaded document or model.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadedDocument {
    /// The state: folded from verified events when `verified`, else the node's claim.
    pub state: StreamState,
    /// Whether every event was verified here.
    pub verified: bool,
    /// How far anchoring was established.
    pub anchor: AnchorLevel,
    /// Whether the node's claimed tip, controller and content equal the verified state.
    pub matches_node: bool,
    /// The checks performed.
    pub checks: Vec<Check>,
    /// What could not be checked, and why.
    pub not_checked: Vec<String>,
    /// The node has not shown this client's latest write to the stream yet (it indexes events
    /// after accepting them): the state is the one this client wrote and verified itself.
    pub pending: bool,
}

impl<T: Transport, R: EthRpc> Client<T, R> {
    /// A Model stream's definition, from its (verified) init event. Models are immutable: each
    /// client fetches and verifies one once and remembers it.
    pub async fn load_model(
        &self,
        id: &StreamId,
        now: i64,
        matcher: &dyn PatternMatcher,
    ) -> Result<Model> {
        if id.stream_type() != StreamType::Model {
            return Err(Error::MidModelType(format!("{id} is not a Model StreamID")));
        }
        if let Some(m) = self.known.model(id) {
            return Ok(m);
        }
        let init = self.get_event(id.cid()).await?;
        let model = verify_model(&init, &VerifyContext::new(now, matcher))?;
        self.known.put_model(model.clone());
        Ok(model)
    }

    /// Remember a stream this client just created: its state, verified here from the event it
    /// posted, until the node shows it. An entry that already knows more of the stream (a
    /// deterministic document created again) is kept.
    fn remember_created(
        &self,
        event: &Event,
        model: Option<Model>,
        now: i64,
        matcher: &dyn PatternMatcher,
    ) -> Result<StreamId> {
        let stream = event
            .stream_id()
            .ok_or_else(|| Error::InvalidEvent("no StreamID".into()))?;
        if self
            .known
            .stream(&stream)
            .is_some_and(|k| k.doc.state.contains(&event.cid()))
        {
            return Ok(stream);
        }
        let mut ctx = VerifyContext::new(now, matcher);
        ctx.model = model.as_ref();
        // The node accepted it; should it not verify here (it would not on the network either),
        // nothing is remembered and loads simply ask the node.
        let Ok(v) = crate::verify::run_ready(verify_stream(
            std::slice::from_ref(event),
            &ctx,
            // Typed as the client's own RPC (never asked for own events): one copy of the verifier in the wasm.
            None::<&CachedRpc<R>>,
            &mut |_| {},
        )) else {
            return Ok(stream);
        };
        let doc = LoadedDocument {
            state: v.state,
            verified: true,
            anchor: v.anchor,
            matches_node: false,
            checks: v.checks,
            not_checked: v.not_checked,
            pending: true,
        };
        self.known.put_stream(
            stream,
            Known {
                doc,
                init: event.clone(),
                model,
            },
        );
        Ok(stream)
    }

    /// Create a Model: validate the definition, sign its init event, post it.
    pub async fn create_model<S: AsyncSigner + ?Sized>(
        &self,
        definition: &Value,
        signer: &S,
        now: i64,
        matcher: &dyn PatternMatcher,
    ) -> Result<StreamId> {
        let parsed = ModelDefinition::from_json(definition)?;
        parsed.validate(matcher)?;
        let payload = InitPayload::builder(signer.controller(), &StreamId::metamodel())
            .data(json_to_ipld(definition))
            .build();
        let event = Event::from(sign(payload, signer).await?);
        self.post_event(&event).await?;
        let id = self.remember_created(&event, None, now, matcher)?;
        self.known.put_model(Model {
            id,
            definition: parsed,
        });
        Ok(id)
    }

    /// Create a document of a `list` Model with `content` (checked against the Model first).
    pub async fn create_document<S: AsyncSigner + ?Sized>(
        &self,
        model: &StreamId,
        content: &Value,
        signer: &S,
        now: i64,
        matcher: &dyn PatternMatcher,
    ) -> Result<StreamId> {
        let m = self.load_model(model, now, matcher).await?;
        if m.definition.account_relation != AccountRelation::List {
            return Err(Error::MidUnique(format!(
                "model {model} is not a list model: use createSingleton for single and set models"
            )));
        }
        // The content is checked once the event is signed; a schema that needs the lazily
        // loaded part asks for it first, so that a signer (a wallet) is never asked twice.
        if crate::stream::schema::uses_part(&m.definition.schema) {
            crate::part::require("schema patterns and formats")?;
        }
        let payload = build::document_init(signer.controller(), model, content)?;
        let event = Event::from(sign(payload, signer).await?);
        crate::stream::mid::check_genesis(&event, &m, matcher)?;
        self.post_event(&event).await?;
        self.remember_created(&event, Some(m), now, matcher)
    }

    /// The deterministic document of `controller` for a `single` Model, or for a `set` Model
    /// with `set_values` (unique = values joined by `|`, as the JS SDK writes it). Posting it is
    /// idempotent; the same inputs always give the same StreamID.
    pub async fn create_singleton(
        &self,
        model: &StreamId,
        controller: &str,
        set_values: Option<&SetValues>,
        now: i64,
        matcher: &dyn PatternMatcher,
    ) -> Result<StreamId> {
        let m = self.load_model(model, now, matcher).await?;
        match (&m.definition.account_relation, set_values) {
            (AccountRelation::Single, None) => {}
            (AccountRelation::Set { fields }, Some(values)) => {
                if values.len() != fields.len() {
                    return Err(Error::MidSetUnique(format!(
                        "{} set values for {} fields",
                        values.len(),
                        fields.len()
                    )));
                }
            }
            (AccountRelation::Set { .. }, None) => {
                return Err(Error::MidSetUnique("a set model needs setValues".into()))
            }
            (_, _) => {
                return Err(Error::MidUnique(format!(
                    "model {model} is not a single or set model"
                )))
            }
        }
        let event = build::singleton_init(controller, model, set_values.map(Vec::as_slice))?;
        crate::stream::mid::check_genesis(&event, &m, matcher)?;
        self.post_event(&event).await?;
        self.remember_created(&event, Some(m), now, matcher)
    }

    /// Replace a document's content: the JSON-Patch from its verified state to `content`, signed
    /// and posted with `prev` = the verified tip. Returns the new CommitID.
    ///
    /// The state comes from what this client last wrote or verified when the node shows no newer
    /// tip (it may still be indexing this client's previous write), else from a verified load of
    /// the node's tip. Updates of one stream from one client are made one after the other, in the
    /// order they were asked for.
    #[allow(clippy::too_many_arguments)]
    pub async fn update_document<S: AsyncSigner + ?Sized>(
        &self,
        stream: &StreamId,
        content: &Value,
        signer: &S,
        should_index: Option<bool>,
        now: i64,
        matcher: &dyn PatternMatcher,
    ) -> Result<CommitId> {
        let _turn = self.known.turn(*stream).await;
        let base = self.base_for_update(stream, now, matcher).await?;
        let init = base
            .init
            .init_payload()
            .ok_or_else(|| Error::BrokenLink("no init event".into()))?;
        let state = &base.doc.state;
        let payload =
            build::update_payload(&state.commit_id(), &state.content, content, should_index);
        if let Some(m) = &base.model {
            // Check locally before the node does: the new content against the model rules.
            let first = state.log.iter().all(|e| e.kind != "data");
            let deterministic = init.data.is_none();
            crate::stream::mid::check_update(
                init,
                m,
                &payload,
                &state.content,
                content,
                first && deterministic,
                matcher,
            )?;
        }
        let event = Event::from(sign(payload, signer).await?);
        self.post_event(&event).await?;
        let commit = CommitId::new(*stream, event.cid());
        // The new state, verified here like any loaded event (signature, capability, link). The
        // node has taken the event: should it not verify here, the write still happened (the
        // CommitID is answered, never an error a caller would retry), nothing is remembered,
        // and the next load verifies what the node shows.
        match self.remember_update(base, &event, now, matcher) {
            Ok(known) => self.known.put_stream(*stream, known),
            Err(_) => self.known.forget_stream(stream),
        }
        Ok(commit)
    }

    /// `base` with this client's own new `event` applied and verified, marked pending.
    fn remember_update(
        &self,
        mut known: Known,
        event: &Event,
        now: i64,
        matcher: &dyn PatternMatcher,
    ) -> Result<Known> {
        let mut ctx = VerifyContext::new(now, matcher);
        ctx.model = known.model.as_ref();
        let checks = crate::verify::run_ready(verify_event(
            event,
            &known.init,
            &ctx,
            None::<&CachedRpc<R>>,
        ))?;
        known.doc.state.check_link(event)?;
        known.doc.state.apply(event, None)?;
        known.doc.checks.extend(checks);
        known.doc.matches_node = false;
        known.doc.pending = true;
        Ok(known)
    }

    /// The state an update builds on: this client's own when the node shows nothing newer, else
    /// the node's tip, verified.
    async fn base_for_update(
        &self,
        stream: &StreamId,
        now: i64,
        matcher: &dyn PatternMatcher,
    ) -> Result<Known> {
        match (self.stream_state(stream).await, self.known.stream(stream)) {
            // Not indexed yet: this client's own creation.
            (Err(Error::NotFound(_)), Some(k)) => Ok(k),
            // The node cannot be reached and the write can wait in the outbox: build on what this
            // client wrote or verified last (its own writes are queued in order before this one).
            (Err(e), Some(k)) if self.outbox.is_some() && super::RetryPolicy::retryable(&e) => {
                Ok(k)
            }
            (Err(e), _) => Err(e),
            // The node shows nothing newer than what this client has.
            (Ok(claim), Some(k)) if k.doc.state.contains(&claim.event_cid) => Ok(k),
            (Ok(claim), _) => {
                let fresh = self
                    .load_verified_from(&claim, stream, now, matcher, &mut |_| {})
                    .await?;
                self.known.put_stream(*stream, fresh.clone());
                Ok(fresh)
            }
        }
    }

    /// Load a stream. With `verify`, take the node's claimed tip, fetch every event back to the
    /// init event, verify all of them (signatures, capabilities, links, anchors, the Model and
    /// document rules) and fold the state here; `matches_node` says whether the node's claim
    /// agrees. Without `verify`, the node's claim, marked unverified.
    ///
    /// Right after this client wrote to the stream, the node may not show the write yet: the load
    /// then waits for it (with backoff, up to the client's `read_your_writes_ms`), and past that
    /// answers with the state this client wrote and verified itself, marked `pending`. A load
    /// never answers with a state older than this client's own last write.
    pub async fn load_document(
        &self,
        stream: &StreamId,
        verify: bool,
        now: i64,
        matcher: &dyn PatternMatcher,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<LoadedDocument> {
        let mut waited = 0u64;
        let mut delay = 50u64;
        loop {
            let Some(own) = self.known.pending(stream) else {
                let claim = self.stream_state(stream).await?;
                return self
                    .load_claim(&claim, stream, verify, now, matcher, progress)
                    .await;
            };
            let claim = match self.stream_state(stream).await {
                Ok(c) => Some(c),
                // Not indexed yet: this client's own creation.
                Err(Error::NotFound(_)) => None,
                Err(e) => return Err(e),
            };
            if let Some(claim) = &claim {
                let tip = own.doc.state.tip;
                if claim.event_cid == tip || !own.doc.state.contains(&claim.event_cid) {
                    // The node shows the write, or a tip this client does not know: load it.
                    let loaded = self
                        .load_claim(claim, stream, verify, now, matcher, progress)
                        .await?;
                    if claim.event_cid == tip || loaded.state.contains(&tip) || !verify {
                        if !verify && claim.event_cid == tip {
                            let mut k = own;
                            k.doc.pending = false;
                            self.known.put_stream(*stream, k);
                        }
                        return Ok(loaded);
                    }
                    // Another branch, without this client's write: the node may not have it yet.
                }
            }
            if waited >= self.read_your_writes_ms {
                let mut doc = own.doc;
                doc.pending = true;
                doc.matches_node = false;
                doc.not_checked.push(format!(
                    "the node has not shown this client's write {} yet (waited {waited} ms): this is the state the client wrote and verified",
                    crate::codec::cid_text(&doc.state.tip)
                ));
                return Ok(doc);
            }
            let d = delay.min(self.read_your_writes_ms - waited);
            self.transport.sleep(d).await;
            waited += d;
            delay = (delay * 2).min(1_000);
        }
    }

    /// Load what the node claims, verified (and remembered) or as claimed.
    async fn load_claim(
        &self,
        claim: &NodeStreamState,
        stream: &StreamId,
        verify: bool,
        now: i64,
        matcher: &dyn PatternMatcher,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<LoadedDocument> {
        if !verify {
            return Ok(LoadedDocument {
                state: claimed_state(claim)?,
                verified: false,
                anchor: AnchorLevel::None,
                matches_node: true,
                checks: Vec::new(),
                not_checked: vec!["nothing was verified: the node's claim as it answered".into()],
                pending: false,
            });
        }
        // The node shows the very tip this client verified: nothing to fetch or verify again (one
        // request in all). Not for logs with capabilities, whose validity depends on the time.
        if let Some(k) = self.known.stream(stream) {
            let timeless = !k
                .doc
                .checks
                .iter()
                .any(|c| c.kind == crate::verify::CheckKind::CapabilitySignature);
            if !k.doc.pending && k.doc.state.tip == claim.event_cid && timeless {
                let mut doc = k.doc;
                doc.matches_node =
                    doc.state.controller == claim.controller && doc.state.content == claim.content;
                let total = doc.state.log.len();
                progress(Progress { done: total, total });
                return Ok(doc);
            }
        }
        let known = self
            .load_verified_from(claim, stream, now, matcher, progress)
            .await?;
        self.known.put_stream(*stream, known.clone());
        Ok(known.doc)
    }

    /// The verified load of the node's claim, with the stream's init event and (for documents)
    /// its Model: updates build on them.
    async fn load_verified_from(
        &self,
        claim: &NodeStreamState,
        stream: &StreamId,
        now: i64,
        matcher: &dyn PatternMatcher,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Known> {
        let events = collect_from_tip(claim.event_cid, self, 100_000).await?;
        let (init, payload) = events
            .first()
            .and_then(|e| Some((e, e.init_payload()?)))
            .ok_or_else(|| Error::BrokenLink("no init event".into()))?;
        let model = match stream.stream_type() {
            StreamType::ModelInstanceDocument => Some(
                self.load_model(&payload.header.model_id()?, now, matcher)
                    .await?,
            ),
            _ => None,
        };
        let init = init.clone();
        let mut ctx = VerifyContext::new(now, matcher);
        ctx.model = model.as_ref();
        let v = verify_stream(&events, &ctx, self.rpc.as_deref(), progress).await?;
        if v.state.stream_id != *stream {
            return Err(Error::NodeMismatch(format!(
                "the node served the log of {}, not {stream}",
                v.state.stream_id
            )));
        }
        let matches_node = v.state.tip == claim.event_cid
            && v.state.controller == claim.controller
            && v.state.content == claim.content;
        let doc = LoadedDocument {
            state: v.state,
            verified: true,
            anchor: v.anchor,
            matches_node,
            checks: v.checks,
            not_checked: v.not_checked,
            pending: false,
        };
        Ok(Known { doc, init, model })
    }
}

/// The node's claim as a state (unverified; log holds only the tip).
fn claimed_state(c: &NodeStreamState) -> Result<StreamState> {
    Ok(StreamState {
        stream_id: c.id,
        controller: c.controller.clone(),
        model: c.model.unwrap_or_else(StreamId::metamodel),
        unique: (!c.unique.is_empty()).then(|| c.unique.clone()),
        context: if c.context.is_empty() {
            None
        } else {
            Some(StreamId::from_bytes(&c.context)?)
        },
        should_index: c
            .metadata
            .get("shouldIndex")
            .and_then(Value::as_bool)
            .unwrap_or(true),
        content: c.content.clone(),
        tip: c.event_cid,
        log: vec![crate::stream::LogEntry {
            cid: c.event_cid,
            kind: "data",
            anchored_at: None,
            anchor: None,
        }],
    })
}
