//! Multibase strings: CARs are written as `m` (base64, no padding) like the JS SDK; StreamIDs as
//! `k` (base36), CIDs as `b` (base32), did:key as `z` (base58btc), EventIDs as `f` (base16).
//!
//! Our own codec, not the `multibase` crate: that crate links every multibase (emoji included)
//! through `data-encoding` and `base-x`, about 70 KB of wasm, where the protocol reads and writes
//! these six. Reading is strict: canonical padding and trailing bits, the alphabet of the base.

use super::base64::{DecodeError, STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use cid::Cid;

use crate::error::{Error, Result};

/// The bases this crate writes and reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    /// `f`: lower-case hex.
    Base16Lower,
    /// `b`: RFC 4648 base32, lower case, no padding.
    Base32Lower,
    /// `k`: base36, lower case.
    Base36Lower,
    /// `z`: base58, Bitcoin's alphabet.
    Base58Btc,
    /// `m`: RFC 4648 base64, no padding.
    Base64,
    /// `u`: RFC 4648 base64url, no padding.
    Base64Url,
}

const B58: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const B36: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
const B32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
const HEX: &[u8; 16] = b"0123456789abcdef";

/// ceramic-one's words (the `multibase` crate's): "Invalid base string".
fn invalid() -> Error {
    Error::InvalidMultibase("Invalid base string".into())
}

/// Base-x (58, 36) by repeated division: leading zero bytes become leading zero digits. Inputs
/// here are ids and keys (under 100 bytes), where the quadratic loop costs nothing.
fn encode_radix(bytes: &[u8], alphabet: &[u8], out: &mut Vec<u8>) {
    let radix = alphabet.len() as u32;
    let zeros = bytes.iter().take_while(|b| **b == 0).count();
    let mut digits: Vec<u8> = Vec::with_capacity(bytes.len() * 2);
    for &b in &bytes[zeros..] {
        let mut carry = u32::from(b);
        for d in digits.iter_mut() {
            carry += u32::from(*d) << 8;
            *d = (carry % radix) as u8;
            carry /= radix;
        }
        while carry > 0 {
            digits.push((carry % radix) as u8);
            carry /= radix;
        }
    }
    out.resize(out.len() + zeros, alphabet[0]);
    out.extend(digits.iter().rev().map(|d| alphabet[*d as usize]));
}

/// Base-x decoding into 32-bit limbs, as many digits per pass as fit in one (5 in base 36, 5 in
/// base 58): a StreamID is parsed on every call that names a Model, and a digit-by-digit pass
/// over bytes took 3 µs of the 70 of building an init event (BENCHMARKS.md).
fn decode_radix(s: &str, alphabet: &[u8]) -> Result<Vec<u8>> {
    let radix = alphabet.len() as u64;
    let zeros = s.bytes().take_while(|c| *c == alphabet[0]).count();
    // Little-endian base-2^32 limbs; `limbs · mul + acc` after each group of digits.
    let mut limbs: Vec<u32> = Vec::with_capacity(s.len() / 5 + 1);
    let fold = |limbs: &mut Vec<u32>, mul: u64, acc: u64| {
        // limb · mul + carry < 2^32 · 2^32: no overflow.
        let mut carry = acc;
        for l in limbs.iter_mut() {
            let v = u64::from(*l) * mul + carry;
            *l = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            limbs.push(carry as u32);
        }
    };
    let (mut mul, mut acc) = (1u64, 0u64);
    for c in s.bytes().skip(zeros) {
        let digit = alphabet.iter().position(|a| *a == c).ok_or_else(invalid)?;
        if mul * radix > 1 << 32 {
            fold(&mut limbs, mul, acc);
            (mul, acc) = (1, 0);
        }
        mul *= radix;
        acc = acc * radix + digit as u64;
    }
    fold(&mut limbs, mul, acc);
    let mut out = vec![0u8; zeros];
    let be: Vec<u8> = limbs.iter().rev().flat_map(|l| l.to_be_bytes()).collect();
    let first = be.iter().position(|b| *b != 0).unwrap_or(be.len());
    out.extend_from_slice(&be[first..]);
    Ok(out)
}

fn encode_base32(bytes: &[u8], out: &mut Vec<u8>) {
    out.reserve(bytes.len().div_ceil(5) * 8);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(B32[((acc >> bits) & 31) as usize]);
        }
    }
    if bits > 0 {
        out.push(B32[((acc << (5 - bits)) & 31) as usize]);
    }
}

