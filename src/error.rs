//! The one error type of the crate.
//!
//! Every layer returns [`Error`]; each variant has a stable string code ([`Error::code`]) that the JS
//! binding exposes as `CeramicError.code` and that tests assert on. Codes never change meaning once
//! released: add a variant rather than reuse one.

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in ceramic-wasm. Each variant carries a human-readable detail.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A StreamID could not be parsed (bad codec, unknown type, bad CID, trailing bytes).
    #[error("invalid StreamID: {0}")]
    InvalidStreamId(String),
    /// A CommitID could not be parsed.
    #[error("invalid CommitID: {0}")]
    InvalidCommitId(String),
    /// An EventID (Recon key) could not be parsed or built.
    #[error("invalid EventID: {0}")]
    InvalidEventId(String),
    /// A CID could not be parsed, or uses a codec or hash this crate does not accept there.
    #[error("invalid CID: {0}")]
    InvalidCid(String),
    /// A multibase string could not be decoded.
    #[error("invalid multibase: {0}")]
    InvalidMultibase(String),
    /// Bytes are not valid DAG-CBOR for the expected shape.
    #[error("invalid DAG-CBOR: {0}")]
    InvalidCbor(String),
    /// Bytes decode, but do not re-encode to the same bytes (non-canonical, or unexpected fields).
    #[error("not canonical: {0}")]
    NotCanonical(String),
    /// A CAR file is malformed (header, section framing, block hash mismatch).
    #[error("invalid CAR: {0}")]
    InvalidCar(String),
    /// An input is over a configured size limit.
    #[error("too large: {0}")]
    TooLarge(String),
    /// A block referenced by an event is not in the CAR or block source.
    #[error("missing block: {0}")]
    MissingBlock(String),
    /// An event is structurally invalid (wrong kind of payload, missing field, bad JWS header).
    #[error("invalid event: {0}")]
    InvalidEvent(String),
    /// A signature does not verify.
    #[error("bad signature: {0}")]
    BadSignature(String),
    /// A DID method or key type that is not supported here.
    #[error("unsupported DID: {0}")]
    UnsupportedDid(String),
    /// A DID string is malformed.
    #[error("invalid DID: {0}")]
    InvalidDid(String),
    /// Key material is malformed (wrong length, not on the curve, bad seed).
    #[error("invalid key: {0}")]
    InvalidKey(String),
    /// A value could not be encoded (e.g. a float that DAG-CBOR forbids).
    #[error("encoding failed: {0}")]
    Encode(String),
    /// The platform's secure random source failed.
    #[error("random source unavailable: {0}")]
    Random(String),
    /// An external signer (wallet, extension, callback) failed or returned a malformed signature.
    #[error("signer failed: {0}")]
    Signer(String),
    /// The signer declined to sign: its user rejected the request (a wallet's "Reject", an
    /// EIP-1193 error 4001). Nothing was signed or sent.
    #[error("signer rejected the request: {0}")]
    SignerRejected(String),
    /// A CACAO capability is malformed or of an unsupported kind.
    #[error("invalid capability: {0}")]
    InvalidCapability(String),
    /// A CACAO's own signature does not verify.
    #[error("bad capability signature: {0}")]
    BadCapabilitySignature(String),
    /// A CACAO is past its `exp` (plus phase-out and skew) at the time checked.
    #[error("capability expired: {0}")]
    CapabilityExpired(String),
    /// A CACAO's `iat` or `nbf` is after the time checked (plus skew).
    #[error("capability not yet valid: {0}")]
    CapabilityNotYetValid(String),
    /// A CACAO's `aud` is not the DID that signed the event.
    #[error("capability audience mismatch: {0}")]
    CapabilityAudienceMismatch(String),
    /// A CACAO's `iss` is not the stream's controller.
    #[error("capability issuer mismatch: {0}")]
    CapabilityIssuerMismatch(String),
    /// A CACAO grants no resources at all.
    #[error("capability has no resources: {0}")]
    CapabilityNoResource(String),
    /// None of a CACAO's resources covers this stream or model.
    #[error("capability does not cover this stream: {0}")]
    CapabilityResourceDenied(String),
    /// The event is signed by a DID that is not the controller, without a capability.
    #[error("signer is not the controller: {0}")]
    UnauthorizedSigner(String),
    /// A time event's Merkle path does not lead from the proof root to `prev`, or its proof is malformed.
    #[error("bad anchor proof: {0}")]
    BadAnchorProof(String),
    /// The anchoring transaction does not commit to the proof's root.
    #[error("anchor transaction mismatch: {0}")]
    AnchorTxMismatch(String),
    /// The anchoring transaction was not sent to a Ceramic anchor contract.
    #[error("anchor contract mismatch: {0}")]
    AnchorContractMismatch(String),
    /// The Ethereum provider, or a transaction it returned, is on another chain than the proof's.
    #[error("anchor chain mismatch: {0}")]
    AnchorChainMismatch(String),
    /// The block the provider returned is not the one the anchoring transaction is in.
    #[error("anchor block mismatch: {0}")]
    AnchorBlockMismatch(String),
    /// The blockchain RPC failed or answered something unusable.
    #[error("chain RPC failed: {0}")]
    ChainRpc(String),
    /// An event's `id` or `prev` does not link into the stream's log.
    #[error("broken link: {0}")]
    BrokenLink(String),
    /// An event does not follow the current tip (a fork).
    #[error("fork: {0}")]
    Fork(String),
    /// A Model definition breaks the model rules.
    #[error("invalid model: {0}")]
    InvalidModel(String),
    /// Document content does not validate against its model's JSON schema.
    #[error("schema violation: {0}")]
    SchemaViolation(String),
    /// A JSON-Patch cannot be applied.
    #[error("invalid patch: {0}")]
    InvalidPatch(String),
    /// Rule 1: a document needs exactly one valid controller DID.
    #[error("document controller: {0}")]
    MidController(String),
    /// Rule 1: a document's `model` must be a Model StreamID (type 2).
    #[error("document model: {0}")]
    MidModelType(String),
    /// Rule 2: documents cannot be created on interface Models.
    #[error("interface model: {0}")]
    MidInterfaceModel(String),
    /// Rule 3: `unique` does not fit the model's account relation.
    #[error("document unique: {0}")]
    MidUnique(String),
    /// Rule 4: deterministic inits carry no content, signed inits must.
    #[error("document genesis content: {0}")]
    MidGenesisContent(String),
    /// Rule 5: content is over the 16 000 000-byte limit.
    #[error("document too large: {0}")]
    MidTooLarge(String),
    /// Rule 6: a set document's `unique` is not its joined set field values.
    #[error("set unique mismatch: {0}")]
    MidSetUnique(String),
    /// Rule 6: a set field changed after the first data event.
    #[error("set field changed: {0}")]
    MidSetFieldChanged(String),
    /// Rule 7: a patch touches an immutable field.
    #[error("immutable field: {0}")]
    MidImmutableField(String),
    /// Rule 8: a relation value is not a StreamID of the related model.
    #[error("document relation: {0}")]
    MidRelation(String),
    /// The node refused the request (HTTP 400); the node's message is kept.
    #[error("node rejected the request: {0}")]
    NodeRejected(String),
    /// The node does not have what was asked for (HTTP 404).
    #[error("not found: {0}")]
    NotFound(String),
    /// The node failed (HTTP 5xx) or answered something unusable.
    #[error("node error: {0}")]
    NodeError(String),
    /// The node did not answer in time.
    #[error("timed out: {0}")]
    Timeout(String),
    /// The node could not be reached.
    #[error("network error: {0}")]
    Network(String),
    /// The caller cancelled the request (AbortSignal).
    #[error("aborted: {0}")]
    Aborted(String),
    /// What the node claims differs from what its events prove.
    #[error("node state mismatch: {0}")]
    NodeMismatch(String),
    /// A lazily loaded part of the package (P-256 and secp256k1) is needed but is not loaded, or
    /// could not be loaded. The package's JS loads the part and runs the call again on its own:
    /// callers see this code only when loading failed (offline, blocked URL).
    #[error("part not loaded: {0}")]
    PartNotLoaded(String),
}

