//! Sign-In-With-X signature checks for CACAOs: `eip191` (Ethereum personal_sign over the SIWE
//! text, secp256k1 public-key recovery) and `solana:ed25519` (Ed25519 over the SIWS text).

use sha3::{Digest, Keccak256};

use super::cacao::{parse_pkh, Cacao};
use crate::codec::multibase;
use crate::error::{Error, Result};

fn keccak(bytes: &[u8]) -> [u8; 32] {
    Keccak256::digest(bytes).into()
}

/// EIP-191 personal_sign digest: keccak256("\x19Ethereum Signed Message:\n" ‖ len ‖ msg).
pub fn eip191_digest(msg: &[u8]) -> [u8; 32] {
    let mut h = Keccak256::new();
    h.update(format!("\x19Ethereum Signed Message:\n{}", msg.len()).as_bytes());
    h.update(msg);
    h.finalize().into()
}

/// EIP-55 mixed-case checksum form of a hex address (with `0x`).
pub fn eip55(address: &str) -> String {
    let mut hex = address;
    while let Some(rest) = hex.strip_prefix("0x") {
        hex = rest; // as `trim_start_matches("0x")`, without the substring searcher's code
    }
    let lower = hex.to_ascii_lowercase();
    let hash = keccak(lower.as_bytes());
    let mut out = String::with_capacity(42);
    out.push_str("0x");
    for (i, c) in lower.chars().enumerate() {
        let nibble =
            (hash.get(i / 2).copied().unwrap_or(0) >> if i % 2 == 0 { 4 } else { 0 }) & 0xf;
        out.push(if c.is_ascii_alphabetic() && nibble >= 8 {
            c.to_ascii_uppercase()
        } else {
            c
        });
    }
    out
}

/// The Ethereum address (lower-case, `0x…`) that signed `digest` with the 65-byte `r‖s‖v`.
pub fn recover_address(digest: &[u8; 32], sig: &[u8]) -> Result<String> {
    let bad = |m: String| Error::BadCapabilitySignature(m);
    let (rs, v) = match sig {
        [rs @ .., v] if rs.len() == 64 => (rs, *v),
        _ => {
            return Err(bad(format!(
                "eip191 signature of {} bytes, expected 65",
                sig.len()
            )))
        }
    };
    let v = match v {
        27 | 28 => v - 27,
        0 | 1 => v,
        other => {
            return Err(bad(format!(
                "eip191 recovery byte {other} is not 0, 1, 27 or 28"
            )))
        }
    };
    let uncompressed = super::ecdsa::recover_secp256k1(digest, rs, v)?;
    let hash = keccak(uncompressed.get(1..).unwrap_or_default());
    let mut addr = String::from("0x");
    for b in hash.get(12..).unwrap_or_default() {
        addr.push_str(&format!("{b:02x}"));
    }
    Ok(addr)
}

/// Verify an `eip191` CACAO: rebuild the SIWE message (lower-case address first, then the EIP-55
/// form; current and, for old CACAOs, legacy line order), recover the signer and compare it with
/// the `iss` address.
pub(crate) fn verify_eip191(cacao: &Cacao) -> Result<()> {
    let pkh = parse_pkh(&cacao.p.iss)?;
    if pkh.namespace != "eip155" {
        return Err(Error::InvalidCapability(format!(
            "eip191 signature on a non-Ethereum issuer {}",
            cacao.p.iss
        )));
    }
    let hex = cacao.s.s.strip_prefix("0x").unwrap_or(&cacao.s.s);
    let sig = decode_hex(hex)
        .ok_or_else(|| Error::BadCapabilitySignature("eip191 signature is not hex".into()))?;
    let want = pkh.address.to_ascii_lowercase();
    let mut last = None;
    // As rust-ceramic: the address as written in `iss`, then its EIP-55 form (the pkh-ethereum
    // vectors are signed over the checksummed address), plus the lower-case form.
    let mut forms = vec![pkh.address.to_string(), eip55(&want), want.clone()];
    forms.dedup();
    for address in forms {
        for msg in cacao.messages("Ethereum", &address)? {
            match recover_address(&eip191_digest(msg.as_bytes()), &sig) {
                Ok(got) if got == want => return Ok(()),
                Ok(got) => last = Some(got),
                Err(e) => return Err(e),
            }
        }
    }
    Err(Error::BadCapabilitySignature(format!(
        "the SIWE message was not signed by {} (recovered {})",
        pkh.address,
        last.unwrap_or_default()
    )))
}

