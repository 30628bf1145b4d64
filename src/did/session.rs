//! Sign-In-With-Ethereum sessions: a fresh Ed25519 session key, authorised by the user's wallet
//! (a SIWE message signed with `personal_sign`) through a CACAO, signs events for the wallet's
//! `did:pkh` account — as did-session does for the JS stack.

use serde::Serialize;

use super::cacao::{Cacao, CacaoHeader, CacaoPayload, CacaoSignature, CacaoTime, TimeCheck};
use super::siwx::eip55;
use super::AsyncSigner;
use super::{Algorithm, Ed25519Signer, Signer};
use crate::codec::base64::URL_SAFE_NO_PAD;
use crate::codec::{time::format_millis, Block, DagCborExt};
use crate::error::{Error, Result};

/// The statement did-session puts in SIWE messages.
pub const DEFAULT_STATEMENT: &str = "Give this application access to some of your data on Ceramic";

/// What the wallet is asked to authorise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionParams {
    /// The wallet's Ethereum address (`0x…`, any case).
    pub address: String,
    /// EIP-155 chain id (1 for mainnet).
    pub chain_id: u64,
    /// The requesting domain (shown by the wallet).
    pub domain: String,
    /// Granted resources, e.g. `ceramic://*` or `ceramic://*?model=<id>`.
    pub resources: Vec<String>,
    /// Lifetime from now.
    pub expires_in_secs: i64,
    /// The statement (default [`DEFAULT_STATEMENT`]).
    pub statement: Option<String>,
    /// Write the address in the SIWE text in its EIP-55 form (as wallets and did-session do);
    /// `false`: in lower case, as `iss` has it — what js-ceramic 2.x's CACAO check
    /// (@didtools/cacao 1.x) rebuilds, so its nodes accept the session. Both verify here.
    pub checksum_address: bool,
}

/// A session waiting for the wallet's signature.
#[derive(Debug)]
pub struct SessionRequest {
    key: Ed25519Signer,
    cacao: Cacao,
    message: String,
}

/// An authorised session: signs as its session key, for its `did:pkh` controller.
#[derive(Debug)]
pub struct CacaoSession {
    key: Ed25519Signer,
    cacao: Cacao,
    block: Block,
}

fn nonce() -> Result<String> {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut bytes = [0u8; 10];
    getrandom::fill(&mut bytes).map_err(|e| Error::Random(e.to_string()))?;
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect())
}

impl SessionRequest {
    /// A new session key and the SIWE message that authorises it, issued at `now` (unix s).
    pub fn new(params: SessionParams, now: i64) -> Result<Self> {
        let hex = params.address.strip_prefix("0x").unwrap_or(&params.address);
        if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::InvalidDid(format!(
                "{} is not an Ethereum address",
                crate::codec::quoted(&params.address)
            )));
        }
        if params.expires_in_secs <= 0 {
            return Err(Error::InvalidCapability(
                "expiresInSecs must be positive".into(),
            ));
        }
        if params.resources.is_empty() {
            return Err(Error::CapabilityNoResource(
                "a session needs at least one resource".into(),
            ));
        }
        let lower = format!("0x{}", hex.to_ascii_lowercase());
        let key = Ed25519Signer::generate()?;
        let cacao = Cacao {
            h: CacaoHeader {
                t: "eip4361".into(),
            },
            p: CacaoPayload {
                aud: Signer::did(&key).to_string(),
                domain: params.domain,
                exp: Some(CacaoTime::Text(format_millis(
                    now.saturating_add(params.expires_in_secs),
                    0,
                ))),
                iat: CacaoTime::Text(format_millis(now, 0)),
                iss: format!("did:pkh:eip155:{}:{lower}", params.chain_id),
                nbf: None,
                nonce: nonce()?,
                request_id: None,
                resources: Some(params.resources),
                statement: Some(params.statement.unwrap_or_else(|| DEFAULT_STATEMENT.into())),
                version: "1".into(),
            },
            s: CacaoSignature {
                t: "eip191".into(),
                s: String::new(),
                m: None,
            },
            block: None,
        };
        // Wallets show and sign the EIP-55 form of the address, as did-session writes it.
        let shown = if params.checksum_address {
            eip55(&lower)
        } else {
            lower.clone()
        };
        let message = cacao.siwx_message("Ethereum", &shown)?;
        Ok(SessionRequest {
            key,
            cacao,
            message,
        })
    }

    /// The exact SIWE text to hand to `personal_sign`.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The session key's DID (the CACAO's audience).
    pub fn session_did(&self) -> &str {
        Signer::did(&self.key)
    }

    /// Finish with the wallet's 65-byte `personal_sign` signature (hex); it must recover to the
    /// address (`BAD_CAPABILITY_SIGNATURE` otherwise). In the npm package this is in the lazily
    /// loaded part (`PART_NOT_LOADED` until it is loaded: [`crate::part`]).
    pub fn complete(self, signature_hex: &str) -> Result<CacaoSession> {
        self.complete_in_part(crate::part::require("CACAO sessions")?, signature_hex)
    }

    /// The part's root for [`complete`](Self::complete) (never inlined: found by name).
    #[inline(never)]
    fn complete_in_part(self, _: crate::part::Loaded, signature_hex: &str) -> Result<CacaoSession> {
        let hex = signature_hex
            .strip_prefix("0x")
            .unwrap_or(signature_hex)
            .to_ascii_lowercase();
        let mut cacao = self.cacao;
        cacao.s.s = format!("0x{hex}");
        cacao.verify_signature()?;
        let block = cacao.to_block()?;
        Ok(CacaoSession {
            key: self.key,
            cacao,
            block,
        })
    }
}

