use std::fmt;

use super::ed25519_verify::KeyPoint;

use super::Algorithm;
use crate::codec::multibase;
use crate::error::{Error, Result};
use crate::last::Last;

const ED25519_PUB: u64 = 0xed;
const SECP256K1_PUB: u64 = 0xe7;
const P256_PUB: u64 = 0x1200;

/// A public key named by a did:key.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PublicKey {
    /// Ed25519 (multicodec `0xed`, `z6Mk…`), 32 bytes.
    Ed25519([u8; 32]),
    /// secp256k1 (multicodec `0xe7`, `zQ3s…`), SEC1 compressed, 33 bytes.
    Secp256k1(Vec<u8>),
    /// NIST P-256 (multicodec `0x1200`, `zDn…`), SEC1 compressed (33 bytes) or uncompressed (65).
    P256(Vec<u8>),
}

impl PublicKey {
    fn codec(&self) -> u64 {
        match self {
            PublicKey::Ed25519(_) => ED25519_PUB,
            PublicKey::Secp256k1(_) => SECP256K1_PUB,
            PublicKey::P256(_) => P256_PUB,
        }
    }

    /// The raw key bytes.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            PublicKey::Ed25519(k) => k,
            PublicKey::Secp256k1(k) | PublicKey::P256(k) => k,
        }
    }

    /// The JWS algorithm of signatures by this key.
    pub fn algorithm(&self) -> Algorithm {
        match self {
            PublicKey::Ed25519(_) => Algorithm::EdDSA,
            PublicKey::Secp256k1(_) => Algorithm::ES256K,
            PublicKey::P256(_) => Algorithm::ES256,
        }
    }

    /// Verify a JWS signature by this key over `msg`: Ed25519 by RFC 8032's cofactored equation
    /// with strict encodings (`did::ed25519_verify`); ES256 and
    /// ES256K as raw 64-byte `r ‖ s` over SHA-256(msg); high-S is accepted for both, as
    /// ceramic-one and js-did accept it. `alg` must match the key type.
    pub fn verify(&self, alg: Algorithm, msg: &[u8], sig: &[u8]) -> Result<()> {
        if alg != self.algorithm() {
            return Err(Error::BadSignature(format!(
                "JWS alg {alg} does not match a {} key",
                self.algorithm()
            )));
        }
        match self {
            PublicKey::Ed25519(pk) => {
                super::ed25519_verify::verify(pk, &ed25519_key(pk)?, msg, sig)
            }
            PublicKey::P256(pk) => super::ecdsa::verify(super::ecdsa::Curve::P256, pk, msg, sig),
            PublicKey::Secp256k1(pk) => {
                super::ecdsa::verify(super::ecdsa::Curve::Secp256k1, pk, msg, sig)
            }
        }
    }
}

std::thread_local! {
    static LAST_DID: Last<String, DidKey> = const { Last::new() };
    /// The last Ed25519 key decompressed, with its multiples: a stream's events are mostly signed
    /// by one key, and decompressing it (a field square root) and adding up its 32 multiples need
    /// not be redone for each.
    static LAST_ED25519: Last<[u8; 32], KeyPoint> = const { Last::new() };
}

/// An Ed25519 public key's point and multiples (see `ed25519_verify::key_point`), the last one kept.
pub(crate) fn ed25519_key(pk: &[u8; 32]) -> Result<KeyPoint> {
    LAST_ED25519.with(|last| last.get_or(pk, || super::ed25519_verify::key_point(pk)))
}

/// A parsed `did:key:z…` DID: `did:key:` + base58btc(multicodec ‖ public key).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DidKey {
    did: String,
    key: PublicKey,
}

impl DidKey {
    /// Parse a did:key string. A `#fragment` (as in a JWS `kid`) is ignored.
    pub fn parse(did: &str) -> Result<Self> {
        let did = did.split_once('#').map_or(did, |(d, _)| d);
        // A stream's events are mostly signed by one key: the last one parsed is kept, which
        // saves the base58 decoding (~1 % of a verifyStream in V8's profile) on every event.
        LAST_DID.with(|last| last.get_or(did, || Self::parse_uncached(did)))
    }

