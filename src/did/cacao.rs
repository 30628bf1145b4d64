//! CACAO capabilities (CAIP-74): a wallet (did:pkh) or another key signs a Sign-In-With-X message
//! that lets a session key (`aud`) act for it (`iss`) on some resources until `exp`.

use crate::codec::time::{format_millis, parse_rfc3339};
use crate::codec::Ipld;
use serde::Serialize;

use crate::codec::fields::{wrong, Fields, FromIpld};

use crate::error::{Error, Result};

/// A CACAO block.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cacao {
    /// Header: `{t: "eip4361" | "caip122"}`.
    pub h: CacaoHeader,
    /// Payload.
    pub p: CacaoPayload,
    /// Signature.
    pub s: CacaoSignature,
    /// The block as decoded (WebAuthn challenges are computed over it).
    #[serde(skip)]
    pub block: Option<Ipld>,
}

/// CACAO header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CacaoHeader {
    /// `eip4361` (Ethereum, SIWE) or `caip122` (other chains).
    pub t: String,
}

/// A CACAO time: an RFC 3339 string (kept verbatim, it is part of the signed message) or, in
/// some old CACAOs, integer unix seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum CacaoTime {
    /// RFC 3339 text, e.g. `2024-06-12T20:04:42.464Z`.
    Text(String),
    /// Unix seconds.
    Unix(i64),
}

// Read by hand (codec/fields.rs says why). Other fields are allowed and ignored, as the JS
// SDK's and rust-ceramic's CACAO types ignore them.
impl FromIpld for CacaoTime {
    fn from_ipld(value: Ipld, at: &dyn std::fmt::Display) -> Result<Self> {
        match value {
            Ipld::String(t) => Ok(CacaoTime::Text(t)),
            Ipld::Integer(i) => i64::try_from(i)
                .map(CacaoTime::Unix)
                .map_err(|_| Error::InvalidEvent(format!("{at}: out of range"))),
            other => Err(wrong(at, &other, "an RFC 3339 time or unix seconds")),
        }
    }
}

impl FromIpld for Cacao {
    fn from_ipld(value: Ipld, at: &dyn std::fmt::Display) -> Result<Self> {
        let mut f = Fields::new(value, at)?;
        let mut h = Fields::new(f.req("h")?, &"CACAO header")?;
        let mut p = Fields::new(f.req("p")?, &"CACAO payload")?;
        let mut s = Fields::new(f.req("s")?, &"CACAO signature")?;
        Ok(Cacao {
            h: CacaoHeader { t: h.req("t")? },
            p: CacaoPayload {
                aud: p.req("aud")?,
                domain: p.req("domain")?,
                exp: p.opt("exp")?,
                iat: p.req("iat")?,
                iss: p.req("iss")?,
                nbf: p.opt("nbf")?,
                nonce: p.req("nonce")?,
                request_id: p.opt("requestId")?,
                resources: p.opt("resources")?,
                statement: p.opt("statement")?,
                version: p.req("version")?,
            },
            s: CacaoSignature {
                t: s.req("t")?,
                s: s.req("s")?,
                m: s.opt("m")?,
            },
            block: None,
        })
    }
}

impl CacaoTime {
    /// Unix seconds.
    pub fn unix(&self) -> Result<i64> {
        match self {
            CacaoTime::Unix(s) => Ok(*s),
            CacaoTime::Text(t) => parse_rfc3339(t).map(|(secs, _)| secs).ok_or_else(|| {
                Error::InvalidCapability(format!(
                    "time {} is not RFC 3339",
                    crate::codec::quoted(t)
                ))
            }),
        }
    }

    /// The forms the time may have had in the signed message: as stored (what js-did signs) and
    /// re-rendered with milliseconds and `Z` (what rust-ceramic rebuilds).
    fn renderings(&self) -> Vec<String> {
        let mut out = Vec::with_capacity(2);
        let parsed = match self {
            CacaoTime::Text(t) => {
                out.push(t.clone());
                parse_rfc3339(t)
            }
            CacaoTime::Unix(s) => Some((*s, 0)),
        };
        if let Some((secs, nanos)) = parsed {
            let r = format_millis(secs, nanos / 1_000_000);
            if !out.contains(&r) {
                out.push(r);
            }
        }
        out
    }
}

/// CACAO payload (the SIWx fields).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CacaoPayload {
    /// The session key's DID (SIWE `URI`).
    pub aud: String,
    /// The requesting domain.
    pub domain: String,
    /// Expiry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<CacaoTime>,
    /// Issued at.
    pub iat: CacaoTime,
    /// The issuer, e.g. `did:pkh:eip155:1:0xabc…`.
    pub iss: String,
    /// Not before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<CacaoTime>,
    /// Nonce.
    pub nonce: String,
    /// Request id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Granted resources, e.g. `ceramic://*`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Vec<String>>,
    /// Human-readable statement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    /// Message version (`1`).
    pub version: String,
}

