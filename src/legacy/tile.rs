//! TileDocument (stream type 0): folding a log into state, as js-ceramic's
//! `TileDocumentHandler` does, with every signature checked at the key valid when it was made.

use crate::codec::base64::STANDARD;
use crate::codec::Ipld;
use crate::codec::{Map, Value};

use crate::codec::dagcbor::{Block, DagCborExt};
use crate::codec::DAG_JOSE;
use crate::did::jws::signing_input;
use crate::did::{
    Algorithm, AsyncSigner, DidKey, Envelope, JwsSignature, ProtectedHeader, PublicKey,
};
use crate::error::{Error, Result};
use crate::events::json_to_ipld;
use crate::ids::StreamType;
use crate::stream::{apply_patch, diff};

use super::commit::Commit;
use super::state::{first_controller, truthy, LegacyState, Next, GENESIS, SIGNED};

/// What the anchor check established for one anchor commit.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AnchorInfo {
    /// Unix seconds of the anchoring block (`None`: the anchor was not checked on a chain).
    pub timestamp: Option<i64>,
    /// The proof block as JSON, for the state's `anchorProof`.
    pub proof: Option<Value>,
}

/// Finds the public key a JWS `kid` names, valid for a commit anchored at `at_time`.
pub trait KeyResolver {
    /// The key, or an error saying why the signature cannot stand (unknown key, a key version
    /// superseded more than 24 h before the commit's anchor, a method not supported).
    fn key(&self, kid: &str, at_time: Option<i64>) -> Result<PublicKey>;
    /// The current time (unix seconds), for the time window of a CACAO under an unanchored
    /// commit; `None` leaves that window unchecked (the commit's anchor time is used when it has
    /// one).
    fn now(&self) -> Option<i64> {
        None
    }
}

/// did:key only: the key is in the identifier.
#[derive(Debug, Default, Clone, Copy)]
pub struct DidKeyResolver;

impl KeyResolver for DidKeyResolver {
    fn key(&self, kid: &str, _at_time: Option<i64>) -> Result<PublicKey> {
        let did = did_of(kid);
        if did.starts_with("did:3:") {
            return Err(Error::UnsupportedDid(format!(
                "{did}: a did:3 key is read from its own stream; verify with a did:3 resolver"
            )));
        }
        Ok(DidKey::parse(did)?.public_key().clone())
    }
}

/// The DID of a DID URL: before its query and fragment.
pub fn did_of(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    url.get(..end).unwrap_or(url)
}

/// Check a signed commit's JWS: signed by `controller` (the kid's DID), or — when the header
/// names a CACAO (`cap`) — by the CACAO's audience acting for `controller` its issuer, within the
/// CACAO's time window (24 h past `exp`, as js-ceramic) and on a resource covering `stream`; with
/// the key `keys` resolves for the commit's anchor time.
pub fn verify_signature(
    commit: &Commit,
    controller: &str,
    at_time: Option<i64>,
    keys: &dyn KeyResolver,
    stream: &crate::ids::StreamId,
) -> Result<()> {
    let env = commit.envelope.as_ref().ok_or_else(|| {
        Error::InvalidEvent(format!(
            "{} is not signed",
            crate::codec::cid_text(&commit.cid)
        ))
    })?;
    let header = env.header()?;
    let signer = did_of(&header.kid);
    match header.cap_cid()? {
        Some(cap) => check_capability(commit, &cap, controller, signer, at_time, keys, stream)?,
        None if signer != controller => {
            return Err(Error::UnauthorizedSigner(format!(
                "{} is signed by {signer}, the controller is {controller}",
                crate::codec::cid_text(&commit.cid)
            )))
        }
        None => {}
    }
    let alg: Algorithm = header.alg.parse()?;
    let key = keys.key(&header.kid, at_time)?;
    let sig = env.signature()?;
    key.verify(
        alg,
        &signing_input(&sig.protected, &env.payload_cid()?),
        &sig.signature,
    )
    .map_err(|e| match e {
        Error::BadSignature(m) => Error::BadSignature(format!(
            "{}: {m} ({})",
            crate::codec::cid_text(&commit.cid),
            header.kid
        )),
        other => other,
    })
}

