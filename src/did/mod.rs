//! Identities and signatures: did:key, the [`Signer`] seam, Ed25519 keys, and DAG-JOSE (JWS)
//! envelopes as Ceramic writes them.

pub mod cacao;
mod capability;
pub mod ecdsa;
mod ed25519;
mod ed25519_verify;
pub mod jws;
mod key;
pub mod session;
mod signer;
pub mod siwx;
mod webauthn;

pub use cacao::{Cacao, TimeCheck};
pub use ed25519::Ed25519Signer;
pub use ed25519_verify::Ed25519Batch;
pub use jws::{Envelope, JwsSignature, ProtectedHeader, VerifiedSignature};
pub use key::{DidKey, PublicKey};
pub use session::{CacaoSession, SessionParams, SessionRequest};
pub use signer::{kid_for, Algorithm, AsyncSigner, Signer};