/// CACAO signature.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CacaoSignature {
    /// Signature type: `eip191`, `solana:ed25519`, `webauthn:p256`, …
    pub t: String,
    /// The signature, encoded per type.
    pub s: String,
    /// Type-specific metadata (WebAuthn's authenticator data and client data).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::codec::cidbytes::opt_ipld_map"
    )]
    pub m: Option<crate::codec::IpldMap>,
}

/// How capabilities are checked in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeCheck {
    /// The time to check at, in unix seconds (`None`: skip the time checks).
    pub at_time: Option<i64>,
    /// Extra seconds a capability stays usable after `exp` (rust-ceramic: 0, js-ceramic: 24 h).
    pub revocation_phaseout_secs: i64,
    /// Allowed clock skew in seconds (5 minutes on the network).
    pub clock_skew_secs: i64,
}

impl TimeCheck {
    /// Check at `at_time` (unix seconds) with the network's 5-minute skew and no phase-out.
    pub fn at(at_time: i64) -> Self {
        TimeCheck {
            at_time: Some(at_time),
            revocation_phaseout_secs: 0,
            clock_skew_secs: 5 * 60,
        }
    }

    /// No time checks (for capabilities already known to have been valid when used).
    pub fn skip() -> Self {
        TimeCheck {
            at_time: None,
            revocation_phaseout_secs: 0,
            clock_skew_secs: 5 * 60,
        }
    }
}

/// The chain of a did:pkh issuer: `did:pkh:<namespace>:<reference>:<address>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PkhIssuer<'a> {
    /// CAIP-2 namespace, e.g. `eip155`, `solana`.
    pub namespace: &'a str,
    /// CAIP-2 reference, e.g. `1`.
    pub reference: &'a str,
    /// Account address.
    pub address: &'a str,
}

/// Parse a did:pkh DID.
pub fn parse_pkh(did: &str) -> Result<PkhIssuer<'_>> {
    let rest = did.strip_prefix("did:pkh:").ok_or_else(|| {
        Error::InvalidDid(format!("{} is not a did:pkh", crate::codec::quoted(did)))
    })?;
    let mut parts = rest.splitn(3, ':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(namespace), Some(reference), Some(address))
            if !namespace.is_empty() && !reference.is_empty() && !address.is_empty() =>
        {
            Ok(PkhIssuer {
                namespace,
                reference,
                address,
            })
        }
        _ => Err(Error::InvalidDid(format!(
            "{}: expected did:pkh:<namespace>:<reference>:<address>",
            crate::codec::quoted(did)
        ))),
    }
}

/// Whether two DIDs name the same account (did:pkh:eip155 addresses compare case-insensitively,
/// as in rust-ceramic).
pub fn same_did(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (parse_pkh(a), parse_pkh(b)) {
        (Ok(x), Ok(y)) => {
            x.namespace == "eip155"
                && y.namespace == "eip155"
                && x.reference == y.reference
                && x.address.eq_ignore_ascii_case(y.address)
        }
        _ => false,
    }
}

impl Cacao {
    /// Decode a CACAO block.
    pub fn from_block(bytes: &[u8]) -> Result<Self> {
        let bad = |e: Error| Error::InvalidCapability(format!("CACAO block: {e}"));
        let ipld: Ipld = crate::codec::dagcbor::decode_ipld(bytes).map_err(bad)?;
        let mut cacao = Cacao::from_ipld(ipld.clone(), &"CACAO").map_err(bad)?;
        cacao.block = Some(ipld);
        Ok(cacao)
    }

    /// Check `iat`, `nbf` and `exp` against `check`.
    pub fn check_time(&self, check: &TimeCheck) -> Result<()> {
        let Some(now) = check.at_time else {
            return Ok(());
        };
        let skew = check.clock_skew_secs;
        let iat = self.p.iat.unix()?;
        if iat > now.saturating_add(skew) {
            return Err(Error::CapabilityNotYetValid(format!(
                "issued at {iat}, after {now} + {skew}s skew"
            )));
        }
        if let Some(nbf) = &self.p.nbf {
            let nbf = nbf.unix()?;
            if nbf > now.saturating_add(skew) {
                return Err(Error::CapabilityNotYetValid(format!(
                    "not before {nbf}, after {now} + {skew}s skew"
                )));
            }
        }
        if let Some(exp) = &self.p.exp {
            let exp = exp.unix()?;
            let limit = exp
                .saturating_add(check.revocation_phaseout_secs)
                .saturating_add(skew);
            if limit < now {
                return Err(Error::CapabilityExpired(format!(
                    "expired at {exp} (usable until {limit}), checked at {now}"
                )));
            }
        }
        Ok(())
    }