#[derive(Serialize)]
struct Stored {
    key: String,
    cacao: String,
}

impl CacaoSession {
    /// The CACAO.
    pub fn cacao(&self) -> &Cacao {
        &self.cacao
    }

    /// The CACAO block (carried in every event's CAR).
    pub fn block(&self) -> &Block {
        &self.block
    }

    /// Unix seconds of expiry, if any.
    pub fn expires_at(&self) -> Option<i64> {
        self.cacao.p.exp.as_ref().and_then(|e| e.unix().ok())
    }

    /// Whether the session is expired at `now`.
    pub fn is_expired(&self, now: i64) -> bool {
        self.cacao
            .check_time(&TimeCheck {
                clock_skew_secs: 0,
                ..TimeCheck::at(now)
            })
            .is_err()
    }

    /// A string to store the session in (it contains the session's private key: keep it where
    /// the page keeps secrets, e.g. IndexedDB; it is worth nothing after expiry).
    pub fn serialize(&self) -> String {
        let stored = Stored {
            key: URL_SAFE_NO_PAD.encode(*self.key.export_seed()),
            cacao: URL_SAFE_NO_PAD.encode(&self.block.bytes),
        };
        URL_SAFE_NO_PAD.encode(crate::codec::json_write::to_vec(&stored).unwrap_or_default())
    }

    /// Restore a session from [`CacaoSession::serialize`]; the CACAO is checked again. In the npm
    /// package this is in the lazily loaded part (`PART_NOT_LOADED` until it is loaded).
    pub fn from_serialized(s: &str) -> Result<Self> {
        Self::restore_in_part(crate::part::require("CACAO sessions")?, s)
    }

    /// The part's root for [`from_serialized`](Self::from_serialized).
    #[inline(never)]
    fn restore_in_part(_: crate::part::Loaded, s: &str) -> Result<Self> {
        let bad = |m: &str| Error::InvalidCapability(format!("serialized session: {m}"));
        let json = URL_SAFE_NO_PAD
            .decode(s.trim())
            .map_err(|_| bad("not base64url"))?;
        // The texts that carry the key are wiped when dropped.
        let json = zeroize::Zeroizing::new(json);
        let mut v: crate::codec::Value =
            crate::codec::json::parse_slice(&json).map_err(|_| bad("not a session"))?;
        let mut text = |k: &str| match v.get_mut(k).map(crate::codec::Value::take) {
            Some(crate::codec::Value::String(s)) => Ok(zeroize::Zeroizing::new(s)),
            _ => Err(bad("not a session")),
        };
        let (key_text, cacao_text) = (text("key")?, text("cacao")?);
        let seed =
            zeroize::Zeroizing::new(URL_SAFE_NO_PAD.decode(&*key_text).map_err(|_| bad("key"))?);
        let key = Ed25519Signer::from_seed(&seed)?;
        let bytes = URL_SAFE_NO_PAD
            .decode(&*cacao_text)
            .map_err(|_| bad("cacao"))?;
        let cacao = Cacao::from_block(&bytes)?;
        if cacao.p.aud != Signer::did(&key) {
            return Err(bad("the CACAO is not for this session key"));
        }
        cacao.verify_signature()?;
        Ok(CacaoSession {
            key,
            block: Block::new(crate::codec::DAG_CBOR, bytes),
            cacao,
        })
    }
}

