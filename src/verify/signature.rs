//! Who may sign: the JWS signature, and for capability-signed events the CACAO's signature, time
//! window, audience, issuer and resources (protocol.md §4.2).

use cid::Cid;

use super::{Check, CheckKind};
use crate::did::cacao::{same_did, Cacao, TimeCheck};
use crate::did::Ed25519Batch;
use crate::error::{Error, Result};
use crate::events::{Event, InitPayload, SignedEvent};
use crate::ids::{StreamId, StreamType};

/// Check that `event` (signed init or data) is signed by the stream's controller, directly or
/// under a valid capability. `init` is the stream's init payload and `stream` its StreamID.
/// Unsigned events pass with no checks. Returns the checks performed.
pub fn verify_signer(
    event: &Event,
    init: &InitPayload,
    stream: &StreamId,
    time: &TimeCheck,
) -> Result<Vec<Check>> {
    verify_signer_in(event, init, stream, time, None)
}

/// [`verify_signer`], with the event's Ed25519 JWS signature (not a CACAO's) left to `batch`.
pub(crate) fn verify_signer_in(
    event: &Event,
    init: &InitPayload,
    stream: &StreamId,
    time: &TimeCheck,
    batch: Option<(&mut Ed25519Batch, usize)>,
) -> Result<Vec<Check>> {
    match event {
        Event::SignedInit(e) => verify_signed(e, init, stream, time, batch),
        Event::Data(e) => verify_signed(e, init, stream, time, batch),
        Event::UnsignedInit(_) | Event::Time(_) => Ok(Vec::new()),
    }
}

fn verify_signed<P>(
    event: &SignedEvent<P>,
    init: &InitPayload,
    stream: &StreamId,
    time: &TimeCheck,
    batch: Option<(&mut Ed25519Batch, usize)>,
) -> Result<Vec<Check>> {
    let cid = *event.cid();
    let mut checks = Vec::new();
    let sig = event.envelope().verify_in(batch)?;
    checks.push(Check::new(
        CheckKind::Signature,
        cid,
        format!("{} signature by {}", sig.alg, sig.did),
    ));
    let controller = init.header.controller().ok_or_else(|| {
        Error::InvalidEvent("the stream's init header names no controller".into())
    })?;

    let Some(cap_cid) = sig.cap else {
        if !same_did(&sig.did, controller) {
            return Err(Error::UnauthorizedSigner(format!(
                "{} signed, but the controller is {controller} and no capability is attached",
                sig.did
            )));
        }
        checks.push(Check::new(
            CheckKind::Controller,
            cid,
            format!("signer is the controller {controller}"),
        ));
        return Ok(checks);
    };

    // A capability-signed event: checked in the npm package's lazily loaded part.
    let loaded = crate::part::require("CACAO capabilities")?;
    let block = event
        .cacao_block()
        .filter(|b| b.cid == cap_cid)
        .ok_or_else(|| {
            Error::MissingBlock(format!(
                "CACAO {cap_cid}",
                cap_cid = crate::codec::cid_text(&cap_cid)
            ))
        })?;
    let payload_cid = event.envelope().payload_cid()?;
    capability_in_part(
        loaded,
        &block.bytes,
        &cap_cid,
        &sig.did,
        controller,
        init,
        stream,
        time,
        &cid,
        &payload_cid,
        &mut checks,
    )?;
    Ok(checks)
}

/// The checks of an event's capability (the part's root: never inlined, found by name): its
/// audience is the signer, its issuer the controller (or the signer is the controller), its own
/// signature, its time window, and a resource that covers the stream.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn capability_in_part(
    _: crate::part::Loaded,
    bytes: &[u8],
    cap_cid: &Cid,
    signer: &str,
    controller: &str,
    init: &InitPayload,
    stream: &StreamId,
    time: &TimeCheck,
    cid: &Cid,
    payload_cid: &Cid,
    checks: &mut Vec<Check>,
) -> Result<()> {
    let (cap_cid, cid) = (*cap_cid, *cid);
    let cacao = Cacao::from_block(bytes)?;
    if !same_did(&cacao.p.aud, signer) {
        return Err(Error::CapabilityAudienceMismatch(format!(
            "the capability is for {}, but {} signed",
            cacao.p.aud, signer
        )));
    }
    // As ceramic-one: the capability must come from the controller, unless the controller is
    // the signer itself (the capability's audience), in which case a valid capability suffices.
    if !same_did(&cacao.p.iss, controller) && !same_did(signer, controller) {
        return Err(Error::CapabilityIssuerMismatch(format!(
            "the capability is issued by {}, but the controller is {controller}",
            cacao.p.iss
        )));
    }
    cacao.verify_signature_of(&cap_cid)?;
    checks.push(Check::new(
        CheckKind::CapabilitySignature,
        cid,
        format!(
            "{} capability {cap_cid} signed by {}",
            cacao.s.t,
            cacao.p.iss,
            cap_cid = crate::codec::cid_text(&cap_cid)
        ),
    ));
    cacao.check_time(time)?;
    if let Some(at) = time.at_time {
        checks.push(Check::new(
            CheckKind::CapabilityTime,
            cid,
            format!("capability valid at {at}"),
        ));
    }
    let granted = check_resources(&cacao, stream, payload_cid, init)?;
    checks.push(Check::new(
        CheckKind::CapabilityResource,
        cid,
        format!("resource {granted} covers {stream}"),
    ));
    Ok(())
}

/// The resource of `cacao` that grants access to `stream` (protocol.md §4.2), or why none does.
fn check_resources(
    cacao: &Cacao,
    stream: &StreamId,
    payload: &Cid,
    init: &InitPayload,
) -> Result<String> {
    let resources = cacao.p.resources.as_deref().unwrap_or_default();
    if resources.is_empty() {
        return Err(Error::CapabilityNoResource(format!(
            "capability from {} lists no resources",
            cacao.p.iss
        )));
    }
    let model = init.header.model_id()?;
    if stream.stream_type() == StreamType::Model {
        // Model streams: only wildcard or metamodel grants, and no expiry (ceramic-sdk
        // model-protocol assertValidCacao).
        if cacao.p.exp.is_some() {
            return Err(Error::InvalidCapability(
                "a capability used for a Model stream must not expire".into(),
            ));
        }
        let allowed = [
            "ceramic://*".to_string(),
            format!("ceramic://*?model={model}"),
        ];
        return resources
            .iter()
            .find(|r| allowed.contains(r))
            .cloned()
            .ok_or_else(|| denied(cacao));
    }
    let allowed = [
        "ceramic://*".to_string(),
        format!("ceramic://*?model={model}"),
        format!("ceramic://{stream}"),
        format!(
            "ceramic://{stream}?payload={payload}",
            payload = crate::codec::cid_text(payload)
        ),
    ];
    resources
        .iter()
        .find(|r| allowed.contains(r))
        .cloned()
        .ok_or_else(|| denied(cacao))
}

fn denied(cacao: &Cacao) -> Error {
    Error::CapabilityResourceDenied(format!(
        "none of the capability's resources {} covers this stream or its model",
        crate::codec::quoted_list(cacao.p.resources.as_deref().unwrap_or_default())
    ))
}