/// js-ceramic's `_verifyCapabilityAuthz` and js-did's capability checks.
fn check_capability(
    commit: &Commit,
    cap: &cid::Cid,
    controller: &str,
    signer: &str,
    at_time: Option<i64>,
    keys: &dyn KeyResolver,
    stream: &crate::ids::StreamId,
) -> Result<()> {
    let bytes = commit.cacao.as_deref().ok_or_else(|| {
        Error::MissingBlock(format!(
            "CACAO {cap} of {} (js-ceramic's /api/v0 does not serve it: set an IPFS gateway)",
            crate::codec::cid_text(&commit.cid),
            cap = crate::codec::cid_text(cap)
        ))
    })?;
    Block::verify(cap, bytes)?;
    let cacao = crate::did::Cacao::from_block(bytes)?;
    // As js-did: the strings as they are (a did:pkh address in another case is another issuer).
    if cacao.p.iss != controller {
        return Err(Error::CapabilityIssuerMismatch(format!(
            "{}: the CACAO is issued by {}, the controller is {controller}",
            crate::codec::cid_text(&commit.cid),
            cacao.p.iss
        )));
    }
    if cacao.p.aud != signer {
        return Err(Error::CapabilityAudienceMismatch(format!(
            "{}: the CACAO is for {}, the commit is signed by {signer}",
            crate::codec::cid_text(&commit.cid),
            cacao.p.aud
        )));
    }
    let payload = commit.payload_cid()?;
    let allowed = [
        "ceramic://*".to_string(),
        format!("ceramic://{stream}"),
        format!(
            "ceramic://{stream}?payload={payload}",
            payload = crate::codec::cid_text(&payload)
        ),
    ];
    let resources = cacao.p.resources.as_deref().unwrap_or_default();
    if !resources.iter().any(|r| allowed.contains(r)) {
        return Err(Error::CapabilityResourceDenied(format!(
            "{}: the CACAO does not cover {stream}",
            crate::codec::cid_text(&commit.cid)
        )));
    }
    cacao.check_time(&crate::did::TimeCheck {
        at_time: at_time.or(keys.now()),
        revocation_phaseout_secs: 24 * 60 * 60,
        clock_skew_secs: 5 * 60,
    })?;
    cacao.verify_signature()
}

/// Per commit: the timestamp covering it, and the anchor check's outcome for anchor commits.
type AnchorTimes = (Vec<Option<i64>>, Vec<Option<AnchorInfo>>);

/// The timestamp covering each commit: that of the nearest anchor at or after it.
fn anchor_times(
    commits: &[Commit],
    anchors: &mut dyn FnMut(&Commit) -> Result<AnchorInfo>,
) -> Result<AnchorTimes> {
    let mut infos = Vec::with_capacity(commits.len());
    for c in commits {
        infos.push(if c.is_anchor() {
            Some(anchors(c)?)
        } else {
            None
        });
    }
    let mut times = vec![None; commits.len()];
    let mut covering = None;
    for (i, info) in infos.iter().enumerate().rev() {
        if let Some(info) = info {
            covering = info.timestamp;
        }
        times[i] = covering;
    }
    Ok((times, infos))
}

/// Check the log links: `prev` is the previous commit, `id` (when present) the genesis.
fn check_links(state: &LegacyState, commit: &Commit) -> Result<()> {
    let tip = state.tip()?;
    let prev = commit.prev()?;
    if prev != Some(tip) {
        return Err(Error::BrokenLink(format!(
            "{}: prev {} is not the tip {tip}",
            crate::codec::cid_text(&commit.cid),
            prev.map_or("(none)".into(), |p| crate::codec::cid_text(&p).to_string()),
            tip = crate::codec::cid_text(&tip)
        )));
    }
    if let Some(id) = commit.id()? {
        let genesis = state.genesis()?;
        if id != genesis {
            return Err(Error::BrokenLink(format!(
                "{}: id {id} is not the genesis {genesis}",
                crate::codec::cid_text(&commit.cid),
                id = crate::codec::cid_text(&id),
                genesis = crate::codec::cid_text(&genesis)
            )));
        }
    }
    Ok(())
}

fn header_of(commit: &Commit) -> Result<Map<String, Value>> {
    match commit.json("header")? {
        None => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m),
        Some(_) => Err(Error::InvalidEvent(format!(
            "{}: header is not a map",
            crate::codec::cid_text(&commit.cid)
        ))),
    }
}

