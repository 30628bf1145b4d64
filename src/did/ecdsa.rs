//! ECDSA on P-256 and secp256k1: the only place that uses the `p256` and `k256` crates.
//!
//! These curves are needed only by did:keys other than Ed25519 (ES256, ES256K JWS) and by CACAO
//! kinds (eip191 recovers a secp256k1 key, webauthn:p256 verifies a P-256 signature); together they
//! are ~118 KB of the wasm (BENCHMARKS.md). They sit behind the cargo feature `ecdsa` (on by
//! default) and three functions, so that a build without them can take them from elsewhere (a
//! second, lazily loaded module): without the feature every call answers `UNSUPPORTED_DID` unless
//! a backend was installed with [`set_backend`].

use crate::error::{Error, Result};

/// The two curves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    /// NIST P-256 (ES256).
    P256,
    /// secp256k1 (ES256K, Ethereum).
    Secp256k1,
}

/// What a build without the `ecdsa` feature calls instead of the curve crates.
pub trait Backend {
    /// Verify `sig` (raw 64-byte `r ‖ s`; high-S accepted) by the SEC1 `key` over SHA-256(`msg`).
    fn verify(&self, curve: Curve, key: &[u8], msg: &[u8], sig: &[u8]) -> Result<()>;
    /// The uncompressed SEC1 secp256k1 key (65 bytes) that signed the 32-byte `prehash` with
    /// `rs` (64 bytes) and recovery id `v` (0 or 1).
    fn recover_secp256k1(&self, prehash: &[u8; 32], rs: &[u8], v: u8) -> Result<Vec<u8>>;
}

#[cfg(not(feature = "ecdsa"))]
std::thread_local! {
    static BACKEND: std::cell::RefCell<Option<Box<dyn Backend>>> = const { std::cell::RefCell::new(None) };
}

/// Install the backend a build without the `ecdsa` feature uses (no effect with the feature).
pub fn set_backend(backend: Box<dyn Backend>) {
    #[cfg(not(feature = "ecdsa"))]
    BACKEND.with(|b| *b.borrow_mut() = Some(backend));
    #[cfg(feature = "ecdsa")]
    drop(backend);
}

/// Whether P-256 and secp256k1 are available (built in, or a backend installed).
pub fn available() -> bool {
    #[cfg(feature = "ecdsa")]
    return true;
    #[cfg(not(feature = "ecdsa"))]
    BACKEND.with(|b| b.borrow().is_some())
}

#[cfg(not(feature = "ecdsa"))]
fn with_backend<T>(f: impl FnOnce(&dyn Backend) -> Result<T>) -> Result<T> {
    BACKEND.with(|b| match b.borrow().as_deref() {
        Some(backend) => f(backend),
        None => Err(Error::UnsupportedDid(
            "P-256 and secp256k1 are not loaded in this build".into(),
        )),
    })
}

/// Verify an ECDSA signature (raw `r ‖ s`, high-S accepted as ceramic-one and js-did accept it)
/// by the SEC1 public key `key` over SHA-256(`msg`). Errors: `INVALID_KEY` for a key that is not on
/// the curve, `BAD_SIGNATURE` otherwise.
pub fn verify(curve: Curve, key: &[u8], msg: &[u8], sig: &[u8]) -> Result<()> {
    #[cfg(not(feature = "ecdsa"))]
    return with_backend(|b| b.verify(curve, key, msg, sig));
    #[cfg(feature = "ecdsa")]
    {
        let bad = |what: &str| Error::BadSignature(format!("{curve:?} signature {what}"));
        match curve {
            Curve::P256 => {
                use p256::ecdsa::signature::Verifier;
                let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(key)
                    .map_err(|e| Error::InvalidKey(format!("P-256 public key: {e}")))?;
                let sig = p256::ecdsa::Signature::from_slice(sig)
                    .map_err(|_| bad("is not a 64-byte r||s"))?;
                key.verify(msg, &sig.normalize_s())
                    .map_err(|_| bad("does not verify"))
            }
            Curve::Secp256k1 => {
                use k256::ecdsa::signature::Verifier;
                let key = k256::ecdsa::VerifyingKey::from_sec1_bytes(key)
                    .map_err(|e| Error::InvalidKey(format!("secp256k1 public key: {e}")))?;
                let sig = k256::ecdsa::Signature::from_slice(sig)
                    .map_err(|_| bad("is not a 64-byte r||s"))?;
                key.verify(msg, &sig.normalize_s())
                    .map_err(|_| bad("does not verify"))
            }
        }
    }
}

/// The uncompressed SEC1 secp256k1 public key (65 bytes) that made the signature `rs` (64 bytes)
/// with recovery id `v` (0 or 1) over the 32-byte `prehash`.
pub fn recover_secp256k1(prehash: &[u8; 32], rs: &[u8], v: u8) -> Result<Vec<u8>> {
    #[cfg(not(feature = "ecdsa"))]
    return with_backend(|b| b.recover_secp256k1(prehash, rs, v));
    #[cfg(feature = "ecdsa")]
    {
        let bad = |m: String| Error::BadCapabilitySignature(m);
        let sig = k256::ecdsa::Signature::from_slice(rs).map_err(|e| bad(format!("r||s: {e}")))?;
        let id =
            k256::ecdsa::RecoveryId::from_byte(v).ok_or_else(|| bad(format!("recovery id {v}")))?;
        let key = k256::ecdsa::VerifyingKey::recover_from_prehash(prehash, &sig, id)
            .map_err(|e| bad(format!("recovery failed: {e}")))?;
        Ok(key.to_sec1_point(false).as_bytes().to_vec())
    }
}
