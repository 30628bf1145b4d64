use ed25519_dalek::{Signer as _, SigningKey};
use zeroize::Zeroizing;

use super::{Algorithm, DidKey, PublicKey, Signer};
use crate::error::{Error, Result};

/// A did:key Ed25519 identity whose private key lives only in this process's memory (wasm
/// memory in the browser). The key is zeroized on drop, never printed by `Debug`, and leaves only
/// through [`Ed25519Signer::export_seed`].
pub struct Ed25519Signer {
    key: SigningKey,
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
        let key = SigningKey::from_bytes(seed);
        let did = DidKey::from_public_key(PublicKey::Ed25519(key.verifying_key().to_bytes()));
        Ed25519Signer { key, did }
    }

    /// The did:key.
    pub fn did_key(&self) -> &DidKey {
        &self.did
    }

    /// The 32-byte public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    /// Export the private seed. The caller owns the copy (it is zeroized when dropped).
    pub fn export_seed(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.key.to_bytes())
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

    fn sign(&self, signing_input: &[u8]) -> Result<Vec<u8>> {
        Ok(self.key.sign(signing_input).to_bytes().to_vec())
    }
    /// ed25519-dalek signs deterministically with the key it holds: nothing to check.
    fn trusted(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