impl Error {
    /// The stable code of this error, e.g. `"BAD_SIGNATURE"`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidStreamId(_) => "INVALID_STREAM_ID",
            Error::InvalidCommitId(_) => "INVALID_COMMIT_ID",
            Error::InvalidEventId(_) => "INVALID_EVENT_ID",
            Error::InvalidCid(_) => "INVALID_CID",
            Error::InvalidMultibase(_) => "INVALID_MULTIBASE",
            Error::InvalidCbor(_) => "INVALID_CBOR",
            Error::NotCanonical(_) => "NOT_CANONICAL",
            Error::InvalidCar(_) => "INVALID_CAR",
            Error::TooLarge(_) => "TOO_LARGE",
            Error::MissingBlock(_) => "MISSING_BLOCK",
            Error::InvalidEvent(_) => "INVALID_EVENT",
            Error::BadSignature(_) => "BAD_SIGNATURE",
            Error::UnsupportedDid(_) => "UNSUPPORTED_DID",
            Error::InvalidDid(_) => "INVALID_DID",
            Error::InvalidKey(_) => "INVALID_KEY",
            Error::Encode(_) => "ENCODE_FAILED",
            Error::Random(_) => "RANDOM_UNAVAILABLE",
            Error::Signer(_) => "SIGNER_FAILED",
            Error::SignerRejected(_) => "SIGNER_REJECTED",
            Error::InvalidCapability(_) => "INVALID_CAPABILITY",
            Error::BadCapabilitySignature(_) => "BAD_CAPABILITY_SIGNATURE",
            Error::CapabilityExpired(_) => "CAPABILITY_EXPIRED",
            Error::CapabilityNotYetValid(_) => "CAPABILITY_NOT_YET_VALID",
            Error::CapabilityAudienceMismatch(_) => "CAPABILITY_AUDIENCE_MISMATCH",
            Error::CapabilityIssuerMismatch(_) => "CAPABILITY_ISSUER_MISMATCH",
            Error::CapabilityNoResource(_) => "CAPABILITY_NO_RESOURCE",
            Error::CapabilityResourceDenied(_) => "CAPABILITY_RESOURCE_DENIED",
            Error::UnauthorizedSigner(_) => "UNAUTHORIZED_SIGNER",
            Error::BadAnchorProof(_) => "BAD_ANCHOR_PROOF",
            Error::AnchorTxMismatch(_) => "ANCHOR_TX_MISMATCH",
            Error::AnchorContractMismatch(_) => "ANCHOR_CONTRACT_MISMATCH",
            Error::AnchorChainMismatch(_) => "ANCHOR_CHAIN_MISMATCH",
            Error::AnchorBlockMismatch(_) => "ANCHOR_BLOCK_MISMATCH",
            Error::ChainRpc(_) => "CHAIN_RPC",
            Error::BrokenLink(_) => "BROKEN_LINK",
            Error::Fork(_) => "FORK",
            Error::InvalidModel(_) => "INVALID_MODEL",
            Error::SchemaViolation(_) => "SCHEMA_VIOLATION",
            Error::InvalidPatch(_) => "INVALID_PATCH",
            Error::MidController(_) => "MID_CONTROLLER",
            Error::MidModelType(_) => "MID_MODEL_TYPE",
            Error::MidInterfaceModel(_) => "MID_INTERFACE_MODEL",
            Error::MidUnique(_) => "MID_UNIQUE",
            Error::MidGenesisContent(_) => "MID_GENESIS_CONTENT",
            Error::MidTooLarge(_) => "MID_TOO_LARGE",
            Error::MidSetUnique(_) => "MID_SET_UNIQUE",
            Error::MidSetFieldChanged(_) => "MID_SET_FIELD_CHANGED",
            Error::MidImmutableField(_) => "MID_IMMUTABLE_FIELD",
            Error::MidRelation(_) => "MID_RELATION",
            Error::NodeRejected(_) => "NODE_REJECTED",
            Error::NotFound(_) => "NOT_FOUND",
            Error::NodeError(_) => "NODE_ERROR",
            Error::Timeout(_) => "TIMEOUT",
            Error::Network(_) => "NETWORK",
            Error::Aborted(_) => "ABORTED",
            Error::NodeMismatch(_) => "NODE_MISMATCH",
            Error::PartNotLoaded(_) => "PART_NOT_LOADED",
        }
    }

    /// Every code this crate can produce, in declaration order (used to generate the TS union type
    /// and to test that codes are unique).
    pub const ALL_CODES: &'static [&'static str] = &[
        "INVALID_STREAM_ID",
        "INVALID_COMMIT_ID",
        "INVALID_EVENT_ID",
        "INVALID_CID",
        "INVALID_MULTIBASE",
        "INVALID_CBOR",
        "NOT_CANONICAL",
        "INVALID_CAR",
        "TOO_LARGE",
        "MISSING_BLOCK",
        "INVALID_EVENT",
        "BAD_SIGNATURE",
        "UNSUPPORTED_DID",
        "INVALID_DID",
        "INVALID_KEY",
        "ENCODE_FAILED",
        "RANDOM_UNAVAILABLE",
        "SIGNER_FAILED",
        "SIGNER_REJECTED",
        "INVALID_CAPABILITY",
        "BAD_CAPABILITY_SIGNATURE",
        "CAPABILITY_EXPIRED",
        "CAPABILITY_NOT_YET_VALID",
        "CAPABILITY_AUDIENCE_MISMATCH",
        "CAPABILITY_ISSUER_MISMATCH",
        "CAPABILITY_NO_RESOURCE",
        "CAPABILITY_RESOURCE_DENIED",
        "UNAUTHORIZED_SIGNER",
        "BAD_ANCHOR_PROOF",
        "ANCHOR_TX_MISMATCH",
        "ANCHOR_CONTRACT_MISMATCH",
        "ANCHOR_CHAIN_MISMATCH",
        "ANCHOR_BLOCK_MISMATCH",
        "CHAIN_RPC",
        "BROKEN_LINK",
        "FORK",
        "INVALID_MODEL",
        "SCHEMA_VIOLATION",
        "INVALID_PATCH",
        "MID_CONTROLLER",
        "MID_MODEL_TYPE",
        "MID_INTERFACE_MODEL",
        "MID_UNIQUE",
        "MID_GENESIS_CONTENT",
        "MID_TOO_LARGE",
        "MID_SET_UNIQUE",
        "MID_SET_FIELD_CHANGED",
        "MID_IMMUTABLE_FIELD",
        "MID_RELATION",
        "NODE_REJECTED",
        "NOT_FOUND",
        "NODE_ERROR",
        "TIMEOUT",
        "NETWORK",
        "ABORTED",
        "NODE_MISMATCH",
        "PART_NOT_LOADED",
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_listed() {
        let samples = [
            Error::InvalidStreamId(String::new()),
            Error::InvalidCommitId(String::new()),
            Error::InvalidEventId(String::new()),
            Error::InvalidCid(String::new()),
            Error::InvalidMultibase(String::new()),
            Error::InvalidCbor(String::new()),
            Error::NotCanonical(String::new()),
            Error::InvalidCar(String::new()),
            Error::TooLarge(String::new()),
            Error::MissingBlock(String::new()),
            Error::InvalidEvent(String::new()),
            Error::BadSignature(String::new()),
            Error::UnsupportedDid(String::new()),
            Error::InvalidDid(String::new()),
            Error::InvalidKey(String::new()),
            Error::Encode(String::new()),
            Error::Random(String::new()),
            Error::Signer(String::new()),
            Error::SignerRejected(String::new()),
            Error::InvalidCapability(String::new()),
            Error::BadCapabilitySignature(String::new()),
            Error::CapabilityExpired(String::new()),
            Error::CapabilityNotYetValid(String::new()),
            Error::CapabilityAudienceMismatch(String::new()),
            Error::CapabilityIssuerMismatch(String::new()),
            Error::CapabilityNoResource(String::new()),
            Error::CapabilityResourceDenied(String::new()),
            Error::UnauthorizedSigner(String::new()),
            Error::BadAnchorProof(String::new()),
            Error::AnchorTxMismatch(String::new()),
            Error::AnchorContractMismatch(String::new()),
            Error::AnchorChainMismatch(String::new()),
            Error::AnchorBlockMismatch(String::new()),
            Error::ChainRpc(String::new()),
            Error::BrokenLink(String::new()),
            Error::Fork(String::new()),
            Error::InvalidModel(String::new()),
            Error::SchemaViolation(String::new()),
            Error::InvalidPatch(String::new()),
            Error::MidController(String::new()),
            Error::MidModelType(String::new()),
            Error::MidInterfaceModel(String::new()),
            Error::MidUnique(String::new()),
            Error::MidGenesisContent(String::new()),
            Error::MidTooLarge(String::new()),
            Error::MidSetUnique(String::new()),
            Error::MidSetFieldChanged(String::new()),
            Error::MidImmutableField(String::new()),
            Error::MidRelation(String::new()),
            Error::NodeRejected(String::new()),
            Error::NotFound(String::new()),
            Error::NodeError(String::new()),
            Error::Timeout(String::new()),
            Error::Network(String::new()),
            Error::Aborted(String::new()),
            Error::NodeMismatch(String::new()),
            Error::PartNotLoaded(String::new()),
        ];
        let codes: Vec<&str> = samples.iter().map(Error::code).collect();
        assert_eq!(codes, Error::ALL_CODES);
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), codes.len());
    }

    #[test]
    fn message_includes_detail() {
        let e = Error::BadSignature("ed25519 verify failed".into());
        assert_eq!(e.to_string(), "bad signature: ed25519 verify failed");
        assert_eq!(e.code(), "BAD_SIGNATURE");
    }
}