    fn parse_uncached(did: &str) -> Result<Self> {
        let Some(fp) = did.strip_prefix("did:key:") else {
            return if did.starts_with("did:") {
                Err(Error::UnsupportedDid(format!(
                    "{did}: only did:key is supported here"
                )))
            } else {
                Err(Error::InvalidDid(format!(
                    "{} is not a DID",
                    crate::codec::quoted(did)
                )))
            };
        };
        if !fp.starts_with('z') {
            return Err(Error::InvalidDid(format!(
                "{did}: did:key must be base58btc ('z')"
            )));
        }
        let bytes = multibase::decode(fp).map_err(|e| Error::InvalidDid(format!("{did}: {e}")))?;
        let (codec, n) = crate::codec::cidbytes::read_varint(&bytes)
            .ok_or_else(|| Error::InvalidDid(format!("{did}: multicodec: not a valid varint")))?;
        let raw = &bytes[n..];
        let key =
            match codec {
                ED25519_PUB => PublicKey::Ed25519(raw.try_into().map_err(|_| {
                    Error::InvalidKey(format!("{did}: Ed25519 key must be 32 bytes"))
                })?),
                SECP256K1_PUB if raw.len() == 33 => PublicKey::Secp256k1(raw.to_vec()),
                P256_PUB if raw.len() == 33 || raw.len() == 65 => PublicKey::P256(raw.to_vec()),
                SECP256K1_PUB | P256_PUB => {
                    return Err(Error::InvalidKey(format!(
                        "{did}: key of {} bytes has the wrong length",
                        raw.len()
                    )))
                }
                other => {
                    return Err(Error::UnsupportedDid(format!(
                        "{did}: key type 0x{other:x} is not supported"
                    )))
                }
            };
        Ok(DidKey {
            did: did.to_string(),
            key,
        })
    }

    /// The did:key of a public key.
    pub fn from_public_key(key: PublicKey) -> Self {
        let mut bytes = Vec::with_capacity(70);
        crate::codec::cidbytes::write_varint(&mut bytes, key.codec());
        bytes.extend_from_slice(key.as_bytes());
        let did = format!(
            "did:key:{}",
            multibase::encode(multibase::Base::Base58Btc, &bytes)
        );
        DidKey { did, key }
    }

    /// The DID string.
    pub fn as_str(&self) -> &str {
        &self.did
    }

    /// The public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.key
    }

    /// The method-specific id (`z6Mk…`), also the fragment of its one verification method.
    pub fn fingerprint(&self) -> &str {
        self.did.strip_prefix("did:key:").unwrap_or(&self.did)
    }

    /// The verification method id used as JWS `kid`: `did:key:<fp>#<fp>`.
    pub fn kid(&self) -> String {
        format!("{}#{}", self.did, self.fingerprint())
    }
}

impl fmt::Display for DidKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.did)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ed25519_round_trip() {
        let d = DidKey::parse("did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp").unwrap();
        let PublicKey::Ed25519(k) = d.public_key() else {
            panic!("not ed25519")
        };
        assert_eq!(
            hex::encode(k),
            "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29"
        );
        assert_eq!(DidKey::from_public_key(d.public_key().clone()), d);
        assert_eq!(d.kid(), "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp#z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp");
        assert_eq!(DidKey::parse(&d.kid()).unwrap(), d);
    }

    #[test]
    fn other_key_types_and_errors() {
        // secp256k1 and P-256 did:keys from the did:key spec test vectors.
        let k = DidKey::parse("did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme").unwrap();
        assert!(matches!(k.public_key(), PublicKey::Secp256k1(b) if b.len() == 33));
        let p = DidKey::parse("did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169").unwrap();
        assert!(matches!(p.public_key(), PublicKey::P256(b) if b.len() == 33));
        assert_eq!(
            DidKey::parse("did:pkh:eip155:1:0xabc").unwrap_err().code(),
            "UNSUPPORTED_DID"
        );
        assert_eq!(DidKey::parse("nope").unwrap_err().code(), "INVALID_DID");
        assert_eq!(
            DidKey::parse("did:key:abc").unwrap_err().code(),
            "INVALID_DID"
        );
        assert_eq!(
            DidKey::parse("did:key:z").unwrap_err().code(),
            "INVALID_DID"
        );
        let short = format!(
            "did:key:{}",
            multibase::encode(multibase::Base::Base58Btc, &[0xed, 0x01, 1, 2, 3])
        );
        assert_eq!(DidKey::parse(&short).unwrap_err().code(), "INVALID_KEY");
        // x25519 (0xec) is a real did:key type but not a signing key.
        let x = DidKey::from_public_key(PublicKey::Ed25519([1; 32]))
            .as_str()
            .replace("z6Mk", "z6LS");
        assert!(DidKey::parse(&x).is_err());
    }
}