impl AsyncSigner for CacaoSession {
    fn did(&self) -> &str {
        Signer::did(&self.key)
    }
    fn controller(&self) -> &str {
        &self.cacao.p.iss
    }
    fn algorithm(&self) -> Algorithm {
        Algorithm::EdDSA
    }
    fn kid(&self) -> String {
        Signer::kid(&self.key)
    }
    fn capability(&self) -> Option<&Block> {
        Some(&self.block)
    }
    async fn sign(&self, input: Vec<u8>) -> Result<Vec<u8>> {
        Signer::sign(&self.key, &input)
    }
}

// The tests sign as a wallet with k256 itself.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::did::siwx::eip191_digest;

    /// A wallet: secp256k1 key, personal_sign.
    fn wallet_sign(key: &k256::ecdsa::SigningKey, msg: &str) -> String {
        let (sig, rec) = key.sign_prehash_recoverable(&eip191_digest(msg.as_bytes()));
        let mut out = sig.to_bytes().to_vec();
        out.push(27 + rec.to_byte());
        format!("0x{}", hex::encode(out))
    }

    fn wallet() -> (k256::ecdsa::SigningKey, String) {
        let key = k256::ecdsa::SigningKey::from_slice(&[9u8; 32]).unwrap();
        let point = key.verifying_key().to_sec1_point(false);
        let hash = <sha3::Keccak256 as sha3::Digest>::digest(&point.as_bytes()[1..]);
        (key, eip55(&format!("0x{}", hex::encode(&hash[12..]))))
    }

    #[test]
    fn siwe_session_round_trip() {
        let (key, address) = wallet();
        let params = SessionParams {
            address: address.clone(),
            chain_id: 1,
            domain: "app.example".into(),
            resources: vec!["ceramic://*".into()],
            expires_in_secs: 3600,
            statement: None,
            checksum_address: true,
        };
        let req = SessionRequest::new(params, 1_763_700_000).unwrap();
        let msg = req.message().to_string();
        assert!(msg.starts_with(&format!("app.example wants you to sign in with your Ethereum account:\n{address}\n\n{DEFAULT_STATEMENT}\n\nURI: did:key:z6Mk")));
        assert!(msg.contains("\nChain ID: 1\n") && msg.contains("Issued At: 2025-11-21T04:40:00.000Z\nExpiration Time: 2025-11-21T05:40:00.000Z\nResources:\n- ceramic://*"));
        let sig = wallet_sign(&key, &msg);
        let session = req.complete(&sig).unwrap();
        assert_eq!(
            session.controller(),
            format!("did:pkh:eip155:1:{}", address.to_ascii_lowercase())
        );
        assert!(!session.is_expired(1_763_700_100));
        assert!(session.is_expired(1_763_700_000 + 3601));
        let back = CacaoSession::from_serialized(&session.serialize()).unwrap();
        assert_eq!((back.did(), back.block()), (session.did(), session.block()));

        // Another wallet's signature does not complete it.
        let other = k256::ecdsa::SigningKey::from_slice(&[8u8; 32]).unwrap();
        let req = SessionRequest::new(
            SessionParams {
                address,
                chain_id: 1,
                domain: "d".into(),
                resources: vec!["ceramic://*".into()],
                expires_in_secs: 60,
                statement: None,
                checksum_address: true,
            },
            0,
        )
        .unwrap();
        let bad = wallet_sign(&other, req.message());
        assert_eq!(
            req.complete(&bad).unwrap_err().code(),
            "BAD_CAPABILITY_SIGNATURE"
        );
        assert_eq!(
            CacaoSession::from_serialized("nope").unwrap_err().code(),
            "INVALID_CAPABILITY"
        );
    }
}
