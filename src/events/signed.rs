use serde::Serialize;

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
        let protected = protected_header(alg, kid, cacao.as_ref())?;
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
        let (envelope, envelope_block) =
            envelope_of(self.protected, &self.payload_block.cid, signature, check)?;
        Ok(SignedEvent {
            envelope,
            envelope_block,
            payload: self.payload,
            payload_block: self.payload_block,
            cacao_block: self.cacao_block,
        })
    }
}

/// The type-independent part of [`SigningRequest::finish`]: the envelope and its block, the
/// signature checked where it can be (one copy for init and data events, bytes).
fn envelope_of(
    protected: Vec<u8>,
    payload: &cid::Cid,
    signature: Vec<u8>,
    check: bool,
) -> Result<(Envelope, Block)> {
    if signature.len() != 64 {
        return Err(Error::Signer(format!(
            "expected a 64-byte signature, got {} bytes",
            signature.len()
        )));
    }
    let envelope = Envelope {
        payload: crate::codec::cidbytes::cid_bytes(payload),
        signatures: vec![JwsSignature {
            header: None,
            protected,
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
    Ok((envelope, envelope_block))
}

impl<P: Serialize> SignedEvent<P> {
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
    P: Serialize,
    S: AsyncSigner + ?Sized,
{
    let payload_block = payload.to_block()?;
    let (envelope, envelope_block, payload_block, cacao_block) =
        sign_block(payload_block, signer).await?;
    Ok(SignedEvent {
        envelope,
        envelope_block,
        payload,
        payload_block,
        cacao_block,
    })
}

/// What [`sign`] does once the payload is a block, as [`SigningRequest`] would: one copy of
/// the signing future for init and data events (bytes).
async fn sign_block<S: AsyncSigner + ?Sized>(
    payload_block: Block,
    signer: &S,
) -> Result<(Envelope, Block, Block, Option<Block>)> {
    let cacao_block = signer.capability().cloned();
    let protected = protected_header(signer.algorithm(), signer.kid(), cacao_block.as_ref())?;
    let input = crate::did::jws::signing_input(&protected, &payload_block.cid);
    let signature = signer.sign_event(input, &payload_block).await?;
    let (envelope, envelope_block) =
        envelope_of(protected, &payload_block.cid, signature, !signer.trusted())?;
    Ok((envelope, envelope_block, payload_block, cacao_block))
}

/// The protected header's bytes for `alg` and `kid`, naming the CACAO block `cacao` if any.
fn protected_header(alg: Algorithm, kid: String, cacao: Option<&Block>) -> Result<Vec<u8>> {
    ProtectedHeader::new(alg, kid, cacao.map(|b| &b.cid)).to_bytes()
}

/// What a signing input signs, read from the bytes alone: the JWS header and the event payload
/// it commits to. A wallet that is asked to sign by a page it does not trust shows its user this,
/// not the page's account of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SigningRequestInfo {
    /// `"init"` (a new stream) or `"data"` (an update).
    pub kind: &'static str,
    /// JWS algorithm.
    pub alg: String,
    /// JWS `kid`: the key asked to sign.
    pub kid: String,
    /// The CID of the CACAO the signature acts under, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capability: Option<String>,
    /// The payload's CID (what the signature commits to).
    pub payload_cid: String,
    /// Init: the stream's controller.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub controller: Option<String>,
    /// Init: the Model (the METAMODEL for a Model).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Init: the initial content (`null` for a deterministic document).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<crate::codec::Value>,
    /// Data: the document updated (data events are Model Instance Documents').
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    /// Data: the tip the update follows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prev: Option<String>,
    /// Data: the JSON-Patch operations, the change itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch: Option<crate::codec::Value>,
}

/// Read what `input` (a JWS signing input, `b64url(header).b64url(payload CID)`) signs, given the
/// payload block's bytes. Fails with `INVALID_EVENT` when the input is not a Ceramic event's
/// signing input or names another payload than `payload`.
pub fn inspect_signing_request(input: &[u8], payload: &[u8]) -> Result<SigningRequestInfo> {
    use crate::codec::base64::URL_SAFE_NO_PAD;
    let bad = |m: &str| Error::InvalidEvent(format!("signing input: {m}"));
    let text = std::str::from_utf8(input).map_err(|_| bad("not text"))?;
    let (header, cid) = text.split_once('.').ok_or_else(|| bad("no '.'"))?;
    let header = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| bad("header is not base64url"))?;
    let header = ProtectedHeader::from_bytes(&header)?;
    let cid = URL_SAFE_NO_PAD
        .decode(cid)
        .map_err(|_| bad("payload is not base64url"))?;
    let block = Block::new(crate::codec::DAG_CBOR, payload.to_vec());
    if cid != crate::codec::cidbytes::cid_bytes(&block.cid) {
        return Err(bad("it signs another payload than the one given"));
    }
    let mut info = SigningRequestInfo {
        kind: "init",
        alg: header.alg.clone(),
        kid: header.kid.clone(),
        capability: header
            .cap_cid()?
            .map(|c| crate::codec::cid_text(&c).to_string()),
        payload_cid: crate::codec::cid_text(&block.cid).to_string(),
        controller: None,
        model: None,
        content: None,
        stream: None,
        prev: None,
        patch: None,
    };
    match crate::codec::decode_strict::<crate::events::DataPayload>(payload, "data payload") {
        Ok(data) => {
            info.kind = "data";
            let id =
                crate::ids::StreamId::new(crate::ids::StreamType::ModelInstanceDocument, data.id);
            info.stream = Some(id.to_string());
            info.prev = Some(crate::codec::cid_text(&data.prev).to_string());
            info.patch = Some(crate::events::ipld_to_json(&data.data)?);
        }
        Err(_) => {
            let init: crate::events::InitPayload = crate::codec::decode_strict(payload, "payload")?;
            info.controller = init.header.controller().map(str::to_string);
            info.model = Some(init.header.model_id()?.to_string());
            info.content = Some(match &init.data {
                Some(d) => crate::events::ipld_to_json(d)?,
                None => crate::codec::Value::Null,
            });
        }
    }
    Ok(info)
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

    #[test]
    fn a_signing_request_reads_back_from_its_bytes() {
        use crate::codec::DagCborExt;
        use crate::events::{json_to_ipld, DataPayload};
        use crate::ids::CommitId;
        let key = Ed25519Signer::from_seed(&[9; 32]).unwrap();
        let model: StreamId = "kjzl6hvfrbw6c90uwoyz8j519gxma787qbsfjtrarkr1huq1g1s224k7hopvsyg"
            .parse()
            .unwrap();
        let content = crate::json!({ "title": "hello", "n": 1 });
        let init = InitPayload::builder(Signer::did(&key), &model)
            .data(json_to_ipld(&content))
            .build();
        let req = SigningRequest::new(init, Algorithm::EdDSA, Signer::kid(&key), None).unwrap();
        let info = inspect_signing_request(&req.signing_input(), &req.payload_block.bytes).unwrap();
        assert_eq!(info.kind, "init");
        assert_eq!(info.model.as_deref(), Some(model.to_string().as_str()));
        assert_eq!(info.controller.as_deref(), Some(Signer::did(&key)));
        assert_eq!(info.content, Some(content));
        assert_eq!(info.kid, Signer::kid(&key));
        assert_eq!(info.payload_cid, req.payload_block.cid.to_string());

        let init_cid = req.payload_block.cid;
        let tip = CommitId::new(
            StreamId::new(crate::ids::StreamType::ModelInstanceDocument, init_cid),
            init_cid,
        );
        let patch = crate::json!([{ "op": "replace", "path": "/title", "value": "bye" }]);
        let data = DataPayload::new(&tip, json_to_ipld(&patch));
        let block = data.to_block().unwrap();
        let req = SigningRequest::new(data, Algorithm::EdDSA, Signer::kid(&key), None).unwrap();
        let info = inspect_signing_request(&req.signing_input(), &block.bytes).unwrap();
        assert_eq!(info.kind, "data");
        assert_eq!(
            info.stream.as_deref(),
            Some(tip.stream_id().to_string().as_str())
        );
        assert_eq!(info.prev, Some(tip.commit().to_string()));
        assert_eq!(info.patch, Some(patch));
        assert_eq!(info.model, None);

        // Another payload than the one signed, and inputs that are not signing inputs.
        let other = InitPayload::builder(Signer::did(&key), &model)
            .build()
            .to_block()
            .unwrap();
        let err = inspect_signing_request(&req.signing_input(), &other.bytes).unwrap_err();
        assert_eq!(err.code(), "INVALID_EVENT");
        for input in [&b"no dot"[..], b"!!.!!", b"e30.AXESIA", &[0xff, b'.', 0xfe]] {
            assert!(inspect_signing_request(input, &block.bytes).is_err());
        }
    }
}
