//! DAG-JOSE signed envelopes (general JWS with the payload as a CID), as Ceramic writes them:
//! `{payload: <payload CID bytes>, signatures: [{protected: <header JSON bytes>, signature}]}`
//! with the signing input `b64url(protected) "." b64url(payload CID bytes)` (RFC 7515).

use crate::codec::Ipld;
use cid::Cid;
use serde::Serialize;

use super::{Algorithm, DidKey, Ed25519Batch};
use crate::codec::base64::URL_SAFE_NO_PAD;
use crate::codec::fields::{Bytes, Fields, FromIpld};
use crate::codec::DAG_CBOR;
use crate::error::{Error, Result};

/// The protected header of a Ceramic JWS. Serialized compactly with keys in alphabetical order
/// (`alg`, `cap`, `kid`), as js-did's fast-json-stable-stringify writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProtectedHeader {
    /// JOSE algorithm, e.g. `EdDSA`.
    pub alg: String,
    /// `ipfs://<CACAO CID>` when the signer acts under a capability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<String>,
    /// Verification method of the signer: `did:key:<fp>#<fp>`.
    pub kid: String,
}

impl ProtectedHeader {
    /// A header for `alg` and `kid`, naming the CACAO block `cap` if any.
    pub fn new(alg: Algorithm, kid: String, cap: Option<&Cid>) -> Self {
        ProtectedHeader {
            alg: alg.as_str().to_string(),
            cap: cap.map(|c| format!("ipfs://{c}", c = crate::codec::cid_text(c))),
            kid,
        }
    }

    /// The compact JSON bytes that are signed and stored.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        // Cannot fail (every key is a string); the writer's error is not printed.
        crate::codec::json_write::to_vec(self)
            .map_err(|_| Error::Encode("JWS protected header".into()))
    }

    /// Parse header bytes (other JOSE members are allowed and ignored: they are covered by the
    /// signature as stored).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let bad = |e: crate::codec::json::JsonError| Error::InvalidEvent(e.to_string());
        let v: crate::codec::Value = crate::codec::json::parse_slice(bytes)
            .map_err(|e| Error::InvalidEvent(format!("JWS protected header: {e}")))?;
        let m = crate::codec::json::Members::of(&v, "JWS protected header").map_err(bad)?;
        Ok(ProtectedHeader {
            alg: m.string("alg").map_err(bad)?,
            cap: m.opt_string("cap").map_err(bad)?,
            kid: m.string("kid").map_err(bad)?,
        })
    }

    /// The signer's DID: `kid` without its fragment.
    pub fn signer_did(&self) -> &str {
        self.kid.split_once('#').map_or(&self.kid, |(d, _)| d)
    }

    /// The CACAO CID named by `cap`.
    pub fn cap_cid(&self) -> Result<Option<Cid>> {
        let Some(cap) = &self.cap else {
            return Ok(None);
        };
        let s = cap.strip_prefix("ipfs://").ok_or_else(|| {
            Error::InvalidEvent(format!(
                "JWS cap {} is not an ipfs:// URI",
                crate::codec::quoted(cap)
            ))
        })?;
        crate::codec::multibase::parse_cid(s)
            .map(Some)
            .map_err(|e| Error::InvalidEvent(format!("JWS cap {}: {e}", crate::codec::quoted(cap))))
    }
}

/// One signature of a DAG-JOSE envelope.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JwsSignature {
    /// Unprotected header; Ceramic never writes one, but it round-trips if present.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::codec::cidbytes::opt_ipld_map"
    )]
    pub header: Option<crate::codec::IpldMap>,
    /// The protected header's JSON bytes (not base64).
    #[serde(with = "serde_bytes")]
    pub protected: Vec<u8>,
    /// The raw signature.
    #[serde(with = "serde_bytes")]
    pub signature: Vec<u8>,
}

/// A DAG-JOSE JWS envelope block (codec 0x85).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Envelope {
    /// The payload CID's bytes.
    #[serde(with = "serde_bytes")]
    pub payload: Vec<u8>,
    /// The signatures; Ceramic events carry exactly one.
    pub signatures: Vec<JwsSignature>,
}

// Read by hand (codec/fields.rs says why), with exactly these fields.
impl FromIpld for JwsSignature {
    fn from_ipld(value: Ipld, at: &dyn std::fmt::Display) -> Result<Self> {
        let mut f = Fields::new(value, at)?;
        let sig = JwsSignature {
            header: f.opt("header")?,
            protected: f.req::<Bytes>("protected")?.0,
            signature: f.req::<Bytes>("signature")?.0,
        };
        f.end()?;
        Ok(sig)
    }
}