/// `controllers` must hold exactly one DID string (`owners` before 2020-10-26).
fn check_controllers(commit: &Commit, header: &Map<String, Value>) -> Result<()> {
    let list = header.get("controllers").and_then(Value::as_array);
    match list.map(Vec::as_slice) {
        Some([Value::String(s)]) if s.starts_with("did:") => Ok(()),
        _ => Err(Error::InvalidEvent(format!(
            "{}: controllers must be exactly one DID, got {}",
            crate::codec::cid_text(&commit.cid),
            crate::codec::json::text(header.get("controllers").unwrap_or(&Value::Null))
        ))),
    }
}

/// Fold a TileDocument log (genesis first, in log order). `anchors` checks each anchor commit
/// (Merkle path and chain, or a trusted timestamp); `keys` resolves signers' keys.
pub fn fold(
    commits: &[Commit],
    anchors: &mut dyn FnMut(&Commit) -> Result<AnchorInfo>,
    keys: &dyn KeyResolver,
) -> Result<LegacyState> {
    fold_log(
        "TileDocument",
        commits,
        anchors,
        |genesis, at| apply_genesis(genesis, at, keys),
        |state, commit, at| apply_signed(state, commit, at, keys),
    )
}

/// Fold a legacy log (genesis first, in log order): the anchor commits checked first (each
/// commit's covering timestamp comes from them), then the genesis, then each commit linked to
/// the tip — anchors applied as js-ceramic's `applyAnchorCommit`, the others by `apply`.
pub(super) fn fold_log(
    kind: &str,
    commits: &[Commit],
    anchors: &mut dyn FnMut(&Commit) -> Result<AnchorInfo>,
    genesis: impl FnOnce(&Commit, Option<i64>) -> Result<LegacyState>,
    mut apply: impl FnMut(&mut LegacyState, &Commit, Option<i64>) -> Result<()>,
) -> Result<LegacyState> {
    let (first, rest) = commits
        .split_first()
        .ok_or_else(|| Error::InvalidEvent(format!("an empty {kind} log")))?;
    let (times, infos) = anchor_times(commits, anchors)?;
    let mut state = genesis(first, times.first().copied().flatten())?;
    for ((commit, at), info) in rest.iter().zip(&times[1..]).zip(&infos[1..]) {
        check_links(&state, commit)?;
        match info {
            Some(info) => state.anchor(commit, info.timestamp, info.proof.clone()),
            None => apply(&mut state, commit, *at)?,
        }
    }
    Ok(state)
}

/// A TileDocument genesis: signed with content, or unsigned without.
pub fn apply_genesis(
    commit: &Commit,
    at_time: Option<i64>,
    keys: &dyn KeyResolver,
) -> Result<LegacyState> {
    if commit.prev()?.is_some() || commit.is_anchor() {
        return Err(Error::InvalidEvent(format!(
            "{} is not a genesis commit",
            crate::codec::cid_text(&commit.cid)
        )));
    }
    let mut header = header_of(commit)?;
    // Before 2020-10-26 the controllers were called `owners`.
    if !header.contains_key("controllers") {
        if let Some(owners) = header.remove("owners") {
            header.insert("controllers".into(), owners);
        }
    }
    check_controllers(commit, &header)?;
    let data = commit.json("data")?;
    let signature = match &commit.envelope {
        Some(_) => {
            let controller = first_controller(&header).unwrap_or_default().to_string();
            let stream = crate::ids::StreamId::new(StreamType::Tile, commit.cid);
            verify_signature(commit, &controller, at_time, keys, &stream)?;
            SIGNED
        }
        None if data.as_ref().is_some_and(truthy) => {
            return Err(Error::InvalidEvent(format!(
                "{}: genesis commit with contents should always be signed",
                crate::codec::cid_text(&commit.cid)
            )))
        }
        None => GENESIS,
    };
    let mut state = LegacyState {
        stream_type: StreamType::Tile,
        content: data
            .filter(truthy)
            .unwrap_or_else(|| Value::Object(Map::new())),
        metadata: header,
        next: None,
        signature,
        anchored: false,
        anchor_proof: None,
        log: Vec::new(),
    };
    state.push(commit, 0, at_time);
    Ok(state)
}

