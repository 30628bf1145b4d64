use std::sync::OnceLock;

use crate::codec::sha2::Sha512;
use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::EdwardsBasepointTable;
use curve25519_dalek::scalar::{clamp_integer, Scalar};
use curve25519_dalek::traits::BasepointTable;
use zeroize::{Zeroize, Zeroizing};

use super::{Algorithm, DidKey, PublicKey, Signer};
use crate::error::{Error, Result};

/// Multiples of the Ed25519 basepoint, computed once at run time (about 1 ms) instead of shipped:
/// signing with a table is 3× faster than without (BENCHMARKS.md), and curve25519-dalek's built-in
/// table would add 30 KB of incompressible constants to the wasm. That is why this file signs with
/// curve25519-dalek's primitives (RFC 8032 §5.1.6, as ed25519-dalek does) rather than
/// `ed25519_dalek::SigningKey`; the seed vectors below and the byte-identical events the JS SDK
/// makes from the same seed (tests/js/sdk-interop.test.mjs) check the result.
fn basepoint() -> &'static EdwardsBasepointTable {
    static TABLE: OnceLock<EdwardsBasepointTable> = OnceLock::new();
    TABLE.get_or_init(|| EdwardsBasepointTable::create(&ED25519_BASEPOINT_POINT))
}

/// The expanded private key (RFC 8032 §5.1.5), zeroized on drop.
#[derive(Zeroize)]
struct Secret {
    seed: [u8; 32],
    scalar: Scalar,
    prefix: [u8; 32],
}

fn sha512(parts: &[&[u8]]) -> [u8; 64] {
    let mut h = Sha512::new();
    for p in parts {
        h.update(p);
    }
    h.finalize()
}

/// A did:key Ed25519 identity whose private key lives only in this process's memory (wasm
/// memory in the browser). The key is zeroized on drop, never printed by `Debug`, and leaves only
/// through [`Ed25519Signer::export_seed`].
pub struct Ed25519Signer {
    secret: Zeroizing<Secret>,
    public: [u8; 32],
    did: DidKey,
}

impl Ed25519Signer {
    /// A new random key from the platform's secure random source (`crypto.getRandomValues` in
    /// the browser and Node, the OS elsewhere).
    pub fn generate() -> Result<Self> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut()).map_err(|e| Error::Random(e.to_string()))?;
        Ok(Self::from_seed_array(&seed))
    }

    /// The key with this 32-byte seed (RFC 8032 private key).
    pub fn from_seed(seed: &[u8]) -> Result<Self> {
        let seed: Zeroizing<[u8; 32]> = Zeroizing::new(seed.try_into().map_err(|_| {
            Error::InvalidKey(format!("an Ed25519 seed is 32 bytes, not {}", seed.len()))
        })?);
        Ok(Self::from_seed_array(&seed))
    }

    fn from_seed_array(seed: &[u8; 32]) -> Self {
        let h = Zeroizing::new(sha512(&[seed]));
        let mut lower = Zeroizing::new([0u8; 32]);
        let mut prefix = [0u8; 32];
        lower.copy_from_slice(&h[..32]);
        prefix.copy_from_slice(&h[32..]);
        let secret = Zeroizing::new(Secret {
            seed: *seed,
            scalar: Scalar::from_bytes_mod_order(clamp_integer(*lower)),
            prefix,
        });
        let public = basepoint().mul_base(&secret.scalar).compress().to_bytes();
        let did = DidKey::from_public_key(PublicKey::Ed25519(public));
        Ed25519Signer {
            secret,
            public,
            did,
        }
    }

    /// The did:key.
    pub fn did_key(&self) -> &DidKey {
        &self.did
    }

    /// The 32-byte public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.public
    }

    /// Export the private seed. The caller owns the copy (it is zeroized when dropped).
    pub fn export_seed(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.secret.seed)
    }
}

impl std::fmt::Debug for Ed25519Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ed25519Signer")
            .field("did", &self.did.as_str())
            .finish_non_exhaustive()
    }
}

