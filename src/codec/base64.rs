//! Base64 (RFC 4648 §4, and §5's URL-safe alphabet), with or without padding, decoding strictly:
//! only the alphabet's characters, padding exactly where the form has it, and zero trailing bits,
//! so that every byte string has one text (JWS signing inputs and multibase depend on it).
//!
//! Our own rather than the `base64` crate: its general engine was ~6.5 K of the page's wasm for the
//! four forms used here (tests/base64_interop.rs checks these against it).

/// One form of base64: its alphabet and whether it pads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Base64 {
    url: bool,
    pad: bool,
}

/// `+/`, padded (RFC 4648 §4).
pub const STANDARD: Base64 = Base64 {
    url: false,
    pad: true,
};
/// `+/`, no padding.
pub const STANDARD_NO_PAD: Base64 = Base64 {
    url: false,
    pad: false,
};
/// `-_`, padded (RFC 4648 §5).
pub const URL_SAFE: Base64 = Base64 {
    url: true,
    pad: true,
};
/// `-_`, no padding: JWS, multibase `u`.
pub const URL_SAFE_NO_PAD: Base64 = Base64 {
    url: true,
    pad: false,
};

/// The text is not base64 of this form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeError;

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not base64")
    }
}

impl std::error::Error for DecodeError {}

impl Base64 {
    fn symbol(&self, v: u32) -> u8 {
        let v = (v & 63) as u8;
        match v {
            0..=25 => b'A' + v,
            26..=51 => b'a' + (v - 26),
            52..=61 => b'0' + (v - 52),
            62 if self.url => b'-',
            62 => b'+',
            _ if self.url => b'_',
            _ => b'/',
        }
    }

    fn value(&self, c: u8) -> Option<u32> {
        Some(u32::from(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' if self.url => 62,
            b'_' if self.url => 63,
            b'+' if !self.url => 62,
            b'/' if !self.url => 63,
            _ => return None,
        }))
    }

    /// `bytes` as text of this form.
    #[inline]
    pub fn encode(&self, bytes: impl AsRef<[u8]>) -> String {
        self.encode_slice(bytes.as_ref())
    }

    /// [`encode`](Self::encode) out of line: one copy, not one per argument type (bytes).
    fn encode_slice(&self, bytes: &[u8]) -> String {
        let mut out = Vec::new();
        self.encode_into(bytes, &mut out);
        // Only ASCII was written: this cannot fail.
        String::from_utf8(out).unwrap_or_default()
    }

    /// `bytes` as text of this form, appended to `out` (the JWS signing input is written this
    /// way). Bytes, not `String::push(char)`: a char's UTF-8 step per symbol was 6 % of
    /// `createInitEvent` (speed).
    pub fn encode_into(&self, bytes: &[u8], out: &mut Vec<u8>) {
        // A chunk of k bytes gives k + 1 symbols, padded to 4 where the form pads.
        let rest = match (bytes.len() % 3, self.pad) {
            (0, _) => 0,
            (_, true) => 4,
            (k, false) => k + 1,
        };
        let start = out.len();
        out.resize(start + bytes.len() / 3 * 4 + rest, b'=');
        for (chunk, slots) in bytes.chunks(3).zip(out[start..].chunks_mut(4)) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
            for (i, slot) in slots.iter_mut().take(chunk.len() + 1).enumerate() {
                *slot = self.symbol(n >> (18 - 6 * i));
            }
        }
    }

    /// The bytes `text` encodes, if it is base64 of this form in its one canonical text.
    #[inline]
    pub fn decode(&self, text: impl AsRef<[u8]>) -> Result<Vec<u8>, DecodeError> {
        self.decode_slice(text.as_ref())
    }

    /// [`decode`](Self::decode) out of line: one copy, not one per argument type (bytes).
    fn decode_slice(&self, text: &[u8]) -> Result<Vec<u8>, DecodeError> {
        let body = if self.pad {
            if text.len() % 4 != 0 {
                return Err(DecodeError);
            }
            let pads = text.iter().rev().take_while(|&&c| c == b'=').count();
            let body = &text[..text.len() - pads];
            // 4n symbols need no padding, 4n + 2 need two `=`, 4n + 3 one.
            let needed = match body.len() % 4 {
                0 => 0,
                2 => 2,
                3 => 1,
                _ => return Err(DecodeError),
            };
            if pads != needed {
                return Err(DecodeError);
            }
            body
        } else {
            text
        };
        if body.len() % 4 == 1 {
            return Err(DecodeError);
        }
        let mut out = Vec::with_capacity(body.len() / 4 * 3 + 2);
        let (mut acc, mut bits) = (0u32, 0u32);
        for &c in body {
            acc = (acc << 6) | self.value(c).ok_or(DecodeError)?;
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                out.push((acc >> bits) as u8);
                acc &= (1 << bits) - 1;
            }
        }
        // The last symbol's unused bits must be zero: one text per byte string.
        if acc != 0 {
            return Err(DecodeError);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_4648_vectors() {
        for (bytes, padded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(STANDARD.encode(bytes), padded);
            assert_eq!(STANDARD.decode(padded).unwrap(), bytes.as_bytes());
            let bare = padded.trim_end_matches('=');
            assert_eq!(URL_SAFE_NO_PAD.encode(bytes), bare);
            assert_eq!(URL_SAFE_NO_PAD.decode(bare).unwrap(), bytes.as_bytes());
        }
        assert_eq!(URL_SAFE.encode([0xfb, 0xff]), "-_8=");
        assert_eq!(STANDARD_NO_PAD.encode([0xfb, 0xff]), "+/8");
        for bad in ["Zg", "Zg=", "Zh==", "Z===", "Zm9v=", "-_8=", "Zg==Zg=="] {
            assert_eq!(STANDARD.decode(bad), Err(DecodeError), "{bad}");
        }
        for bad in ["Zg==", "Z", "Zh", "+/8", "Zm9 v"] {
            assert_eq!(URL_SAFE_NO_PAD.decode(bad), Err(DecodeError), "{bad}");
        }
    }
}
