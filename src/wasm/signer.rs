use wasm_bindgen::prelude::*;

use super::JsResult;
use crate::did::{Ed25519Signer, Signer};

/// A did:key Ed25519 identity. The private key stays in wasm memory (zeroized when freed) unless
/// exported with `exportSeed()`.
///
/// ```ts
/// const signer = KeyDidSigner.generate();
/// signer.did; // "did:key:z6Mk…"
/// signer.free(); // wipes the key
/// ```
#[wasm_bindgen(js_name = KeyDidSigner)]
pub struct JsKeyDidSigner(pub(crate) Ed25519Signer);

#[wasm_bindgen(js_class = KeyDidSigner)]
impl JsKeyDidSigner {
    /// A new random key from `crypto.getRandomValues`.
    ///
    /// ```ts
    /// const signer = KeyDidSigner.generate();
    /// ```
    pub fn generate() -> JsResult<JsKeyDidSigner> {
        Ok(JsKeyDidSigner(Ed25519Signer::generate()?))
    }

    /// The key with this 32-byte seed.
    ///
    /// ```ts
    /// const signer = KeyDidSigner.fromSeed(new Uint8Array(32));
    /// ```
    #[wasm_bindgen(js_name = fromSeed)]
    pub fn from_seed(seed: &[u8]) -> JsResult<JsKeyDidSigner> {
        Ok(JsKeyDidSigner(Ed25519Signer::from_seed(seed)?))
    }

    /// The DID, `did:key:z6Mk…`.
    ///
    /// ```ts
    /// signer.did;
    /// ```
    #[wasm_bindgen(getter)]
    pub fn did(&self) -> String {
        self.0.did().into()
    }

    /// The 32-byte public key.
    ///
    /// ```ts
    /// signer.publicKey; // Uint8Array(32)
    /// ```
    #[wasm_bindgen(getter, js_name = publicKey)]
    pub fn public_key(&self) -> Vec<u8> {
        self.0.public_key().to_vec()
    }

    /// Export the private seed (32 bytes). Only call this to back the key up.
    ///
    /// ```ts
    /// const seed = signer.exportSeed();
    /// ```
    #[wasm_bindgen(js_name = exportSeed)]
    pub fn export_seed(&self) -> Vec<u8> {
        self.0.export_seed().to_vec()
    }
}
