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
