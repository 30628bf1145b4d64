//! The one error type of the crate.
//!
//! Every layer returns [`Error`]; each variant has a stable string code ([`Error::code`]) that the JS
//! binding exposes as `CeramicError.code` and that tests assert on. Codes never change meaning once
//! released: add a variant rather than reuse one.

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Defines [`Error`] from one table: each variant's doc, name, stable code and message prefix.
/// `Display` writes `prefix: detail`. Our own rather than `thiserror`'s derive (bytes): the derive
/// formats each of the 57 variants through its own `write!`, 2.7 KB of the wasm; here the prefix
/// and code are looked up and the detail written after them.
macro_rules! errors {
    ($($(#[doc = $doc:literal])* $name:ident = $code:literal, $prefix:literal;)*) => {
        /// Everything that can go wrong in ceramic-wasm. Each variant carries a human-readable detail.
        #[non_exhaustive]
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum Error {
            $($(#[doc = $doc])* $name(String),)*
        }

        impl Error {
            /// The stable code of this error, e.g. `"BAD_SIGNATURE"`.
            pub fn code(&self) -> &'static str {
                match self {
                    $(Error::$name(_) => $code,)*
                }
            }

            /// Every code this crate can produce, in declaration order (used to generate the TS
            /// union type and to test that codes are unique).
            pub const ALL_CODES: &'static [&'static str] = &[$($code),*];

            /// What `Display` writes before the detail, e.g. `"bad signature"`.
            fn prefix(&self) -> &'static str {
                match self {
                    $(Error::$name(_) => $prefix,)*
                }
            }

            /// The human-readable detail the variant carries.
            fn detail(&self) -> &str {
                match self {
                    $(Error::$name(detail))|* => detail,
                }
            }
        }
    };
}

errors! {
    /// A StreamID could not be parsed (bad codec, unknown type, bad CID, trailing bytes).
    InvalidStreamId = "INVALID_STREAM_ID", "invalid StreamID";
    /// A CommitID could not be parsed.
    InvalidCommitId = "INVALID_COMMIT_ID", "invalid CommitID";
    /// An EventID (Recon key) could not be parsed or built.
    InvalidEventId = "INVALID_EVENT_ID", "invalid EventID";
    /// A CID could not be parsed, or uses a codec or hash this crate does not accept there.
    InvalidCid = "INVALID_CID", "invalid CID";
    /// A multibase string could not be decoded.
    InvalidMultibase = "INVALID_MULTIBASE", "invalid multibase";
    /// Bytes are not valid DAG-CBOR for the expected shape.
    InvalidCbor = "INVALID_CBOR", "invalid DAG-CBOR";
    /// Bytes decode, but do not re-encode to the same bytes (non-canonical, or unexpected fields).
    NotCanonical = "NOT_CANONICAL", "not canonical";
    /// A CAR file is malformed (header, section framing, block hash mismatch).
    InvalidCar = "INVALID_CAR", "invalid CAR";
    /// An input is over a configured size limit.
    TooLarge = "TOO_LARGE", "too large";
    /// A block referenced by an event is not in the CAR or block source.
    MissingBlock = "MISSING_BLOCK", "missing block";
    /// An event is structurally invalid (wrong kind of payload, missing field, bad JWS header).
    InvalidEvent = "INVALID_EVENT", "invalid event";
    /// A signature does not verify.
    BadSignature = "BAD_SIGNATURE", "bad signature";
    /// A DID method or key type that is not supported here.
    UnsupportedDid = "UNSUPPORTED_DID", "unsupported DID";
    /// A DID string is malformed.
    InvalidDid = "INVALID_DID", "invalid DID";
    /// Key material is malformed (wrong length, not on the curve, bad seed).
    InvalidKey = "INVALID_KEY", "invalid key";
    /// A value could not be encoded (e.g. a float that DAG-CBOR forbids).
    Encode = "ENCODE_FAILED", "encoding failed";
    /// The platform's secure random source failed.
    Random = "RANDOM_UNAVAILABLE", "random source unavailable";
    /// An external signer (wallet, extension, callback) failed or returned a malformed signature.
    Signer = "SIGNER_FAILED", "signer failed";
    /// The signer declined to sign: its user rejected the request (a wallet's "Reject", an
    /// EIP-1193 error 4001). Nothing was signed or sent.
    SignerRejected = "SIGNER_REJECTED", "signer rejected the request";
    /// A CACAO capability is malformed or of an unsupported kind.
    InvalidCapability = "INVALID_CAPABILITY", "invalid capability";
    /// A CACAO's own signature does not verify.
    BadCapabilitySignature = "BAD_CAPABILITY_SIGNATURE", "bad capability signature";
    /// A CACAO is past its `exp` (plus phase-out and skew) at the time checked.
    CapabilityExpired = "CAPABILITY_EXPIRED", "capability expired";
    /// A CACAO's `iat` or `nbf` is after the time checked (plus skew).
    CapabilityNotYetValid = "CAPABILITY_NOT_YET_VALID", "capability not yet valid";
    /// A CACAO's `aud` is not the DID that signed the event.
    CapabilityAudienceMismatch = "CAPABILITY_AUDIENCE_MISMATCH", "capability audience mismatch";
    /// A CACAO's `iss` is not the stream's controller.
    CapabilityIssuerMismatch = "CAPABILITY_ISSUER_MISMATCH", "capability issuer mismatch";
    /// A CACAO grants no resources at all.
    CapabilityNoResource = "CAPABILITY_NO_RESOURCE", "capability has no resources";
    /// None of a CACAO's resources covers this stream or model.
    CapabilityResourceDenied = "CAPABILITY_RESOURCE_DENIED", "capability does not cover this stream";
    /// The event is signed by a DID that is not the controller, without a capability.
    UnauthorizedSigner = "UNAUTHORIZED_SIGNER", "signer is not the controller";
    /// A time event's Merkle path does not lead from the proof root to `prev`, or its proof is malformed.
    BadAnchorProof = "BAD_ANCHOR_PROOF", "bad anchor proof";
    /// The anchoring transaction does not commit to the proof's root.
    AnchorTxMismatch = "ANCHOR_TX_MISMATCH", "anchor transaction mismatch";
    /// The anchoring transaction was not sent to a Ceramic anchor contract.
    AnchorContractMismatch = "ANCHOR_CONTRACT_MISMATCH", "anchor contract mismatch";
    /// The Ethereum provider, or a transaction it returned, is on another chain than the proof's.
    AnchorChainMismatch = "ANCHOR_CHAIN_MISMATCH", "anchor chain mismatch";
    /// The block the provider returned is not the one the anchoring transaction is in.
    AnchorBlockMismatch = "ANCHOR_BLOCK_MISMATCH", "anchor block mismatch";
    /// The blockchain RPC failed or answered something unusable.
    ChainRpc = "CHAIN_RPC", "chain RPC failed";
    /// An event's `id` or `prev` does not link into the stream's log.
    BrokenLink = "BROKEN_LINK", "broken link";
    /// An event does not follow the current tip (a fork).
    Fork = "FORK", "fork";
    /// A Model definition breaks the model rules.
    InvalidModel = "INVALID_MODEL", "invalid model";
    /// Document content does not validate against its model's JSON schema.
    SchemaViolation = "SCHEMA_VIOLATION", "schema violation";
    /// A JSON-Patch cannot be applied.
    InvalidPatch = "INVALID_PATCH", "invalid patch";
    /// Rule 1: a document needs exactly one valid controller DID.
    MidController = "MID_CONTROLLER", "document controller";
    /// Rule 1: a document's `model` must be a Model StreamID (type 2).
    MidModelType = "MID_MODEL_TYPE", "document model";
    /// Rule 2: documents cannot be created on interface Models.
    MidInterfaceModel = "MID_INTERFACE_MODEL", "interface model";
    /// Rule 3: `unique` does not fit the model's account relation.
    MidUnique = "MID_UNIQUE", "document unique";
    /// Rule 4: deterministic inits carry no content, signed inits must.
    MidGenesisContent = "MID_GENESIS_CONTENT", "document genesis content";
    /// Rule 5: content is over the 16 000 000-byte limit.
    MidTooLarge = "MID_TOO_LARGE", "document too large";
    /// Rule 6: a set document's `unique` is not its joined set field values.
    MidSetUnique = "MID_SET_UNIQUE", "set unique mismatch";
    /// Rule 6: a set field changed after the first data event.
    MidSetFieldChanged = "MID_SET_FIELD_CHANGED", "set field changed";
    /// Rule 7: a patch touches an immutable field.
    MidImmutableField = "MID_IMMUTABLE_FIELD", "immutable field";
    /// Rule 8: a relation value is not a StreamID of the related model.
    MidRelation = "MID_RELATION", "document relation";
    /// The node refused the request (HTTP 400); the node's message is kept.
    NodeRejected = "NODE_REJECTED", "node rejected the request";
    /// The node does not have what was asked for (HTTP 404).
    NotFound = "NOT_FOUND", "not found";
    /// The node failed (HTTP 5xx) or answered something unusable.
    NodeError = "NODE_ERROR", "node error";
    /// The node did not answer in time.
    Timeout = "TIMEOUT", "timed out";
    /// The node could not be reached.
    Network = "NETWORK", "network error";
    /// The caller cancelled the request (AbortSignal).
    Aborted = "ABORTED", "aborted";
    /// What the node claims differs from what its events prove.
    NodeMismatch = "NODE_MISMATCH", "node state mismatch";
    /// A lazily loaded part of the package (P-256 and secp256k1) is needed but is not loaded, or
    /// could not be loaded. The package's JS loads the part and runs the call again on its own:
    /// callers see this code only when loading failed (offline, blocked URL).
    PartNotLoaded = "PART_NOT_LOADED", "part not loaded";
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.prefix())?;
        f.write_str(": ")?;
        f.write_str(self.detail())
    }
}

impl std::error::Error for Error {}

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
