//! ECDSA on P-256 and secp256k1: the one seam to the `ceramic-wasm-ecdsa` crate (`ecdsa/`).
//!
//! These curves are needed only by did:keys other than Ed25519 (ES256, ES256K JWS) and by CACAO
//! kinds (eip191 recovers a secp256k1 key, webauthn:p256 verifies a P-256 signature): ~11 KB gzip
//! as a module of its own (BENCHMARKS.md). With the cargo feature `ecdsa` (on by default: native
//! builds, the devnode) the crate is linked in. The npm package's main wasm is built without it and
//! gets the same crate, built as a second wasm module, as a [`Backend`] installed at run time when
//! a call first needs it (`src/wasm/lazy.rs`): until then every call here answers
//! `PART_NOT_LOADED`, which the JS layer takes as "load the part and run the call again".

use crate::error::{Error, Result};

pub use ceramic_wasm_ecdsa::{Curve, Failure};

/// What a build without the `ecdsa` feature calls instead of the curve crate. `Err` is for the
/// backend itself failing (`PART_NOT_LOADED`), never for a bad signature.
pub trait Backend {
    /// As `ceramic_wasm_ecdsa::verify_prehash` (`prehash`: SHA-256 of the message).
    fn verify(
        &self,
        curve: Curve,
        key: &[u8],
        prehash: &[u8; 32],
        sig: &[u8],
    ) -> Result<Result<(), Failure>>;
    /// As `ceramic_wasm_ecdsa::recover_secp256k1`.
    fn recover_secp256k1(&self, prehash: &[u8; 32], rs: &[u8], v: u8) -> Result<Option<Vec<u8>>>;
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
        None => Err(Error::PartNotLoaded(
            "P-256 and secp256k1 (the ecdsa part) are not loaded".into(),
        )),
    })
}

/// Verify an ECDSA signature (raw `r ‖ s`, high-S accepted as ceramic-one and js-did accept it)
/// by the SEC1 public key `key` over SHA-256(`msg`). Errors: `INVALID_KEY` for a key that is not on
/// the curve, `BAD_SIGNATURE` otherwise, `PART_NOT_LOADED` before the part is loaded.
pub fn verify(curve: Curve, key: &[u8], msg: &[u8], sig: &[u8]) -> Result<()> {
    // Hashed here, where SHA-256 is linked anyway: the part carries no hash function.
    let prehash = crate::codec::sha2::sha256(msg);
    #[cfg(not(feature = "ecdsa"))]
    let outcome = with_backend(|b| b.verify(curve, key, &prehash, sig))?;
    #[cfg(feature = "ecdsa")]
    let outcome = ceramic_wasm_ecdsa::verify_prehash(curve, key, &prehash, sig);
    // The curve's name as its `Debug` writes it, without linking `Debug`.
    let curve = match curve {
        Curve::P256 => "P256",
        Curve::Secp256k1 => "Secp256k1",
    };
    outcome.map_err(|f| match f {
        Failure::InvalidKey => Error::InvalidKey(format!("{curve} public key is not on the curve")),
        Failure::MalformedSignature => {
            Error::BadSignature(format!("{curve} signature is not a 64-byte r||s"))
        }
        Failure::Mismatch => Error::BadSignature(format!("{curve} signature does not verify")),
    })
}

/// The uncompressed SEC1 secp256k1 public key (65 bytes) that made the signature `rs` (64 bytes)
/// with recovery id `v` (0 or 1) over the 32-byte `prehash`. `BAD_CAPABILITY_SIGNATURE` when no
/// key did (the only use is a CACAO's eip191 signature).
pub fn recover_secp256k1(prehash: &[u8; 32], rs: &[u8], v: u8) -> Result<Vec<u8>> {
    #[cfg(not(feature = "ecdsa"))]
    let key = with_backend(|b| b.recover_secp256k1(prehash, rs, v))?;
    #[cfg(feature = "ecdsa")]
    let key = ceramic_wasm_ecdsa::recover_secp256k1(prehash, rs, v);
    key.ok_or_else(|| {
        Error::BadCapabilitySignature("eip191 signature recovers no secp256k1 key".into())
    })
}
