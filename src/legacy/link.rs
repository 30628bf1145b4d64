//! Caip10Link (stream type 1): an unsigned genesis naming a blockchain account, and unsigned
//! updates carrying a LinkProof — a message naming a DID, signed by the account's key. Folded as
//! js-ceramic's `Caip10LinkHandler` does, each proof checked as `blockchain-utils-validation`
//! checks it.

use crate::codec::base64::STANDARD;
use crate::codec::{Map, Value};

use crate::codec::multibase;
use crate::did::siwx::{decode_hex, eip191_digest, recover_address};
use crate::did::{Algorithm, PublicKey};
use crate::error::{Error, Result};
use crate::ids::StreamType;

use super::commit::Commit;
use super::state::{first_controller, LegacyState, Next, GENESIS, SIGNED};
use super::tile::{fold_log, AnchorInfo};

/// A valid LinkProof's outcome: the account (legacy `address@namespace:reference` form) and the
/// DID its message names (`None` when it names none: the link is cleared).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidLink {
    /// The signing account, `address@namespace:reference`.
    pub account: String,
    /// The first `did:…:…` in the message.
    pub did: Option<String>,
}

fn bad(msg: impl std::fmt::Display) -> Error {
    Error::BadSignature(format!("link proof: {msg}"))
}

/// `ns:ref:address` (CAIP-10) or `address@ns:ref` (legacy) → `(namespace, reference, address)`.
pub fn parse_account(account: &str) -> Result<(String, String, String)> {
    let err = || {
        Error::InvalidEvent(format!(
            "link proof: account {} is not CAIP-10",
            crate::codec::quoted(account)
        ))
    };
    if let Some((address, chain)) = account.split_once('@') {
        let (ns, reference) = chain.split_once(':').ok_or_else(err)?;
        return Ok((ns.into(), reference.into(), address.into()));
    }
    let mut parts = account.splitn(3, ':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(ns), Some(reference), Some(address)) if !address.is_empty() => {
            Ok((ns.into(), reference.into(), address.into()))
        }
        _ => Err(err()),
    }
}

/// The first match of js-ceramic's `/(did:\S+:\S+)/` in `message`.
pub fn did_in_message(message: &str) -> Option<String> {
    let mut from = 0;
    while let Some(i) = message.get(from..).and_then(|m| m.find("did:")) {
        let start = from + i;
        let run: &str = message
            .get(start..)?
            .split(char::is_whitespace)
            .next()
            .unwrap_or_default();
        // `\S+:\S+` after `did:`: a colon with at least one character on each side.
        let rest = run.get(4..).unwrap_or_default();
        let ok = rest
            .char_indices()
            .any(|(j, c)| c == ':' && j > 0 && j + 1 < rest.len());
        if ok {
            return Some(run.to_string());
        }
        from = start + 4;
    }
    None
}

/// Validate a LinkProof: its signature by the account's key over `message`. Version 0 and 1
/// proofs (no `account`) are Ethereum proofs of chain 1 unless they say otherwise.
pub fn validate_proof(proof: &Value) -> Result<ValidLink> {
    let text = |k: &str| proof.get(k).and_then(Value::as_str);
    let message = text("message").ok_or_else(|| bad("no message"))?;
    let signature = text("signature").ok_or_else(|| bad("no signature"))?;
    let version = proof.get("version").and_then(Value::as_u64).unwrap_or(0);
    let account = text("account").map(str::to_string);
    let (ns, reference, address) = match (&account, version) {
        (Some(a), _) => parse_account(a)?,
        (None, v) if v < 2 => {
            let chain = proof
                .get("chainId")
                .and_then(Value::as_u64)
                .unwrap_or(1)
                .to_string();
            (
                "eip155".into(),
                chain,
                text("address").unwrap_or_default().into(),
            )
        }
        (None, _) => return Err(bad("no account")),
    };
    let ns = if version < 2 {
        "eip155".to_string()
    } else {
        ns
    };
    let address = match ns.as_str() {
        "eip155" => {
            let kind = text("type").unwrap_or("ethereum-eoa");
            if kind != "ethereum-eoa" {
                return Err(Error::UnsupportedDid(format!(
                    "link proof of type {}: only ethereum-eoa is verified (erc1271 asks the chain)",
                    crate::codec::quoted(kind)
                )));
            }
            let sig = decode_hex(signature.trim_start_matches("0x"))
                .ok_or_else(|| bad("signature is not hex"))?;
            let signer =
                recover_address(&eip191_digest(message.as_bytes()), &sig).map_err(|e| match e {
                    // The curve code is not loaded yet (the npm package's lazy part): say so, so
                    // that the call loads it and runs again.
                    Error::PartNotLoaded(_) => e,
                    e => bad(e.to_string()),
                })?;
            // Version 0 names no address: the signer is the account.
            if !address.is_empty() && !address.eq_ignore_ascii_case(&signer) {
                return Err(bad(format!("signed by {signer}, not {address}")));
            }
            signer
        }
        "solana" => {
            let key: [u8; 32] = multibase::decode_base(multibase::Base::Base58Btc, &address)
                .ok()
                .and_then(|k| k.try_into().ok())
                .ok_or_else(|| bad(format!("{address} is not a base58 Ed25519 key")))?;
            let sig = STANDARD
                .decode(signature.trim_end_matches('='))
                .or_else(|_| {
                    crate::codec::base64::STANDARD_NO_PAD.decode(signature.trim_end_matches('='))
                })
                .map_err(|e| bad(format!("signature is not base64: {e}")))?;
            PublicKey::Ed25519(key)
                .verify(Algorithm::EdDSA, message.as_bytes(), &sig)
                .map_err(|_| bad(format!("not signed by {address}")))?;
            address
        }
        other => {
            return Err(Error::UnsupportedDid(format!(
                "link proofs of {other} accounts are not verified here (eip155 and solana are)"
            )))
        }
    };
    Ok(ValidLink {
        account: format!("{address}@{ns}:{reference}"),
        did: did_in_message(message),
    })
}

