//! Models and documents over a node: create, update, and load with verification.

use std::future::Future;

use serde::Serialize;
use serde_json::Value;

use super::{Client, NodeStreamState, Transport};
use crate::codec::Block;
use crate::did::{Algorithm, Signer};
use crate::error::{Error, Result};
use crate::events::{
    json_to_ipld, DataHeader, DataPayload, Event, InitPayload, SignedEvent, SigningRequest,
    UnsignedInit,
};
use crate::ids::{CommitId, StreamId, StreamType};
use crate::stream::mid::set_unique_candidates;
use crate::stream::{diff, AccountRelation, Model, ModelDefinition, PatternMatcher, StreamState};
use crate::verify::{
    collect_from_tip, verify_model, verify_stream, AnchorLevel, Check, NoRpc, Progress,
    VerifyContext,
};

/// Something that signs events, possibly asynchronously (a wallet, an extension, a JS callback)
/// and possibly under a capability (a CACAO session). Every [`Signer`] is one.
pub trait AsyncSigner {
    /// The DID whose key signs (the session key for CACAO sessions).
    fn did(&self) -> &str;
    /// The account that controls the streams it creates (the CACAO issuer, or `did`).
    fn controller(&self) -> &str {
        self.did()
    }
    /// JWS algorithm.
    fn algorithm(&self) -> Algorithm;
    /// JWS `kid`.
    fn kid(&self) -> String;
    /// The CACAO block the signer acts under, if any.
    fn capability(&self) -> Option<&Block> {
        None
    }
    /// Sign the JWS signing input.
    fn sign(&self, input: Vec<u8>) -> impl Future<Output = Result<Vec<u8>>>;
}

impl<S: Signer> AsyncSigner for S {
    fn did(&self) -> &str {
        Signer::did(self)
    }
    fn algorithm(&self) -> Algorithm {
        Signer::algorithm(self)
    }
    fn kid(&self) -> String {
        Signer::kid(self)
    }
    async fn sign(&self, input: Vec<u8>) -> Result<Vec<u8>> {
        Signer::sign(self, &input)
    }
}

/// Sign a payload with an [`AsyncSigner`].
pub async fn sign<P, S>(payload: P, signer: &S) -> Result<SignedEvent<P>>
where
    P: Serialize + serde::de::DeserializeOwned,
    S: AsyncSigner + ?Sized,
{
    let req = SigningRequest::new(
        payload,
        signer.algorithm(),
        signer.kid(),
        signer.capability().cloned(),
    )?;
    let signature = signer.sign(req.signing_input()).await?;
    req.finish(signature)
}

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
}

impl<T: Transport> Client<T> {
    /// A Model stream's definition, from its (verified) init event.
    pub async fn load_model(
        &self,
        id: &StreamId,
        now: i64,
        matcher: &dyn PatternMatcher,
    ) -> Result<Model> {
        if id.stream_type() != StreamType::Model {
            return Err(Error::MidModelType(format!("{id} is not a Model StreamID")));
        }
        let init = self.get_event(id.cid()).await?;
        verify_model(&init, &VerifyContext::new(now, matcher))
    }

    /// Create a Model: validate the definition, sign its init event, post it.
    pub async fn create_model<S: AsyncSigner + ?Sized>(
        &self,
        definition: &Value,
        signer: &S,
        matcher: &dyn PatternMatcher,
    ) -> Result<StreamId> {
        ModelDefinition::from_json(definition)?.validate(matcher)?;
        let payload = InitPayload::builder(signer.controller(), &StreamId::metamodel())
            .data(json_to_ipld(definition))
            .build();
        let event = Event::from(sign(payload, signer).await?);
        self.post_event(&event).await?;
        event
            .stream_id()
            .ok_or_else(|| Error::InvalidEvent("no StreamID".into()))
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
        let payload = InitPayload::builder(signer.controller(), model)
            .random_unique()?
            .data(json_to_ipld(content))
            .build();
        let event = Event::from(sign(payload, signer).await?);
        crate::stream::mid::check_genesis(&event, &m, matcher)?;
        self.post_event(&event).await?;
        event
            .stream_id()
            .ok_or_else(|| Error::InvalidEvent("no StreamID".into()))
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
        let mut builder = InitPayload::builder(controller, model);
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
                let content: serde_json::Map<String, Value> =
                    fields.iter().cloned().zip(values.iter().cloned()).collect();
                let unique = set_unique_candidates(fields, &Value::Object(content)).swap_remove(0);
                builder = builder.unique(unique);
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
        let event = Event::from(UnsignedInit::new(builder.build())?);
        crate::stream::mid::check_genesis(&event, &m, matcher)?;
        self.post_event(&event).await?;
        event
            .stream_id()
            .ok_or_else(|| Error::InvalidEvent("no StreamID".into()))
    }