    /// The SIWx message texts the issuer may have signed for `chain_name` ("Ethereum",
    /// "Solana") with this `address`: every accepted rendering of the times, the current and
    /// (for CACAOs issued before 2022-09-20) the legacy line order.
    pub(crate) fn messages(&self, chain_name: &str, address: &str) -> Result<Vec<String>> {
        let pkh = parse_pkh(&self.p.iss)?;
        let iat_unix = self.p.iat.unix()?;
        let renders = |t: &Option<CacaoTime>| -> Vec<Option<String>> {
            match t {
                None => vec![None],
                Some(t) => t.renderings().into_iter().map(Some).collect(),
            }
        };
        let iats = self.p.iat.renderings();
        let exps = renders(&self.p.exp);
        let nbfs = renders(&self.p.nbf);
        // js-did moved `Chain ID` for messages issued from 2022-09-20 on (1663632000 s).
        let legacy_orders: &[bool] = if iat_unix < 1_663_632_000 {
            &[false, true]
        } else {
            &[false]
        };
        let mut out = Vec::new();
        for iat in &iats {
            for exp in &exps {
                for nbf in &nbfs {
                    for &legacy in legacy_orders {
                        out.push(self.message(
                            chain_name,
                            address,
                            pkh.reference,
                            iat,
                            exp.as_deref(),
                            nbf.as_deref(),
                            legacy,
                        ));
                    }
                }
            }
        }
        Ok(out)
    }

    /// The SIWx text as a wallet is asked to sign it today: times as stored, current line order.
    pub fn siwx_message(&self, chain_name: &str, address: &str) -> Result<String> {
        let pkh = parse_pkh(&self.p.iss)?;
        let text = |t: &Option<CacaoTime>| t.as_ref().map(|t| t.renderings().swap_remove(0));
        Ok(self.message(
            chain_name,
            address,
            pkh.reference,
            &self.p.iat.renderings().swap_remove(0),
            text(&self.p.exp).as_deref(),
            text(&self.p.nbf).as_deref(),
            false,
        ))
    }

    #[allow(clippy::too_many_arguments)]
    fn message(
        &self,
        chain_name: &str,
        address: &str,
        chain_id: &str,
        iat: &str,
        exp: Option<&str>,
        nbf: Option<&str>,
        legacy: bool,
    ) -> String {
        let p = &self.p;
        let mut lines = vec![
            format!(
                "{} wants you to sign in with your {chain_name} account:",
                p.domain
            ),
            address.to_string(),
            String::new(),
        ];
        if let Some(statement) = &p.statement {
            lines.push(statement.clone());
            lines.push(String::new());
        }
        lines.push(format!("URI: {}", p.aud));
        lines.push(format!("Version: {}", p.version));
        if !legacy {
            lines.push(format!("Chain ID: {chain_id}"));
        }
        lines.push(format!("Nonce: {}", p.nonce));
        lines.push(format!("Issued At: {iat}"));
        if let Some(exp) = exp {
            lines.push(format!("Expiration Time: {exp}"));
        }
        if let Some(nbf) = nbf {
            lines.push(format!("Not Before: {nbf}"));
        }
        if let Some(id) = &p.request_id {
            lines.push(format!("Request ID: {id}"));
        }
        if legacy {
            lines.push(format!("Chain ID: {chain_id}"));
        }
        if let Some(resources) = p.resources.as_ref().filter(|r| !r.is_empty()) {
            lines.push("Resources:".into());
            lines.extend(resources.iter().map(|r| format!("- {r}")));
        }
        crate::codec::join(&lines, "\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cacao_time_is_text_or_unix_seconds() {
        use crate::codec::cbor::to_vec;
        let read = |bytes: Vec<u8>| {
            CacaoTime::from_ipld(crate::codec::cbor::ipld_from_slice(&bytes).unwrap(), &"t")
        };
        for t in [
            CacaoTime::Text("2024-06-12T20:04:42.464Z".into()),
            CacaoTime::Unix(-5),
            CacaoTime::Unix(1_700_000_000),
        ] {
            assert_eq!(read(to_vec(&t).unwrap()).unwrap(), t);
        }
        assert!(read(to_vec(&u64::MAX).unwrap()).is_err());
        assert!(read(to_vec(&1.5f64).unwrap()).is_err());
        assert!(read(to_vec(&[1u8]).unwrap()).is_err());
    }
}