/// Verify a `solana:ed25519` CACAO: Ed25519 by the issuer's address (base58 public key) over the
/// SIWS message; the signature is base58btc.
pub(crate) fn verify_solana(cacao: &Cacao) -> Result<()> {
    let pkh = parse_pkh(&cacao.p.iss)?;
    if pkh.namespace != "solana" {
        return Err(Error::InvalidCapability(format!(
            "solana:ed25519 signature on a non-Solana issuer {}",
            cacao.p.iss
        )));
    }
    let key = base58(pkh.address)
        .ok_or_else(|| Error::InvalidDid(format!("{}: address is not base58", cacao.p.iss)))?;
    let key: [u8; 32] = key
        .try_into()
        .map_err(|_| Error::InvalidKey(format!("{}: not a 32-byte key", cacao.p.iss)))?;
    let sig = base58(&cacao.s.s).ok_or_else(|| {
        Error::BadCapabilitySignature("solana:ed25519 signature is not base58".into())
    })?;
    let key = super::PublicKey::Ed25519(key);
    for msg in cacao.messages("Solana", pkh.address)? {
        if key
            .verify(super::Algorithm::EdDSA, msg.as_bytes(), &sig)
            .is_ok()
        {
            return Ok(());
        }
    }
    Err(Error::BadCapabilitySignature(format!(
        "the SIWS message was not signed by {}",
        pkh.address
    )))
}

fn base58(s: &str) -> Option<Vec<u8>> {
    multibase::decode_base(multibase::Base::Base58Btc, s).ok()
}

pub(crate) fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    multibase::decode_base(multibase::Base::Base16Lower, &s.to_ascii_lowercase()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eip55_vectors() {
        // From EIP-55.
        for a in [
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
            "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        ] {
            assert_eq!(eip55(&a.to_ascii_lowercase()), a);
        }
    }

    /// protocol.md §4.4: the SIWE text of the rust-ceramic CACAO vector and its digest/recovery.
    #[test]
    fn siwe_digest_and_recovery_vector() {
        let msg = "test wants you to sign in with your Ethereum account:\n0x3794d4f077c08d925ff8ff820006b7353299b200\n\nGive this application access to some of your data on Ceramic\n\nURI: did:key:z6Mkr4a3Z3FFaJF8YqWnWnVHqd5eDjZN9bDST6wVZC1hJ81P\nVersion: 1\nChain ID: 1\nNonce: wPiCOcpkll\nIssued At: 2024-06-12T20:04:42.464Z\nExpiration Time: 2024-06-19T20:04:42.464Z\nResources:\n- ceramic://*";
        assert_eq!(
            hex::encode(eip191_digest(msg.as_bytes())),
            "a3d5b0bad8e1fe42ebc80552245d67712f652a54fe714708dd974fbdea260d59"
        );
    }

    #[test]
    fn recovery_rejects_bad_lengths_and_v() {
        let d = [7u8; 32];
        assert_eq!(
            recover_address(&d, &[0; 64]).unwrap_err().code(),
            "BAD_CAPABILITY_SIGNATURE"
        );
        let mut sig = [1u8; 65];
        sig[64] = 0xaa;
        assert_eq!(
            recover_address(&d, &sig).unwrap_err().code(),
            "BAD_CAPABILITY_SIGNATURE"
        );
    }
}
