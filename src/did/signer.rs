use std::future::Future;
use std::{fmt, str::FromStr};

use crate::codec::Block;
use crate::error::{Error, Result};

/// JWS signature algorithms Ceramic nodes accept on did:key signers.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// Ed25519.
    EdDSA,
    /// ECDSA over P-256 with SHA-256.
    ES256,
    /// ECDSA over secp256k1 with SHA-256.
    ES256K,
}

impl Algorithm {
    /// The JOSE `alg` name.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::EdDSA => "EdDSA",
            Algorithm::ES256 => "ES256",
            Algorithm::ES256K => "ES256K",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Algorithm {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "EdDSA" => Ok(Algorithm::EdDSA),
            "ES256" => Ok(Algorithm::ES256),
            "ES256K" => Ok(Algorithm::ES256K),
            other => Err(Error::UnsupportedDid(format!(
                "JWS algorithm {} is not supported",
                crate::codec::quoted(other)
            ))),
        }
    }
}

/// Something that signs Ceramic events: a key held in wasm memory, or (at the JS boundary) a
/// wallet or extension. Synchronous, like rust-ceramic's; asynchronous signers use the two-step
/// [`crate::events::SigningRequest`] instead.
pub trait Signer {
    /// The signer's DID (the `kid` without fragment).
    fn did(&self) -> &str;
    /// The JWS algorithm of its signatures.
    fn algorithm(&self) -> Algorithm;
    /// The JWS `kid`; by default `did#<method-specific id>`, as js-did writes it.
    fn kid(&self) -> String {
        kid_for(self.did())
    }
    /// Sign the JWS signing input; returns the raw signature (64 bytes for the algorithms here).
    fn sign(&self, signing_input: &[u8]) -> Result<Vec<u8>>;
    /// Whether its signatures are valid by construction (a key held in this crate), so that
    /// events it signs need no check before they are sent. Default: no, they are checked.
    fn trusted(&self) -> bool {
        false
    }
}

/// The `kid` js-did writes for a DID: `did + "#" + did.split(":")[2]`.
pub fn kid_for(did: &str) -> String {
    let fragment = did.splitn(3, ':').nth(2).unwrap_or(did);
    format!("{did}#{fragment}")
}

/// Something that signs events, possibly asynchronously (a wallet, an extension, a JS callback)
/// and possibly under a capability (a CACAO session). Every [`Signer`] is one.
pub trait AsyncSigner {
    /// The DID whose key signs (the session key for CACAO sessions).
    fn did(&self) -> &str;
    /// The account that controls the streams it creates (the CACAO issuer, or `did`).
    fn controller(&self) -> &str {
        self.did()
    }
    /// JWS algorithm.
    fn algorithm(&self) -> Algorithm;
    /// JWS `kid`.
    fn kid(&self) -> String;
    /// The CACAO block the signer acts under, if any.
    fn capability(&self) -> Option<&Block> {
        None
    }
    /// Sign the JWS signing input.
    fn sign(&self, input: Vec<u8>) -> impl Future<Output = Result<Vec<u8>>>;
    /// Sign the signing input of an event whose payload block is `payload` (the block whose CID
    /// the input signs). Signers that show their user what they sign (a wallet) read the payload;
    /// the default ignores it.
    fn sign_event(&self, input: Vec<u8>, payload: &Block) -> impl Future<Output = Result<Vec<u8>>> {
        let _ = payload;
        self.sign(input)
    }
    /// Whether its signatures are valid by construction (see [`Signer::trusted`]).
    fn trusted(&self) -> bool {
        false
    }
}

impl<S: Signer> AsyncSigner for S {
    fn did(&self) -> &str {
        Signer::did(self)
    }
    fn algorithm(&self) -> Algorithm {
        Signer::algorithm(self)
    }
    fn kid(&self) -> String {
        Signer::kid(self)
    }
    async fn sign(&self, input: Vec<u8>) -> Result<Vec<u8>> {
        Signer::sign(self, &input)
    }
    fn trusted(&self) -> bool {
        Signer::trusted(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kid_and_alg() {
        assert_eq!(kid_for("did:key:z6Mkabc"), "did:key:z6Mkabc#z6Mkabc");
        for a in [Algorithm::EdDSA, Algorithm::ES256, Algorithm::ES256K] {
            assert_eq!(a.as_str().parse::<Algorithm>().unwrap(), a);
        }
        assert_eq!(
            "RS256".parse::<Algorithm>().unwrap_err().code(),
            "UNSUPPORTED_DID"
        );
    }
}
