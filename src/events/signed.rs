use serde::{de::DeserializeOwned, Serialize};

use crate::codec::{Block, DagCborExt, DAG_JOSE};
use crate::did::{
    Algorithm, AsyncSigner, Envelope, JwsSignature, ProtectedHeader, Signer, VerifiedSignature,
};
use crate::error::{Error, Result};

/// A signed event: a DAG-JOSE envelope over a DAG-CBOR payload, and the CACAO block when the
/// signer acts under a capability. The event's CID is the envelope's.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedEvent<P> {
    envelope: Envelope,
    envelope_block: Block,
    payload: P,
    payload_block: Block,
    cacao_block: Option<Block>,
}

/// An event ready to be signed by a signer that cannot be called synchronously (a wallet, a
/// browser extension, a JS callback): hand [`SigningRequest::signing_input`] to it, then pass the
/// signature to [`SigningRequest::finish`].
#[derive(Debug, Clone)]
pub struct SigningRequest<P> {
    payload: P,
    payload_block: Block,
    protected: Vec<u8>,
    cacao_block: Option<Block>,
}

impl<P: Serialize> SigningRequest<P> {
    /// Prepare `payload` for signing as `kid` with `alg`, optionally under the CACAO `cacao`.
    pub fn new(payload: P, alg: Algorithm, kid: String, cacao: Option<Block>) -> Result<Self> {
        let payload_block = payload.to_block()?;
        let protected =
            ProtectedHeader::new(alg, kid, cacao.as_ref().map(|b| &b.cid)).to_bytes()?;
        Ok(SigningRequest {
            payload,
            payload_block,
            protected,
            cacao_block: cacao,
        })
    }

    /// The exact bytes to sign: `b64url(protected) "." b64url(payload CID)`.
    pub fn signing_input(&self) -> Vec<u8> {
        crate::did::jws::signing_input(&self.protected, &self.payload_block.cid)
    }

    /// Assemble the signed event from the signer's raw signature. Where the signature can be
    /// checked here (EdDSA on a did:key), a signature that does not verify is refused.
    pub fn finish(self, signature: Vec<u8>) -> Result<SignedEvent<P>> {
        self.assemble(signature, true)
    }

    /// [`finish`](Self::finish) without checking the signature: for signers whose signatures
    /// are valid by construction (a key held in this crate), where the check would double the
    /// cost of signing.
    pub fn finish_trusted(self, signature: Vec<u8>) -> Result<SignedEvent<P>> {
        self.assemble(signature, false)
    }

    fn assemble(self, signature: Vec<u8>, check: bool) -> Result<SignedEvent<P>> {
        if signature.len() != 64 {
            return Err(Error::Signer(format!(
                "expected a 64-byte signature, got {} bytes",
                signature.len()
            )));
        }
        let envelope = Envelope {
            payload: self.payload_block.cid.to_bytes(),
            signatures: vec![JwsSignature {
                header: None,
                protected: self.protected,
                signature,
            }],
        };
        if check {
            match envelope.verify() {
                Ok(_) | Err(Error::UnsupportedDid(_)) => {}
                Err(e @ Error::PartNotLoaded(_)) => return Err(e),
                Err(e) => return Err(Error::Signer(format!("the signature is unusable: {e}"))),
            }
        }
        let envelope_block = Block::new(DAG_JOSE, envelope.to_dag_cbor()?);
        Ok(SignedEvent {
            envelope,
            envelope_block,
            payload: self.payload,
            payload_block: self.payload_block,
            cacao_block: self.cacao_block,
        })
    }
}

impl<P: Serialize + DeserializeOwned> SignedEvent<P> {
    /// Sign `payload` with `signer`.
    pub fn sign(payload: P, signer: &dyn Signer) -> Result<Self> {
        Self::sign_with_capability(payload, signer, None)
    }

    /// Sign `payload` with `signer` acting under the CACAO block `cacao` (its CID goes into the
    /// protected header as `cap`, and the block travels in the event's CAR).
    pub fn sign_with_capability(
        payload: P,
        signer: &dyn Signer,
        cacao: Option<Block>,
    ) -> Result<Self> {
        let request = SigningRequest::new(payload, signer.algorithm(), signer.kid(), cacao)?;
        let signature = signer.sign(&request.signing_input())?;
        request.assemble(signature, !signer.trusted())
    }

    /// Assemble from decoded parts; the caller has checked the envelope names `payload_block`.
    pub(crate) fn from_parts(
        envelope: Envelope,
        envelope_block: Block,
        payload: P,
        payload_block: Block,
        cacao_block: Option<Block>,
    ) -> Self {
        SignedEvent {
            envelope,
            envelope_block,
            payload,
            payload_block,
            cacao_block,
        }
    }
}

impl<P> SignedEvent<P> {
    /// The event CID (the envelope's, dag-jose).
    pub fn cid(&self) -> &cid::Cid {
        &self.envelope_block.cid
    }

    /// The payload.
    pub fn payload(&self) -> &P {
        &self.payload
    }

    /// The payload block.
    pub fn payload_block(&self) -> &Block {
        &self.payload_block
    }

    /// The envelope.
    pub fn envelope(&self) -> &Envelope {
        &self.envelope
    }

    /// The envelope block.
    pub fn envelope_block(&self) -> &Block {
        &self.envelope_block
    }

    /// The CACAO block, if the signer acts under a capability.
    pub fn cacao_block(&self) -> Option<&Block> {
        self.cacao_block.as_ref()
    }

    /// Check the JWS signature (not the capability: see the verifier).
    pub fn verify_signature(&self) -> Result<VerifiedSignature> {
        self.envelope.verify()
    }

    /// The blocks in the order the network writes them: CACAO (if any), payload, envelope.
    pub fn blocks(&self) -> impl Iterator<Item = &Block> {
        self.cacao_block
            .iter()
            .chain([&self.payload_block, &self.envelope_block])
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
    req.assemble(signature, !signer.trusted())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::did::Ed25519Signer;
    use crate::events::InitPayload;
    use crate::ids::StreamId;

    #[test]
    fn a_bad_signature_is_refused_unless_the_signer_is_trusted() {
        let key = Ed25519Signer::from_seed(&[9; 32]).unwrap();
        let request = || {
            let payload = InitPayload::builder(Signer::did(&key), &StreamId::metamodel()).build();
            SigningRequest::new(payload, Algorithm::EdDSA, Signer::kid(&key), None).unwrap()
        };
        let good = Signer::sign(&key, &request().signing_input()).unwrap();
        assert!(request().finish(good.clone()).is_ok());
        let mut bad = good;
        bad[0] ^= 1;
        assert_eq!(
            request().finish(bad.clone()).unwrap_err().code(),
            "SIGNER_FAILED"
        );
        // The trusted path does not check (the key that signs is the crate's own): the cost of a
        // verification saved on every event this crate signs.
        assert!(request().finish_trusted(bad).is_ok());
        assert!(Signer::trusted(&key));
    }
}