fn decode_base32(s: &str) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 5 / 8);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = B32.iter().position(|a| *a == c).ok_or_else(invalid)?;
        acc = (acc << 5) | v as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
        acc &= (1 << bits) - 1;
    }
    // Canonical only: no dangling digit, no non-zero trailing bits.
    if bits >= 5 || acc != 0 {
        return Err(invalid());
    }
    Ok(out)
}

fn decode_hex(s: &str) -> Result<Vec<u8>> {
    if s.len() % 2 != 0 {
        return Err(invalid());
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Ok(c - b'0'),
        b'a'..=b'f' => Ok(c - b'a' + 10),
        _ => Err(invalid()),
    };
    s.as_bytes()
        .chunks(2)
        .map(|p| Ok((nibble(p[0])? << 4) | nibble(p[1])?))
        .collect()
}

/// Encode `bytes` in `base`, with its prefix.
pub fn encode(base: Base, bytes: &[u8]) -> String {
    // Written as bytes (speed: `String::push(char)` per symbol, with its UTF-8 step, was most of
    // writing a CID's text, and a verification report names several).
    let mut out = Vec::new();
    match base {
        Base::Base16Lower => {
            out.push(b'f');
            out.extend(
                bytes
                    .iter()
                    .flat_map(|b| [HEX[(b >> 4) as usize], HEX[(b & 15) as usize]]),
            );
        }
        Base::Base32Lower => {
            out.push(b'b');
            encode_base32(bytes, &mut out);
        }
        Base::Base36Lower => {
            out.push(b'k');
            encode_radix(bytes, B36, &mut out);
        }
        Base::Base58Btc => {
            out.push(b'z');
            encode_radix(bytes, B58, &mut out);
        }
        Base::Base64 => {
            out.push(b'm');
            STANDARD_NO_PAD.encode_into(bytes, &mut out);
        }
        Base::Base64Url => {
            out.push(b'u');
            URL_SAFE_NO_PAD.encode_into(bytes, &mut out);
        }
    }
    // Only ASCII was written: this cannot fail.
    String::from_utf8(out).unwrap_or_default()
}

/// Decode the body of a string in `base` (no prefix).
pub fn decode_base(base: Base, body: &str) -> Result<Vec<u8>> {
    let b64 = |r: std::result::Result<Vec<u8>, DecodeError>| r.map_err(|_| invalid());
    match base {
        Base::Base16Lower => decode_hex(body),
        Base::Base32Lower => decode_base32(body),
        Base::Base36Lower => decode_radix(body, B36),
        Base::Base58Btc => decode_radix(body, B58),
        Base::Base64 => b64(STANDARD_NO_PAD.decode(body)),
        Base::Base64Url => b64(URL_SAFE_NO_PAD.decode(body)),
    }
}

/// Decode a multibase string: `f`/`F`, `b`/`B`, `k`/`K`, `z`, `m`, `M` (padded), `u`, `U`
/// (padded). Other bases are refused (`INVALID_MULTIBASE`).
pub fn decode(s: &str) -> Result<Vec<u8>> {
    let mut chars = s.chars();
    let prefix = chars.next().ok_or_else(invalid)?;
    let body = chars.as_str();
    let lower = || body.to_ascii_lowercase();
    match prefix {
        'f' => decode_base(Base::Base16Lower, body),
        'F' if !body.bytes().any(|c| c.is_ascii_lowercase()) => decode_hex(&lower()),
        'b' => decode_base(Base::Base32Lower, body),
        'B' if !body.bytes().any(|c| c.is_ascii_lowercase()) => decode_base32(&lower()),
        'k' => decode_base(Base::Base36Lower, body),
        'K' if !body.bytes().any(|c| c.is_ascii_lowercase()) => decode_radix(&lower(), B36),
        'z' => decode_base(Base::Base58Btc, body),
        'm' => decode_base(Base::Base64, body),
        'u' => decode_base(Base::Base64Url, body),
        'M' => STANDARD.decode(body).map_err(|_| invalid()),
        'U' => URL_SAFE.decode(body).map_err(|_| invalid()),
        'F' | 'B' | 'K' => Err(invalid()),
        other => Err(Error::InvalidMultibase(format!(
            "Unknown base code: {other}"
        ))),
    }
}

/// Encode a CAR the way the JS SDK posts it: `m` + base64 without padding.
pub fn encode_car(bytes: &[u8]) -> String {
    encode(Base::Base64, bytes)
}

/// Encode as `u` + base64url without padding (ceramic-one's stream-state fields).
pub fn encode_base64url(bytes: &[u8]) -> String {
    encode(Base::Base64Url, bytes)
}