impl Signer for Ed25519Signer {
    fn did(&self) -> &str {
        self.did.as_str()
    }

    fn algorithm(&self) -> Algorithm {
        Algorithm::EdDSA
    }

    fn kid(&self) -> String {
        self.did.kid()
    }

    /// RFC 8032 §5.1.6: r = H(prefix ‖ M), R = rB, S = r + H(R ‖ A ‖ M)·a (mod ℓ).
    fn sign(&self, signing_input: &[u8]) -> Result<Vec<u8>> {
        let s = &self.secret;
        let r = Zeroizing::new(Scalar::from_bytes_mod_order_wide(&sha512(&[
            &s.prefix,
            signing_input,
        ])));
        let big_r = basepoint().mul_base(&r).compress();
        let k = Scalar::from_bytes_mod_order_wide(&sha512(&[
            big_r.as_bytes(),
            &self.public,
            signing_input,
        ]));
        let big_s = k * s.scalar + *r;
        let mut sig = Vec::with_capacity(64);
        sig.extend_from_slice(big_r.as_bytes());
        sig.extend_from_slice(big_s.as_bytes());
        Ok(sig)
    }
    /// Deterministic RFC 8032 signatures with the key it holds: nothing to check.
    fn trusted(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8032_vectors_and_ed25519_dalek_agree() {
        // RFC 8032 §7.1, tests 1 and 2.
        for (seed, public, msg, sig) in [
            (
                "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
                "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
                "",
                "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
            ),
            (
                "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
                "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
                "72",
                "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
            ),
        ] {
            let key = Ed25519Signer::from_seed(&hex::decode(seed).unwrap()).unwrap();
            assert_eq!(hex::encode(key.public_key()), public);
            let got = Signer::sign(&key, &hex::decode(msg).unwrap()).unwrap();
            assert_eq!(hex::encode(got), sig);
        }
        // And ed25519-dalek's own signer, on many keys and messages.
        for i in 0..64u8 {
            let seed = [i.wrapping_mul(37).wrapping_add(1); 32];
            let msg = vec![i; usize::from(i) * 3];
            let ours = Ed25519Signer::from_seed(&seed).unwrap();
            let theirs = ed25519_dalek::SigningKey::from_bytes(&seed);
            use ed25519_dalek::Signer as _;
            assert_eq!(ours.public_key(), theirs.verifying_key().to_bytes());
            assert_eq!(
                Signer::sign(&ours, &msg).unwrap(),
                theirs.sign(&msg).to_bytes().to_vec()
            );
        }
    }

    #[test]
    fn seed_vectors() {
        for (seed, did) in [
            (
                "0000000000000000000000000000000000000000000000000000000000000000",
                "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
            ),
            (
                "df9ecf4c79e5ad77701cfc88c196632b353149d85810a381f469f8fc05dc1b92",
                "did:key:z6MktBynAPLrEyeS7pVthbiyScmfu8n5V7boXgxyo5q3SZRR",
            ),
            (
                "810d51e02cb63066b7d2d2ec67e05e18c29b938412050bdd3c04d878d8001f3c",
                "did:key:z6Mkk3rtfoKDMMG4zyarNGwCQs44GSQ49pcYKQspHJPXSnVw",
            ),
        ] {
            let s = Ed25519Signer::from_seed(&hex::decode(seed).unwrap()).unwrap();
            assert_eq!(s.did(), did);
            assert_eq!(hex::encode(*s.export_seed()), seed);
        }
    }

    #[test]
    fn generate_is_random_and_debug_hides_the_key() {
        let a = Ed25519Signer::generate().unwrap();
        let b = Ed25519Signer::generate().unwrap();
        assert_ne!(a.did(), b.did());
        let dbg = format!("{a:?}");
        assert!(dbg.contains(a.did()));
        assert!(!dbg.contains(&hex::encode(*a.export_seed())));
        assert_eq!(
            Ed25519Signer::from_seed(&[0; 31]).unwrap_err().code(),
            "INVALID_KEY"
        );
    }
}
