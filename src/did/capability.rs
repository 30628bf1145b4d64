//! A CACAO's own signature, by its kind. The dispatch lives above the kinds (`siwx`, `webauthn`),
//! which build on the `cacao` type; `cacao` itself knows none of them.

use std::cell::RefCell;

use cid::Cid;

use super::cacao::Cacao;
use crate::error::{Error, Result};

/// How many verified CACAOs [`Cacao::verify_signature_of`] remembers.
const KEPT: usize = 32;

std::thread_local! {
    /// CIDs of CACAO blocks whose signature verified, oldest first. A session signs every event
    /// of a document under one CACAO, and its eip191 or webauthn check is an ECDSA verification
    /// or recovery (~1.7 ms in wasm): checked once, not once per event. Searched, not hashed.
    static VERIFIED: RefCell<Vec<Cid>> = const { RefCell::new(Vec::new()) };
}

impl Cacao {
    /// Verify the CACAO's own signature (by its issuer over its SIWx message). In the npm
    /// package this is in the lazily loaded part (`PART_NOT_LOADED` until it is loaded).
    pub fn verify_signature(&self) -> Result<()> {
        self.signature_in_part(crate::part::require("CACAO signature verification")?)
    }

    /// The part's root for a CACAO's signature (never inlined: `scripts/split-part.mjs` finds it
    /// by name).
    #[inline(never)]
    fn signature_in_part(&self, _: crate::part::Loaded) -> Result<()> {
        match self.s.t.as_str() {
            "eip191" => super::siwx::verify_eip191(self),
            "solana:ed25519" => super::siwx::verify_solana(self),
            "webauthn:p256" => super::webauthn::verify(self),
            other => Err(Error::InvalidCapability(format!(
                "CACAO signature type {} is not supported (ceramic-one rejects it too)",
                crate::codec::quoted(other)
            ))),
        }
    }

    /// [`verify_signature`](Self::verify_signature) of the CACAO whose block is `cid` — a CID
    /// checked against the block's bytes, as every block of a decoded event is — remembered: a
    /// CID names the bytes, so the verdict holds wherever the same block comes again.
    pub fn verify_signature_of(&self, cid: &Cid) -> Result<()> {
        if VERIFIED.with(|v| v.borrow().contains(cid)) {
            return Ok(());
        }
        self.verify_signature()?;
        VERIFIED.with(|v| {
            let mut v = v.borrow_mut();
            if v.len() == KEPT {
                v.remove(0);
            }
            v.push(*cid);
        });
        Ok(())
    }
}
