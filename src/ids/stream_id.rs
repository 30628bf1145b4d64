use std::{fmt, str::FromStr};

use crate::codec::multibase::{self, Base};
use cid::Cid;

use super::{read_cid, read_varint, strip_url, write_varint, StreamType};
use crate::error::{Error, Result};

/// Multicodec of StreamIDs, CommitIDs and EventIDs (CIP-59).
pub const STREAMID_CODEC: u64 = 0xce;

/// The METAMODEL id that every Model stream names as its `model`. Its CID uses multihash code
/// 0x71 where identity (0x00) was meant; every implementation reproduces that historical bug.
pub const METAMODEL_STREAM_ID: &str = "kh4q0ozorrgaq2mezktnrmdwleo1d";

/// A stream's identity: `varint(0xce) ‖ varint(type) ‖ genesis CID`, written as base36 `k…`.
///
/// For a signed init event the CID is the envelope's (dag-jose), not the payload's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StreamId {
    stream_type: StreamType,
    cid: Cid,
}

impl StreamId {
    /// A StreamID of this type over this genesis CID.
    pub fn new(stream_type: StreamType, cid: Cid) -> Self {
        StreamId { stream_type, cid }
    }

    /// The METAMODEL id (`kh4q0ozorrgaq2mezktnrmdwleo1d`).
    pub fn metamodel() -> Self {
        // CIDv1(dag-cbor, multihash{code: 0x71, digest: identity-multihash(dagcbor("model-v1"))}):
        // the identity multihash's bytes ended up as the digest of a 0x71 multihash. Kept on purpose.
        let digest = [
            0x00, 0x09, 0x68, b'm', b'o', b'd', b'e', b'l', b'-', b'v', b'1',
        ];
        let mh = multihash::Multihash::<64>::wrap(0x71, &digest)
            .unwrap_or_else(|_| unreachable!("9 bytes fit in 64"));
        StreamId::new(StreamType::Unloadable, Cid::new_v1(0x71, mh))
    }

    /// The stream type.
    pub fn stream_type(&self) -> StreamType {
        self.stream_type
    }

    /// The genesis CID.
    pub fn cid(&self) -> &Cid {
        &self.cid
    }

    /// Binary form (no multibase prefix).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(40);
        write_varint(&mut out, STREAMID_CODEC);
        write_varint(&mut out, self.stream_type.code());
        crate::codec::cidbytes::write_cid(&mut out, &self.cid);
        out
    }

    /// Parse the binary form; trailing bytes (a commit) are an error.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let (id, rest) = Self::read(bytes, Error::InvalidStreamId)?;
        if !rest.is_empty() {
            return Err(Error::InvalidStreamId(
                "trailing bytes after the genesis CID (is this a CommitID?)".into(),
            ));
        }
        Ok(id)
    }

    /// Read the StreamID part at the front of `bytes`; returns the rest.
    pub(crate) fn read(bytes: &[u8], err: fn(String) -> Error) -> Result<(Self, &[u8])> {
        let (codec, rest) = read_varint(bytes, "codec", err)?;
        if codec != STREAMID_CODEC {
            return Err(err(format!("codec 0x{codec:x} is not streamid (0xce)")));
        }
        let (code, rest) = read_varint(rest, "stream type", err)?;
        let stream_type = StreamType::from_code(code).map_err(|e| err(e.to_string()))?;
        let (cid, rest) = read_cid(rest, err)?;
        Ok((StreamId::new(stream_type, cid), rest))
    }

    /// `ceramic://k…`
    pub fn to_url(&self) -> String {
        format!("ceramic://{self}")
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&multibase::encode(Base::Base36Lower, &self.to_bytes()))
    }
}

impl FromStr for StreamId {
    type Err = Error;

    /// Accepts `k…` (or any multibase), `ceramic://…` and `/ceramic/…`. Like the JS parser, a
    /// legacy `?commit=…` suffix is dropped and the base StreamID returned.
    fn from_str(s: &str) -> Result<Self> {
        // The last one parsed is kept: an app names the same Model on every write, and decoding
        // its base36 was 2 % of building an event (BENCHMARKS.md).
        std::thread_local! {
            static LAST: crate::last::Last<String, StreamId> = const { crate::last::Last::new() };
        }
        LAST.with(|last| {
            last.get_or(s, || {
                let text = strip_url(s.trim());
                let base = text.split_once('?').map_or(text, |(b, _)| b);
                let bytes = multibase::decode(base).map_err(|e| {
                    Error::InvalidStreamId(format!("{}: {e}", crate::codec::quoted(text)))
                })?;
                StreamId::from_bytes(&bytes)
            })
        })
    }
}

super::serde_as_string!(StreamId);

#[cfg(test)]
mod tests {
    use super::*;

    const TILE: &str = "kjzl6cwe1jw147dvq16zluojmraqvwdmbh61dx9e0c59i344lcrsgqfohexp60s";

    #[test]
    fn parse_and_format() {
        let id: StreamId = TILE.parse().unwrap();
        assert_eq!(id.stream_type(), StreamType::Tile);
        assert_eq!(
            id.cid().to_string(),
            "bagcqcerakszw2vsovxznyp5gfnpdj4cqm2xiv76yd24wkjewhhykovorwo6a"
        );
        assert_eq!(id.to_string(), TILE);
        assert_eq!(id.to_url(), format!("ceramic://{TILE}"));
        assert_eq!(format!("ceramic://{TILE}").parse::<StreamId>().unwrap(), id);
        assert_eq!(format!("/ceramic/{TILE}").parse::<StreamId>().unwrap(), id);
        assert_eq!(format!("{TILE}?commit=0").parse::<StreamId>().unwrap(), id);
        // Any multibase is accepted.
        let b32 = multibase::encode(Base::Base32Lower, &id.to_bytes());
        assert_eq!(b32.parse::<StreamId>().unwrap(), id);
    }

    #[test]
    fn metamodel_reproduces_the_bug() {
        let m = StreamId::metamodel();
        assert_eq!(m.to_string(), METAMODEL_STREAM_ID);
        assert_eq!(
            hex::encode(m.to_bytes()),
            "ce01040171710b0009686d6f64656c2d7631"
        );
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "k",
            "kjzl6",
            "zzzz",
            "ceramic://",
            "k3y52l7qbv1frxwipl4hp7e6jlu4f6u8upm2xv0irmedfkm5cnutmezzi3u7mytj4",
        ] {
            assert_eq!(
                bad.parse::<StreamId>().unwrap_err().code(),
                "INVALID_STREAM_ID",
                "{bad}"
            );
        }
        // Wrong codec.
        assert!(StreamId::from_bytes(&[0xcf, 0x01, 0x00]).is_err());
        // Unknown type.
        let mut b = TILE.parse::<StreamId>().unwrap().to_bytes();
        b[2] = 9;
        assert_eq!(
            StreamId::from_bytes(&b).unwrap_err().code(),
            "INVALID_STREAM_ID"
        );
    }
}