impl FromIpld for Envelope {
    fn from_ipld(value: Ipld, at: &dyn std::fmt::Display) -> Result<Self> {
        let mut f = Fields::new(value, at)?;
        let envelope = Envelope {
            payload: f.req::<Bytes>("payload")?.0,
            signatures: f.req("signatures")?,
        };
        f.end()?;
        Ok(envelope)
    }
}

/// What a successful signature check established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedSignature {
    /// The signer's DID (from `kid`).
    pub did: String,
    /// The full `kid`.
    pub kid: String,
    /// The algorithm.
    pub alg: Algorithm,
    /// The CACAO the signer claims to act under, if any (checked by the capability verifier).
    pub cap: Option<Cid>,
}

/// The JWS signing input: ASCII `b64url(protected) "." b64url(payload CID bytes)`.
pub fn signing_input(protected: &[u8], payload_cid: &Cid) -> Vec<u8> {
    let mut s = Vec::new();
    URL_SAFE_NO_PAD.encode_into(protected, &mut s);
    s.push(b'.');
    URL_SAFE_NO_PAD.encode_into(&crate::codec::cidbytes::cid_bytes(payload_cid), &mut s);
    s
}

impl Envelope {
    /// Decode an envelope under the network's strict rule ([`crate::codec::decode_strict`]).
    /// The shape Ceramic writes — one signature, no unprotected header — is read directly when
    /// the bytes are exactly its canonical encoding (speed: the general path builds the IPLD
    /// value, re-encodes it and compares, ~4 % of `verifyStream`); any other bytes take the
    /// general path, so the outcome is the same.
    pub fn decode(bytes: &[u8]) -> Result<Envelope> {
        match Self::read_canonical(bytes) {
            Some(envelope) => Ok(envelope),
            None => crate::codec::decode_strict(bytes, "JWS envelope"),
        }
    }

    /// `{payload, signatures: [{protected, signature}]}` in canonical DAG-CBOR (keys by length,
    /// then bytes), or `None`.
    fn read_canonical(bytes: &[u8]) -> Option<Envelope> {
        use crate::codec::dagcbor::canonical_bytes;
        let (payload, rest) = canonical_bytes(bytes.strip_prefix(b"\xa2\x67payload")?)?;
        let rest = rest.strip_prefix(b"\x6asignatures\x81\xa2\x69protected")?;
        let (protected, rest) = canonical_bytes(rest)?;
        let (signature, rest) = canonical_bytes(rest.strip_prefix(b"\x69signature")?)?;
        rest.is_empty().then(|| Envelope {
            payload: payload.to_vec(),
            signatures: vec![JwsSignature {
                header: None,
                protected: protected.to_vec(),
                signature: signature.to_vec(),
            }],
        })
    }

    /// The payload CID; it must be a whole dag-cbor CID.
    pub fn payload_cid(&self) -> Result<Cid> {
        let (cid, n) = crate::codec::cidbytes::read_cid(&self.payload)
            .map_err(|e| Error::InvalidEvent(format!("JWS payload CID: {e}")))?;
        if n != self.payload.len() {
            return Err(Error::InvalidEvent(
                "JWS payload has bytes after its CID".into(),
            ));
        }
        if cid.codec() != DAG_CBOR {
            return Err(Error::InvalidEvent(format!(
                "JWS payload CID {cid} is not dag-cbor",
                cid = crate::codec::cid_text(&cid)
            )));
        }
        Ok(cid)
    }

    /// The single signature Ceramic events carry.
    pub fn signature(&self) -> Result<&JwsSignature> {
        match self.signatures.as_slice() {
            [one] => Ok(one),
            other => Err(Error::InvalidEvent(format!(
                "a Ceramic JWS has exactly one signature, this one has {}",
                other.len()
            ))),
        }
    }

    /// The parsed protected header of the signature.
    pub fn header(&self) -> Result<ProtectedHeader> {
        ProtectedHeader::from_bytes(&self.signature()?.protected)
    }

    /// The bytes that were signed.
    pub fn signing_input(&self) -> Result<Vec<u8>> {
        Ok(signing_input(
            &self.signature()?.protected,
            &self.payload_cid()?,
        ))
    }

    /// Check the signature against the did:key named by `kid` (EdDSA, ES256 or ES256K).
    pub fn verify(&self) -> Result<VerifiedSignature> {
        self.verify_in(None)
    }

