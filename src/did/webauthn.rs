//! `webauthn:p256` CACAO signatures (js-did key-webauthn, rust-ceramic key_webauthn.rs): a
//! passkey (P-256, named by the `iss` did:key) signs `authData ‖ sha256(clientDataJSON)`, where
//! the client data's challenge is the CID of the CACAO without `s` and `p.iss`.

use crate::codec::sha2::sha256;
use crate::codec::Ipld;

use super::cacao::Cacao;
use super::{DidKey, PublicKey};
use crate::codec::base64::URL_SAFE_NO_PAD;
use crate::codec::DagCborExt;
use crate::error::{Error, Result};

fn bad(m: impl Into<String>) -> Error {
    Error::BadCapabilitySignature(m.into())
}

fn invalid(m: impl Into<String>) -> Error {
    Error::InvalidCapability(m.into())
}

/// The challenge CIDs the authenticator may have signed: js-did keeps every payload field but
/// `iss`; rust-ceramic also drops `statement` and `requestId`.
fn challenges(block: &Ipld) -> Result<Vec<Vec<u8>>> {
    let Ipld::Map(top) = block else {
        return Err(invalid("CACAO is not a map"));
    };
    let Some(Ipld::Map(p)) = top.get("p") else {
        return Err(invalid("CACAO has no payload map"));
    };
    // Maps rebuilt without the dropped keys (the block's own keys: distinct).
    let without = |m: &crate::codec::IpldMap, drop: &[&str]| {
        crate::codec::IpldMap::from_unique(
            m.iter()
                .filter(|(k, _)| !drop.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        )
    };
    let cacao = |p| {
        let mut top = without(top, &["s", "p"]);
        top.insert("p".into(), Ipld::Map(p));
        crate::codec::cidbytes::IpldRef(&Ipld::Map(top))
            .to_cid()
            .map(|c| crate::codec::cidbytes::cid_bytes(&c))
    };
    let mut out = vec![cacao(without(p, &["iss"]))?];
    if p.contains_key("statement") || p.contains_key("requestId") {
        out.push(cacao(without(p, &["iss", "statement", "requestId"]))?);
    }
    Ok(out)
}

/// A P-256 signature from DER (what authenticators return) or raw 64-byte `r ‖ s`.
/// DER is parsed here (a SEQUENCE of two INTEGERs) rather than by enabling the `pkcs8`/`der`
/// stack of the p256 crate, which would add its ASN.1 machinery to the wasm for this one use.
fn parse_signature(sig: &[u8]) -> Result<[u8; 64]> {
    if let Ok(raw) = <[u8; 64]>::try_from(sig) {
        return Ok(raw);
    }
    fn int(b: &[u8]) -> Option<(&[u8], &[u8])> {
        let (&tag, rest) = b.split_first()?;
        let (&len, rest) = rest.split_first()?;
        let len = usize::from(len);
        if tag != 0x02 || len == 0 || len > 33 || rest.len() < len {
            return None;
        }
        let (v, rest) = rest.split_at(len);
        // Strip the sign byte; what remains must fit 32 bytes.
        let v = if v.len() == 33 && v.first() == Some(&0) {
            &v[1..]
        } else {
            v
        };
        (v.len() <= 32).then_some((v, rest))
    }
    let parse = || -> Option<[u8; 64]> {
        let (&tag, rest) = sig.split_first()?;
        let (&len, body) = rest.split_first()?;
        if tag != 0x30 || usize::from(len) != body.len() {
            return None;
        }
        let (r, rest) = int(body)?;
        let (s, rest) = int(rest)?;
        if !rest.is_empty() {
            return None;
        }
        let mut out = [0u8; 64];
        out[32 - r.len()..32].copy_from_slice(r);
        out[64 - s.len()..].copy_from_slice(s);
        Some(out)
    };
    parse().ok_or_else(|| bad("WebAuthn signature is neither DER nor r||s"))
}

pub(crate) fn verify(cacao: &Cacao) -> Result<()> {
    let key = match DidKey::parse(&cacao.p.iss)
        .map_err(|e| invalid(format!("webauthn:p256 issuer: {e}")))?
        .public_key()
    {
        PublicKey::P256(k) => k.clone(),
        _ => {
            return Err(invalid(format!(
                "webauthn:p256 issuer {} is not a P-256 did:key",
                cacao.p.iss
            )))
        }
    };
    let sig = URL_SAFE_NO_PAD
        .decode(cacao.s.s.as_bytes())
        .map_err(|_| bad("WebAuthn signature is not base64url"))?;
    let sig = parse_signature(&sig)?;
    let aad = match cacao.s.m.as_ref().and_then(|m| m.get("aad")) {
        Some(Ipld::Bytes(b)) => b,
        _ => return Err(invalid("webauthn:p256 CACAO has no s.m.aad bytes")),
    };
    let aad: Ipld =
        crate::codec::dagcbor::decode_ipld(aad).map_err(|e| invalid(format!("aad: {e}")))?;
    let field = |k: &str| match &aad {
        Ipld::Map(m) => match m.get(k) {
            Some(Ipld::Bytes(b)) => Ok(b.as_slice()),
            _ => Err(invalid(format!("aad has no {k} bytes"))),
        },
        _ => Err(invalid("aad is not a map")),
    };
    let auth_data = field("authData")?;
    let client_data = field("clientDataJSON")?;
    let client: crate::codec::Value = crate::codec::json::parse_slice(client_data)
        .map_err(|e| invalid(format!("clientDataJSON: {e}")))?;
    if client["type"] != "webauthn.get" {
        return Err(bad("clientDataJSON.type is not webauthn.get"));
    }
    let challenge = client["challenge"]
        .as_str()
        .and_then(|c| URL_SAFE_NO_PAD.decode(c.as_bytes()).ok())
        .ok_or_else(|| bad("clientDataJSON has no base64url challenge"))?;
    let block = cacao
        .block
        .as_ref()
        .ok_or_else(|| invalid("the CACAO's block is needed to check a WebAuthn challenge"))?;
    if !challenges(block)?.contains(&challenge) {
        return Err(bad("the WebAuthn challenge is not this capability"));
    }
    let mut signed = auth_data.to_vec();
    signed.extend_from_slice(&sha256(client_data));
    super::ecdsa::verify(super::ecdsa::Curve::P256, &key, &signed, &sig).map_err(|e| match e {
        Error::BadSignature(_) => bad(format!(
            "the WebAuthn signature does not verify for {}",
            cacao.p.iss
        )),
        Error::InvalidKey(m) => Error::InvalidKey(format!("{}: {m}", cacao.p.iss)),
        other => other,
    })
}
