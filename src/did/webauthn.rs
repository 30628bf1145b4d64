//! `webauthn:p256` CACAO signatures (filled in below).

use super::cacao::Cacao;
use crate::error::{Error, Result};

pub(crate) fn verify(_cacao: &Cacao) -> Result<()> {
    Err(Error::InvalidCapability(
        "webauthn:p256 is not implemented yet".into(),
    ))
}