    /// [`Envelope::verify`], with an Ed25519 signature's group equation left to `batch` (tagged
    /// with the `usize`): everything else is checked here.
    pub(crate) fn verify_in(
        &self,
        batch: Option<(&mut Ed25519Batch, usize)>,
    ) -> Result<VerifiedSignature> {
        let header = self.header()?;
        let alg: Algorithm = header.alg.parse()?;
        let did = DidKey::parse(header.signer_did())?;
        let input = self.signing_input()?;
        let sig = &self.signature()?.signature;
        match (did.public_key(), batch) {
            (super::PublicKey::Ed25519(pk), Some((batch, tag))) if alg == Algorithm::EdDSA => {
                let point = super::key::ed25519_key(pk)?;
                batch.add(pk, &point, did.as_str(), &input, sig, tag)
            }
            (key, _) => key.verify(alg, &input, sig),
        }
        .map_err(|e| match e {
            Error::BadSignature(m) => Error::BadSignature(format!("{m} for {did}")),
            other => other,
        })?;
        Ok(VerifiedSignature {
            did: did.as_str().to_string(),
            kid: header.kid.clone(),
            alg,
            cap: header.cap_cid()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Envelopes with protected headers of 10, 100 and 300 bytes (the three heads of a byte
    /// string), each byte changed three ways, cut short or extended, and heads longer than
    /// needed: whatever the fast reader takes, the strict path takes too, as the same envelope;
    /// the canonical bytes are all taken.
    #[test]
    fn the_envelope_reader_agrees_with_the_strict_path() {
        use crate::codec::{decode_strict, DagCborExt};
        let payload = crate::codec::cidbytes::cid_bytes(
            &"bafyreifu7xdhhlntwnrd7jxpps44wz6acamfcsxazc4oopnmldaotqok2y"
                .parse()
                .unwrap(),
        );
        let mut taken = 0;
        for len in [10, 100, 300] {
            let envelope = Envelope {
                payload: payload.clone(),
                signatures: vec![JwsSignature {
                    header: None,
                    protected: vec![b'p'; len],
                    signature: vec![7; 64],
                }],
            };
            let bytes = envelope.to_dag_cbor().unwrap();
            assert_eq!(Envelope::read_canonical(&bytes), Some(envelope.clone()));
            for b in crate::codec::dagcbor::byte_changes(&bytes) {
                if let Some(fast) = Envelope::read_canonical(&b) {
                    taken += 1;
                    assert_eq!(decode_strict::<Envelope>(&b, "e").unwrap(), fast);
                }
            }
        }
        assert!(taken > 1000, "{taken}");
        // A 10-byte header behind a one-byte length (0x58 0x0a): not canonical, not taken.
        let long_head = [
            &b"\xa2\x67payload\x58\x24"[..],
            &payload[..],
            b"\x6asignatures\x81\xa2\x69protected\x58\x0a",
            &[b'p'; 10],
            b"\x69signature\x58\x40",
            &[7; 64],
        ]
        .concat();
        assert_eq!(Envelope::read_canonical(&long_head), None);
        assert_eq!(
            Envelope::decode(&long_head).unwrap_err().code(),
            "NOT_CANONICAL"
        );
    }

    #[test]
    fn header_bytes_sorted_and_compact() {
        let cap: Cid = "bafyreifu7xdhhlntwnrd7jxpps44wz6acamfcsxazc4oopnmldaotqok2y"
            .parse()
            .unwrap();
        let h = ProtectedHeader::new(Algorithm::EdDSA, "did:key:z6Mk#z6Mk".into(), Some(&cap));
        assert_eq!(
            String::from_utf8(h.to_bytes().unwrap()).unwrap(),
            r#"{"alg":"EdDSA","cap":"ipfs://bafyreifu7xdhhlntwnrd7jxpps44wz6acamfcsxazc4oopnmldaotqok2y","kid":"did:key:z6Mk#z6Mk"}"#
        );
        assert_eq!(h.cap_cid().unwrap(), Some(cap));
        assert_eq!(h.signer_did(), "did:key:z6Mk");
        let plain = ProtectedHeader::new(Algorithm::EdDSA, "k".into(), None);
        assert_eq!(plain.to_bytes().unwrap(), br#"{"alg":"EdDSA","kid":"k"}"#);
        assert_eq!(
            ProtectedHeader::from_bytes(b"[]").unwrap_err().code(),
            "INVALID_EVENT"
        );
    }
}