/// A signed data commit: JSON-Patch on the content, header changes merged into the metadata.
pub fn apply_signed(
    state: &mut LegacyState,
    commit: &Commit,
    at_time: Option<i64>,
    keys: &dyn KeyResolver,
) -> Result<()> {
    if commit.envelope.is_none() {
        return Err(Error::InvalidEvent(format!(
            "{}: a TileDocument update must be signed",
            crate::codec::cid_text(&commit.cid)
        )));
    }
    let header = header_of(commit)?;
    let current = state.current_metadata().clone();
    if header.contains_key("controllers") {
        check_controllers(commit, &header)?;
    }
    let forbid = current.get("forbidControllerChange");
    if let Some(f) = header.get("forbidControllerChange") {
        if Some(f) != forbid && !(f == &Value::Bool(false) && forbid.is_none()) {
            return Err(Error::InvalidEvent(format!(
                "{}: forbidControllerChange cannot be changed",
                crate::codec::cid_text(&commit.cid)
            )));
        }
    }
    if forbid == Some(&Value::Bool(true))
        && header
            .get("controllers")
            .is_some_and(|c| Some(c) != current.get("controllers"))
    {
        return Err(Error::InvalidEvent(format!(
            "{}: the controller cannot change (forbidControllerChange)",
            crate::codec::cid_text(&commit.cid)
        )));
    }
    // The pending controller signs (js-ceramic #1619): a rotation takes effect at once.
    let controller = first_controller(&current).unwrap_or_default().to_string();
    let stream = crate::ids::StreamId::new(StreamType::Tile, state.genesis()?);
    verify_signature(commit, &controller, at_time, keys, &stream)?;
    let patch = commit.json("data")?.unwrap_or(Value::Array(Vec::new()));
    let content = apply_patch(state.current_content(), &patch)?;
    let mut metadata = current;
    metadata.extend(header);
    state.next = Some(Next {
        content: Some(content),
        metadata: Some(metadata),
    });
    state.signature = SIGNED;
    state.anchored = false;
    state.push(commit, 1, at_time);
    Ok(())
}

/// Options of a new TileDocument (`TileDocument.create`'s metadata).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TileOptions {
    /// The controller; the signer's DID when `None`.
    pub controller: Option<String>,
    /// `family`, for lookups.
    pub family: Option<String>,
    /// `tags`.
    pub tags: Option<Vec<String>>,
    /// `schema`: a CommitID of a TileDocument holding a JSON Schema.
    pub schema: Option<String>,
    /// Refuse controller changes for ever.
    pub forbid_controller_change: bool,
    /// No random `unique`: the StreamID follows from the header alone (content must be null,
    /// family or tags set), so anyone can recompute it.
    pub deterministic: bool,
}

/// An unsigned TileDocument genesis for `controller` (`TileDocument.create` with null content):
/// deterministic (no `unique`, so anyone can recompute its StreamID) or with a random `unique`.
pub fn unsigned_genesis(controller: &str, opts: &TileOptions) -> Result<Commit> {
    let body = genesis_body(controller, opts)?;
    let block = Ipld::Map(body.clone()).to_block()?;
    Ok(Commit {
        cid: block.cid,
        envelope: None,
        body,
        cacao: None,
    })
}

fn genesis_body(controller: &str, opts: &TileOptions) -> Result<crate::codec::IpldMap> {
    let controller = opts.controller.as_deref().unwrap_or(controller);
    if !controller.starts_with("did:") {
        return Err(Error::InvalidDid(format!(
            "{} is not a DID",
            crate::codec::quoted(controller)
        )));
    }
    if let Some(schema) = &opts.schema {
        schema.parse::<crate::ids::CommitId>().map_err(|_| {
            Error::InvalidEvent(format!(
                "Schema must be a CommitID, got {}",
                crate::codec::quoted(schema)
            ))
        })?;
    }
    let mut header = crate::codec::IpldMap::new();
    header.insert(
        "controllers".to_string(),
        Ipld::List(vec![Ipld::String(controller.to_string())]),
    );
    if let Some(f) = &opts.family {
        header.insert("family".into(), Ipld::String(f.clone()));
    }
    if let Some(t) = &opts.tags {
        header.insert(
            "tags".into(),
            Ipld::List(t.iter().cloned().map(Ipld::String).collect()),
        );
    }
    if let Some(s) = &opts.schema {
        header.insert("schema".into(), Ipld::String(s.clone()));
    }
    if opts.forbid_controller_change {
        header.insert("forbidControllerChange".into(), Ipld::Bool(true));
    }
    if opts.deterministic {
        if opts.family.is_none() && opts.tags.is_none() {
            return Err(Error::InvalidEvent(
                "a deterministic TileDocument needs a family or tags".into(),
            ));
        }
    } else {
        let mut bytes = [0u8; 12];
        getrandom::fill(&mut bytes).map_err(|e| Error::Random(e.to_string()))?;
        header.insert("unique".into(), Ipld::String(STANDARD.encode(bytes)));
    }
    Ok(crate::codec::IpldMap::from([(
        "header".to_string(),
        Ipld::Map(header),
    )]))
}