/// A CID from its string: CIDv1 in any base above, or a CIDv0 (`Qm…`, base58btc without prefix).
pub fn parse_cid(s: &str) -> Result<Cid> {
    let bytes = if s.len() == 46 && s.starts_with("Qm") {
        decode_base(Base::Base58Btc, s)
    } else {
        decode(s)
    };
    bytes
        .map_err(|e| e.to_string())
        .and_then(|b| {
            super::cidbytes::read_cid(&b)
                .map(|(c, _)| c)
                .map_err(str::to_string)
        })
        .map_err(|e| Error::InvalidCid(format!("{}: {e}", crate::codec::quoted(s))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn car_is_base64_m_and_every_base_round_trips() {
        let bytes = [0x3a, 0xa2, 0xff, 0x00];
        let m = encode_car(&bytes);
        assert!(m.starts_with('m'));
        assert_eq!(decode(&m).unwrap(), bytes);
        for base in [
            Base::Base64,
            Base::Base64Url,
            Base::Base16Lower,
            Base::Base32Lower,
            Base::Base36Lower,
            Base::Base58Btc,
        ] {
            for input in [&bytes[..], &[], &[0, 0, 1], &[0xff; 33], &[0; 5]] {
                let s = encode(base, input);
                assert_eq!(decode(&s).unwrap(), input, "{base:?} {s}");
                if base != Base::Base64 && base != Base::Base64Url && base != Base::Base58Btc {
                    let upper = s.to_ascii_uppercase();
                    assert_eq!(decode(&upper).unwrap(), input, "{upper}");
                }
            }
        }
        assert_eq!(decode("").unwrap_err().code(), "INVALID_MULTIBASE");
        assert_eq!(decode("m!!").unwrap_err().code(), "INVALID_MULTIBASE");
        assert_eq!(
            decode("\u{1F600}abc").unwrap_err().code(),
            "INVALID_MULTIBASE"
        );
        assert_eq!(decode("z0OIl").unwrap_err().code(), "INVALID_MULTIBASE");
        assert_eq!(decode("bab").unwrap_err().code(), "INVALID_MULTIBASE"); // trailing bits
        assert_eq!(decode("fabc").unwrap_err().code(), "INVALID_MULTIBASE");
        assert_eq!(decode("mQQ==").unwrap_err().code(), "INVALID_MULTIBASE"); // padding in m
        assert_eq!(decode("MQQ==").unwrap(), b"A");
        assert_eq!(decode("Ffab").unwrap_err().code(), "INVALID_MULTIBASE"); // mixed case
    }

    #[test]
    fn base_x_round_trips_at_every_length() {
        for len in 0..80usize {
            for lead in [0usize, 1, 3] {
                let mut bytes = vec![0u8; lead];
                bytes.extend((0..len).map(|i| (i * 151 + len * 7 + 1) as u8));
                for alphabet in [&B58[..], &B36[..]] {
                    let mut text = Vec::new();
                    encode_radix(&bytes, alphabet, &mut text);
                    let text = String::from_utf8(text).unwrap();
                    assert_eq!(decode_radix(&text, alphabet).unwrap(), bytes, "{text}");
                }
            }
        }
        assert_eq!(decode_radix("", B58).unwrap(), Vec::<u8>::new());
        assert_eq!(decode_radix("zz", B36).unwrap(), vec![5, 15]);
        assert!(decode_radix("0OIl", B58).is_err());
    }

    #[test]
    fn known_strings() {
        // did:key of the Ed25519 key of seed 0 (js-did), and a CID in base32 and base58 (v0).
        let fp = "z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp";
        let key = decode(fp).unwrap();
        assert_eq!(&key[..2], &[0xed, 0x01]);
        assert_eq!(encode(Base::Base58Btc, &key), fp);
        let cid = "bafyreigdmqpykrgxyaxtlafqpqhzrb7qy2rh75nldvfd4tucqmzsyd7ytq";
        assert_eq!(parse_cid(cid).unwrap().to_string(), cid);
        let v0 = "QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n";
        assert_eq!(parse_cid(v0).unwrap().to_string(), v0);
        assert_eq!(parse_cid("bafy").unwrap_err().code(), "INVALID_CID");
        // base36 StreamIDs keep their leading zero digits.
        assert_eq!(decode("k0").unwrap(), vec![0]);
        assert_eq!(encode(Base::Base36Lower, &[0, 0, 255]), "k0073");
    }
}
