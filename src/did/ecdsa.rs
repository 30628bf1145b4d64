//! ECDSA on P-256 and secp256k1: the one seam to the `ceramic-wasm-ecdsa` crate (`ecdsa/`).
//!
//! These curves are needed only by did:keys other than Ed25519 (ES256, ES256K JWS) and by CACAO
//! kinds (eip191 recovers a secp256k1 key, webauthn:p256 verifies a P-256 signature), so in the
//! npm package they live in the lazily loaded part ([`crate::part`]): the two `_in_part`
//! functions below are its roots, called only once [`crate::part::require`] passed.

use crate::error::{Error, Result};

pub use ceramic_wasm_ecdsa::{Curve, Failure};

/// The part's root for verification (never inlined: `scripts/split-part.mjs` finds it by name).
#[inline(never)]
fn verify_in_part(
    _: crate::part::Loaded,
    curve: Curve,
    key: &[u8],
    prehash: &[u8; 32],
    sig: &[u8],
) -> std::result::Result<(), Failure> {
    ceramic_wasm_ecdsa::verify_prehash(curve, key, prehash, sig)
}

/// The part's root for secp256k1 recovery.
#[inline(never)]
fn recover_in_part(
    _: crate::part::Loaded,
    prehash: &[u8; 32],
    rs: &[u8],
    v: u8,
) -> Option<Vec<u8>> {
    ceramic_wasm_ecdsa::recover_secp256k1(prehash, rs, v)
}

/// Verify an ECDSA signature (raw `r ‖ s`, high-S accepted as ceramic-one and js-did accept it)
/// by the SEC1 public key `key` over SHA-256(`msg`). Errors: `INVALID_KEY` for a key that is not on
/// the curve, `BAD_SIGNATURE` otherwise, `PART_NOT_LOADED` before the part is loaded.
pub fn verify(curve: Curve, key: &[u8], msg: &[u8], sig: &[u8]) -> Result<()> {
    // Hashed here, where SHA-256 is linked anyway: the part carries no hash function.
    let prehash = crate::codec::sha2::sha256(msg);
    let loaded = crate::part::require("P-256 and secp256k1 verification")?;
    let outcome = verify_in_part(loaded, curve, key, &prehash, sig);
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
    let loaded = crate::part::require("secp256k1 recovery")?;
    let key = recover_in_part(loaded, prehash, rs, v);
    key.ok_or_else(|| {
        Error::BadCapabilitySignature("eip191 signature recovers no secp256k1 key".into())
    })
}