/// A new TileDocument's genesis, as `TileDocument.create` writes it: signed by `signer` when
/// it has content, unsigned when `content` is null.
pub async fn create<S: AsyncSigner + ?Sized>(
    signer: &S,
    content: &Value,
    opts: &TileOptions,
) -> Result<Commit> {
    let controller = controller_of(signer)?;
    if content.is_null() {
        return unsigned_genesis(&controller, opts);
    }
    if opts.deterministic {
        return Err(Error::InvalidEvent(
            "a deterministic TileDocument has no genesis content".into(),
        ));
    }
    let mut body = genesis_body(&controller, opts)?;
    body.insert("data".into(), json_to_ipld(content));
    sign(signer, body).await
}

/// The controller a signer writes tiles for: under a CACAO, its issuer exactly as the CACAO
/// writes it (js-did compares the two strings as they are, so a did:pkh address in another case
/// would not be accepted); else the signer's controller.
fn controller_of<S: AsyncSigner + ?Sized>(signer: &S) -> Result<String> {
    match signer.capability() {
        Some(block) => Ok(crate::did::Cacao::from_block(&block.bytes)?.p.iss),
        None => Ok(signer.controller().to_string()),
    }
}

/// A signed update of `state` to `content` (a JSON-Patch from the current content), with
/// `header` changes (`controllers` to rotate, `family`, `tags`, `schema`).
pub async fn update<S: AsyncSigner + ?Sized>(
    signer: &S,
    state: &LegacyState,
    content: Option<&Value>,
    header: Map<String, Value>,
) -> Result<Commit> {
    if state.stream_type != StreamType::Tile {
        return Err(Error::InvalidEvent("not a TileDocument".into()));
    }
    for key in header.keys() {
        if !["controllers", "family", "tags", "schema"].contains(&key.as_str()) {
            return Err(Error::InvalidEvent(format!(
                "{} cannot change after genesis",
                crate::codec::quoted(key)
            )));
        }
    }
    let patch = match content {
        Some(c) => diff(state.current_content(), c),
        None => Value::Array(Vec::new()),
    };
    let body = crate::codec::IpldMap::from([
        ("id".to_string(), Ipld::Link(state.genesis()?)),
        ("prev".to_string(), Ipld::Link(state.tip()?)),
        ("header".to_string(), json_to_ipld(&Value::Object(header))),
        ("data".to_string(), json_to_ipld(&patch)),
    ]);
    sign(signer, body).await
}

async fn sign<S: AsyncSigner + ?Sized>(signer: &S, body: crate::codec::IpldMap) -> Result<Commit> {
    let payload = Ipld::Map(body.clone()).to_block()?;
    // Under a CACAO (a did:pkh session): the header names it, the block travels with the commit.
    let cap = signer.capability();
    let protected =
        ProtectedHeader::new(signer.algorithm(), signer.kid(), cap.map(|b| &b.cid)).to_bytes()?;
    let input = signing_input(&protected, &payload.cid);
    let signature = signer.sign_event(input, &payload).await?;
    let envelope = Envelope {
        payload: crate::codec::cidbytes::cid_bytes(&payload.cid),
        signatures: vec![JwsSignature {
            header: None,
            protected,
            signature,
        }],
    };
    let block = Block::new(DAG_JOSE, envelope.to_dag_cbor()?);
    Ok(Commit {
        cid: block.cid,
        envelope: Some(envelope),
        body,
        cacao: cap.map(|b| b.bytes.clone()),
    })
}
