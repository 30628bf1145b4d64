//! ECDSA on P-256 and secp256k1 for ceramic-wasm, through the `p256` and `k256` crates.
//!
//! Only did:keys other than Ed25519 (ES256, ES256K JWS) and two CACAO kinds (eip191 recovers a
//! secp256k1 key, webauthn:p256 verifies a P-256 signature) need these curves, and they are about a
//! sixth of the wasm. So they live in this crate: native builds of ceramic-wasm link it (its cargo
//! feature `ecdsa`); the npm package builds it, with the feature `bindings`, as a second wasm module
//! that its JS loads by dynamic `import()` the first time a call needs it, and hands to the main
//! module (`src/wasm/lazy.rs` in ceramic-wasm).

/// The two curves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    /// NIST P-256 (ES256).
    P256,
    /// secp256k1 (ES256K, Ethereum).
    Secp256k1,
}

/// Why a verification failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The public key is not a SEC1 point on the curve.
    InvalidKey,
    /// The signature is not 64 bytes `r ‖ s` with both in range.
    MalformedSignature,
    /// The signature does not verify.
    Mismatch,
}

/// Verify `sig` (raw 64-byte `r ‖ s`; high-S accepted, as ceramic-one and js-did accept it) by the
/// SEC1 public key `key` over SHA-256(`msg`).
pub fn verify(curve: Curve, key: &[u8], msg: &[u8], sig: &[u8]) -> Result<(), Failure> {
    match curve {
        Curve::P256 => {
            use p256::ecdsa::signature::Verifier;
            let key =
                p256::ecdsa::VerifyingKey::from_sec1_bytes(key).map_err(|_| Failure::InvalidKey)?;
            let sig =
                p256::ecdsa::Signature::from_slice(sig).map_err(|_| Failure::MalformedSignature)?;
            key.verify(msg, &sig.normalize_s())
                .map_err(|_| Failure::Mismatch)
        }
        Curve::Secp256k1 => {
            use k256::ecdsa::signature::Verifier;
            let key =
                k256::ecdsa::VerifyingKey::from_sec1_bytes(key).map_err(|_| Failure::InvalidKey)?;
            let sig =
                k256::ecdsa::Signature::from_slice(sig).map_err(|_| Failure::MalformedSignature)?;
            key.verify(msg, &sig.normalize_s())
                .map_err(|_| Failure::Mismatch)
        }
    }
}

/// The uncompressed SEC1 secp256k1 public key (65 bytes) that made the signature `rs` (64 bytes)
/// with recovery id `v` (0 or 1) over the 32-byte `prehash`; `None` when no key did.
pub fn recover_secp256k1(prehash: &[u8], rs: &[u8], v: u8) -> Option<Vec<u8>> {
    let sig = k256::ecdsa::Signature::from_slice(rs).ok()?;
    let id = k256::ecdsa::RecoveryId::from_byte(v)?;
    let key = k256::ecdsa::VerifyingKey::recover_from_prehash(prehash, &sig, id).ok()?;
    Some(key.to_sec1_point(false).as_bytes().to_vec())
}

/// The second module's exports (what ceramic-wasm's JS hands to the main module).
#[cfg(all(feature = "bindings", target_arch = "wasm32"))]
mod bindings {
    use super::{Curve, Failure};
    use wasm_bindgen::prelude::*;

    /// 0 verified; 1 invalid key; 2 malformed signature; 3 mismatch; 4 unknown curve
    /// (`curve`: 0 P-256, 1 secp256k1).
    #[wasm_bindgen(js_name = ecdsaVerify)]
    pub fn ecdsa_verify(curve: u8, key: &[u8], msg: &[u8], sig: &[u8]) -> u8 {
        let curve = match curve {
            0 => Curve::P256,
            1 => Curve::Secp256k1,
            _ => return 4,
        };
        match super::verify(curve, key, msg, sig) {
            Ok(()) => 0,
            Err(Failure::InvalidKey) => 1,
            Err(Failure::MalformedSignature) => 2,
            Err(Failure::Mismatch) => 3,
        }
    }

    /// The recovered key (65 bytes), or an empty array when none.
    #[wasm_bindgen(js_name = recoverSecp256k1)]
    pub fn recover_secp256k1(prehash: &[u8], rs: &[u8], v: u8) -> Vec<u8> {
        super::recover_secp256k1(prehash, rs, v).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_and_recovers() {
        use k256::ecdsa::signature::Signer;
        let sk = k256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
        let pk = sk.verifying_key().to_sec1_point(true);
        let sig: k256::ecdsa::Signature = sk.sign(b"hello");
        assert_eq!(
            verify(Curve::Secp256k1, pk.as_bytes(), b"hello", &sig.to_bytes()),
            Ok(())
        );
        assert_eq!(
            verify(Curve::Secp256k1, pk.as_bytes(), b"hellO", &sig.to_bytes()),
            Err(Failure::Mismatch)
        );
        // 0x09 is no SEC1 point tag.
        assert_eq!(
            verify(Curve::P256, &[9; 33], b"hello", &sig.to_bytes()),
            Err(Failure::InvalidKey)
        );
        assert_eq!(
            verify(Curve::Secp256k1, pk.as_bytes(), b"hello", &[0; 63]),
            Err(Failure::MalformedSignature)
        );
        assert_eq!(recover_secp256k1(&[1; 32], &[0; 64], 0), None);
        assert_eq!(recover_secp256k1(&[1; 32], &sig.to_bytes(), 9), None);
    }
}