    /// Replace a document's content: the JSON-Patch from its verified state to `content`, signed
    /// and posted with `prev` = the verified tip. Returns the new CommitID.
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
        let (loaded, init, model) = self
            .load_verified(stream, now, matcher, &mut |_| {})
            .await?;
        let ops = diff(&loaded.state.content, content);
        let mut payload = DataPayload::new(&loaded.state.commit_id(), json_to_ipld(&ops));
        if let Some(si) = should_index {
            payload = payload.with_header(DataHeader::should_index(si));
        }
        if let Some(m) = &model {
            // Check locally before the node does: the new content against the model rules.
            let first = loaded.state.log.iter().all(|e| e.kind != "data");
            let deterministic = init.data.is_none();
            crate::stream::mid::check_update(
                &init,
                m,
                &payload,
                &loaded.state.content,
                content,
                first && deterministic,
                matcher,
            )?;
        }
        let event = Event::from(sign(payload, signer).await?);
        self.post_event(&event).await?;
        Ok(CommitId::new(*stream, event.cid()))
    }

    /// Load a stream. With `verify`, take the node's claimed tip, fetch every event back to the
    /// init event, verify all of them (signatures, capabilities, links, anchors, the Model and
    /// document rules) and fold the state here; `matches_node` says whether the node's claim
    /// agrees. Without `verify`, the node's claim, marked unverified.
    pub async fn load_document(
        &self,
        stream: &StreamId,
        verify: bool,
        now: i64,
        matcher: &dyn PatternMatcher,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<LoadedDocument> {
        let claim = self.stream_state(stream).await?;
        if !verify {
            return Ok(LoadedDocument {
                state: claimed_state(&claim)?,
                verified: false,
                anchor: AnchorLevel::None,
                matches_node: true,
                checks: Vec::new(),
                not_checked: vec!["nothing was verified: the node's claim as it answered".into()],
            });
        }
        Ok(self
            .load_verified_from(&claim, stream, now, matcher, progress)
            .await?
            .0)
    }

    /// The verified load, with the stream's init payload and (for documents) its Model, which
    /// it fetched anyway: updates reuse them instead of fetching them again.
    async fn load_verified(
        &self,
        stream: &StreamId,
        now: i64,
        matcher: &dyn PatternMatcher,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<(LoadedDocument, InitPayload, Option<Model>)> {
        let claim = self.stream_state(stream).await?;
        self.load_verified_from(&claim, stream, now, matcher, progress)
            .await
    }

    async fn load_verified_from(
        &self,
        claim: &NodeStreamState,
        stream: &StreamId,
        now: i64,
        matcher: &dyn PatternMatcher,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<(LoadedDocument, InitPayload, Option<Model>)> {
        let events = collect_from_tip(claim.event_cid, self, 100_000).await?;
        let init = events
            .first()
            .and_then(Event::init_payload)
            .ok_or_else(|| Error::BrokenLink("no init event".into()))?
            .clone();
        let model = match stream.stream_type() {
            StreamType::ModelInstanceDocument => Some(
                self.load_model(&init.header.model_id()?, now, matcher)
                    .await?,
            ),
            _ => None,
        };
        let mut ctx = VerifyContext::new(now, matcher);
        ctx.model = model.as_ref();
        let v = verify_stream(&events, &ctx, None::<&NoRpc>, progress).await?;
        if v.state.stream_id != *stream {
            return Err(Error::NodeMismatch(format!(
                "the node served the log of {}, not {stream}",
                v.state.stream_id
            )));
        }
        let matches_node = v.state.tip == claim.event_cid
            && v.state.controller == claim.controller
            && v.state.content == claim.content;
        let loaded = LoadedDocument {
            state: v.state,
            verified: true,
            anchor: v.anchor,
            matches_node,
            checks: v.checks,
            not_checked: v.not_checked,
        };
        Ok((loaded, init, model))
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
