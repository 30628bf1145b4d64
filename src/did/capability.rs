//! A CACAO's own signature, by its kind. The dispatch lives above the kinds (`siwx`, `webauthn`),
//! which build on the `cacao` type; `cacao` itself knows none of them.

use super::cacao::Cacao;
use crate::error::{Error, Result};

impl Cacao {
    /// Verify the CACAO's own signature (by its issuer over its SIWx message).
    pub fn verify_signature(&self) -> Result<()> {
        match self.s.t.as_str() {
            "eip191" => super::siwx::verify_eip191(self),
            "solana:ed25519" => super::siwx::verify_solana(self),
            "webauthn:p256" => super::webauthn::verify(self),
            other => Err(Error::InvalidCapability(format!(
                "CACAO signature type {other:?} is not supported (ceramic-one rejects it too)"
            ))),
        }
    }
}