/// Fold a Caip10Link log (genesis first).
pub fn fold(
    commits: &[Commit],
    anchors: &mut dyn FnMut(&Commit) -> Result<AnchorInfo>,
) -> Result<LegacyState> {
    fold_log("Caip10Link", commits, anchors, apply_genesis, apply_update)
}

/// The genesis: unsigned, no data, one account.
pub fn apply_genesis(commit: &Commit, at_time: Option<i64>) -> Result<LegacyState> {
    if commit.envelope.is_some() || commit.prev()?.is_some() || commit.is_anchor() {
        return Err(Error::InvalidEvent(format!(
            "{}: a Caip10Link genesis is one unsigned commit",
            crate::codec::cid_text(&commit.cid)
        )));
    }
    if commit.body.contains_key("data") {
        return Err(Error::InvalidEvent(format!(
            "{}: Caip10Link genesis commit cannot have data",
            crate::codec::cid_text(&commit.cid)
        )));
    }
    let header = match commit.json("header")? {
        Some(Value::Object(m)) => m,
        _ => {
            return Err(Error::InvalidEvent(format!(
                "{}: a Caip10Link genesis has a header",
                crate::codec::cid_text(&commit.cid)
            )))
        }
    };
    match header
        .get("controllers")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        Some([Value::String(_)]) => {}
        _ => {
            return Err(Error::InvalidEvent(format!(
                "{}: a Caip10Link has exactly one controller",
                crate::codec::cid_text(&commit.cid)
            )))
        }
    }
    let mut state = LegacyState {
        stream_type: StreamType::Caip10Link,
        content: Value::Null,
        metadata: header,
        next: None,
        signature: GENESIS,
        anchored: false,
        anchor_proof: None,
        log: Vec::new(),
    };
    state.push(commit, 0, at_time);
    Ok(state)
}

/// An update: a LinkProof by the link's account, not older than the state it updates.
pub fn apply_update(state: &mut LegacyState, commit: &Commit, at_time: Option<i64>) -> Result<()> {
    if commit.envelope.is_some() {
        return Err(Error::InvalidEvent(format!(
            "{}: Caip10Link updates are unsigned (the proof is the signature)",
            crate::codec::cid_text(&commit.cid)
        )));
    }
    let proof = commit.json("data")?.ok_or_else(|| {
        Error::InvalidEvent(format!(
            "{}: an update without a proof",
            crate::codec::cid_text(&commit.cid)
        ))
    })?;
    let valid = validate_proof(&proof)?;
    let stamp = proof.get("timestamp").and_then(Value::as_i64);
    if state.signature != GENESIS {
        let floor = if state.anchored {
            state.last_anchor_time()
        } else {
            state
                .next
                .as_ref()
                .and_then(|n| n.metadata.as_ref())
                .and_then(|m| m.get("lastUpdate"))
                .and_then(Value::as_i64)
        };
        if let (Some(floor), Some(stamp)) = (floor, stamp) {
            if stamp < floor {
                return Err(Error::InvalidEvent(format!(
                    "{}: Invalid commit, proof timestamp too old ({stamp} < {floor})",
                    crate::codec::cid_text(&commit.cid)
                )));
            }
        }
    }
    let controller = first_controller(&state.metadata).unwrap_or_default();
    if !valid.account.eq_ignore_ascii_case(controller) {
        return Err(Error::UnauthorizedSigner(format!(
            "{}: the proof is by {}, the link is {controller}",
            crate::codec::cid_text(&commit.cid),
            valid.account
        )));
    }
    let mut metadata: Map<String, Value> = state.metadata.clone();
    if let Some(stamp) = proof.get("timestamp") {
        metadata.insert("lastUpdate".into(), stamp.clone());
    }
    state.next = Some(Next {
        content: valid.did.map(Value::String),
        metadata: Some(metadata),
    });
    state.signature = SIGNED;
    state.anchored = false;
    state.push(commit, 1, at_time);
    Ok(())
}

/// The genesis of the Caip10Link of `account` (`ns:ref:address` or `address@ns:ref`): anyone
/// recomputes it, so the link's StreamID follows from the account. eip155 addresses are
/// lower-cased, as js-ceramic writes them.
pub fn genesis(account: &str) -> Result<Commit> {
    let (ns, reference, address) = parse_account(account)?;
    let address = if ns == "eip155" {
        address.to_ascii_lowercase()
    } else {
        address
    };
    let header = crate::json!({
        "controllers": [format!("{address}@{ns}:{reference}")],
        "family": format!("caip10-{ns}:{reference}"),
    });
    Commit::from_api_json(&crate::json!({ "header": header }), None)
}

/// The update linking `state`'s account to the DID `proof` names, checked before it is sent.
pub fn update_commit(state: &LegacyState, proof: &Value) -> Result<Commit> {
    let body = crate::json!({
        "data": proof,
        "id": crate::codec::cid_text(&state.genesis()?).to_string(),
        "prev": crate::codec::cid_text(&state.tip()?).to_string(),
    });
    let commit = Commit::from_api_json(&body, None)?;
    let mut next = state.clone();
    apply_update(&mut next, &commit, None)?;
    Ok(commit)
}

/// The message a wallet signs to link its account to `did` (`getConsentMessage`): note the
/// space before the second line break.
pub fn consent_message(did: &str, timestamp: i64) -> String {
    format!("Link this account to your identity\n\n{did} \nTimestamp: {timestamp}")
}
