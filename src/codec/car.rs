//! CARv1: a varint-prefixed DAG-CBOR header `{roots, version: 1}` followed by sections
//! `varint(len(cid) + len(block)) ‖ cid ‖ block`.
//!
//! The reader is for untrusted input: every length is checked against [`CarLimits`] before anything
//! is allocated, every block is hashed and compared with its CID, and blocks are found by CID (the
//! root is `roots[0]`), never by position.

use std::collections::HashMap;

use crate::codec::Ipld;
use cid::Cid;
use serde::Serialize;

use super::dagcbor::{decode_strict, Block, DagCborExt};
use crate::error::{Error, Result};

/// Size limits applied while reading a CAR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CarLimits {
    /// Largest CAR accepted, in bytes.
    pub max_car_bytes: usize,
    /// Largest single block accepted, in bytes (the JS SDK's `MAX_BLOCK_SIZE` is 256 000).
    pub max_block_bytes: usize,
    /// Most blocks accepted in one CAR.
    pub max_blocks: usize,
}

impl Default for CarLimits {
    fn default() -> Self {
        CarLimits {
            max_car_bytes: 4 * 1024 * 1024,
            max_block_bytes: 256_000,
            max_blocks: 4096,
        }
    }
}

/// Anything blocks can be looked up in by CID. The bytes need not be trusted: event decoding
/// hashes every block it reads against its CID (a [`Car`] has also checked them when it was read).
pub trait BlockSource {
    /// The bytes of the block with this CID, if present.
    fn block(&self, cid: &Cid) -> Option<&[u8]>;
    /// Whether every block was already checked to hash to its CID (a decoded [`Car`]): decoding
    /// then does not hash them again.
    fn verified(&self) -> bool {
        false
    }
}

impl BlockSource for HashMap<Cid, Vec<u8>> {
    fn block(&self, cid: &Cid) -> Option<&[u8]> {
        self.get(cid).map(Vec::as_slice)
    }
}

#[derive(Serialize)]
struct CarHeader {
    #[serde(serialize_with = "super::cidbytes::links")]
    roots: Vec<Cid>,
    version: u64,
}

impl super::fields::FromIpld for CarHeader {
    fn from_ipld(value: Ipld, at: &dyn std::fmt::Display) -> Result<Self> {
        let mut f = super::fields::Fields::new(value, at)?;
        let header = CarHeader {
            roots: f.req("roots")?,
            version: f.req("version")?,
        };
        f.end()?;
        Ok(header)
    }
}

/// The root of a header that is exactly the canonical DAG-CBOR of `{roots: [root], version: 1}`
/// (every event CAR's), read directly; `None` for any other bytes, which go through
/// [`decode_strict`]. Speed: the general path builds the header's IPLD value, re-encodes it and
/// compares (~4 % of `verifyStream`); this returns the same root for the bytes it takes, and
/// takes no bytes the general path refuses (the test
/// `the_one_root_header_reader_agrees_with_the_strict_path`).
fn one_root_header(bytes: &[u8]) -> Option<Cid> {
    let body = bytes
        .strip_prefix(b"\xa2\x65roots\x81\xd8\x2a")?
        .strip_suffix(b"\x67version\x01")?;
    let (link, rest) = super::dagcbor::canonical_bytes(body)?;
    let cid_bytes = link.strip_prefix(&[0])?;
    let (cid, n) = super::cidbytes::read_cid(cid_bytes).ok()?;
    (rest.is_empty() && n == cid_bytes.len() && super::cidbytes::cid_bytes(&cid) == cid_bytes)
        .then_some(cid)
}

/// A decoded CARv1: its roots and its blocks in file order, indexed by CID.
#[derive(Debug, Clone, Default)]
pub struct Car {
    roots: Vec<Cid>,
    blocks: Vec<Block>,
    index: super::cidindex::CidIndex,
}

impl Car {
    /// A CAR with these roots and blocks (duplicates by CID are kept once, first wins).
    pub fn new(roots: Vec<Cid>, blocks: impl IntoIterator<Item = Block>) -> Self {
        let mut car = Car {
            roots,
            ..Car::default()
        };
        for b in blocks {
            car.push(b);
        }
        car
    }

    fn push(&mut self, block: Block) {
        if self
            .index
            .insert_new(block.cid, self.blocks.len())
            .is_none()
        {
            self.blocks.push(block);
        }
    }

    /// Read a CAR with the default [`CarLimits`].
    pub fn decode(bytes: &[u8]) -> Result<Car> {
        Self::decode_with_limits(bytes, &CarLimits::default())
    }

    /// Read a CAR, enforcing `limits`.
    pub fn decode_with_limits(bytes: &[u8], limits: &CarLimits) -> Result<Car> {
        if bytes.len() > limits.max_car_bytes {
            return Err(Error::TooLarge(format!(
                "CAR of {} bytes exceeds the limit of {}",
                bytes.len(),
                limits.max_car_bytes
            )));
        }
        let (header_len, rest) = read_len(bytes, "header")?;
        if header_len == 0 || header_len > rest.len() {
            return Err(Error::InvalidCar(format!(
                "header length {header_len} does not fit the {} remaining bytes",
                rest.len()
            )));
        }
        let (header_bytes, mut rest) = rest.split_at(header_len);
        let header = match one_root_header(header_bytes) {
            Some(root) => CarHeader {
                roots: vec![root],
                version: 1,
            },
            None => decode_strict(header_bytes, "CAR header")
                .map_err(|e| Error::InvalidCar(e.to_string()))?,
        };
        if header.version != 1 {
            return Err(Error::InvalidCar(format!(
                "CAR version {} is not supported (only 1)",
                header.version
            )));
        }
        if header.roots.is_empty() {
            return Err(Error::InvalidCar("CAR has no roots".into()));
        }
        let mut car = Car::new(header.roots, []);
        let mut count = 0usize;
        while !rest.is_empty() {
            count += 1;
            if count > limits.max_blocks {
                return Err(Error::TooLarge(format!(
                    "CAR has more than {} blocks",
                    limits.max_blocks
                )));
            }
            let (section_len, after) = read_len(rest, "section")?;
            if section_len == 0 || section_len > after.len() {
                return Err(Error::InvalidCar(format!(
                    "section length {section_len} does not fit the {} remaining bytes",
                    after.len()
                )));
            }
            let (section, next) = after.split_at(section_len);
            let (cid, n) = super::cidbytes::read_cid(section)
                .map_err(|e| Error::InvalidCar(format!("section CID: {e}")))?;
            let data = &section[n..];
            if data.len() > limits.max_block_bytes {
                return Err(Error::TooLarge(format!(
                    "block {cid} of {} bytes exceeds the limit of {}",
                    data.len(),
                    limits.max_block_bytes,
                    cid = crate::codec::cid_text(&cid)
                )));
            }
            Block::verify(&cid, data)?;
            car.push(Block {
                cid,
                bytes: data.to_vec(),
            });
            rest = next;
        }
        Ok(car)
    }

    /// Write the CAR: header, then every block in order.
    pub fn encode(&self) -> Result<Vec<u8>> {
        write_car(&self.roots, self.blocks.iter())
    }

    /// All roots in header order.
    pub fn roots(&self) -> &[Cid] {
        &self.roots
    }

    /// The root: `roots[0]`.
    pub fn root(&self) -> Result<Cid> {
        self.roots
            .first()
            .copied()
            .ok_or_else(|| Error::InvalidCar("CAR has no roots".into()))
    }

    /// The blocks, in file order.
    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    /// The bytes of the block with this CID.
    pub fn get(&self, cid: &Cid) -> Option<&[u8]> {
        self.index
            .get(cid)
            .and_then(|i| self.blocks.get(i))
            .map(|b| b.bytes.as_slice())
    }
}

impl BlockSource for Car {
    fn block(&self, cid: &Cid) -> Option<&[u8]> {
        self.get(cid)
    }
    /// `Car::decode` checks every block's hash.
    fn verified(&self) -> bool {
        true
    }
}

fn read_len<'a>(bytes: &'a [u8], what: &str) -> Result<(usize, &'a [u8])> {
    let (len, n) = super::cidbytes::read_varint(bytes)
        .ok_or_else(|| Error::InvalidCar(format!("{what} length: not a valid varint")))?;
    let rest = &bytes[n..];
    let len = usize::try_from(len)
        .map_err(|_| Error::InvalidCar(format!("{what} length {len} is too large")))?;
    Ok((len, rest))
}

/// CAR bytes of `roots` and `blocks`, in order, without building a [`Car`]: no copy of the
/// blocks, no index (an event's CAR is written on every write). The blocks are written as given:
/// the caller makes them unique by CID, as [`Car::new`] does.
pub fn write_car<'a>(
    roots: &[Cid],
    blocks: impl Iterator<Item = &'a Block> + Clone,
) -> Result<Vec<u8>> {
    let header = CarHeader {
        roots: roots.to_vec(),
        version: 1,
    }
    .to_dag_cbor()?;
    let mut out = Vec::with_capacity(
        header.len() + blocks.clone().map(|b| b.bytes.len() + 48).sum::<usize>(),
    );
    write_len(&mut out, header.len());
    out.extend_from_slice(&header);
    for b in blocks {
        let cid = super::cidbytes::cid_bytes(&b.cid);
        write_len(&mut out, cid.len() + b.bytes.len());
        out.extend_from_slice(&cid);
        out.extend_from_slice(&b.bytes);
    }
    Ok(out)
}

fn write_len(out: &mut Vec<u8>, len: usize) {
    super::cidbytes::write_varint(out, len as u64);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{DAG_CBOR, DAG_JOSE};

    fn sample() -> Car {
        let a = Block::new(DAG_CBOR, vec![0xa0]);
        let b = Block::new(DAG_JOSE, vec![0x80]);
        Car::new(vec![b.cid], [a, b])
    }

    /// Each byte of a header changed (three ways), cut short or extended: whatever the fast
    /// reader takes, the strict path takes too, with the same root. One-root headers of CIDv1
    /// and CIDv0 are all taken.
    #[test]
    fn the_one_root_header_reader_agrees_with_the_strict_path() {
        let roots: Vec<Cid> = [
            "bagcqcerakszw2vsovxznyp5gfnpdj4cqm2xiv76yd24wkjewhhykovorwo6a",
            "bafyreifu7xdhhlntwnrd7jxpps44wz6acamfcsxazc4oopnmldaotqok2y",
            "QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR",
            "bafkqaaa",
        ]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
        let mut taken = 0;
        for root in &roots {
            let header = CarHeader {
                roots: vec![*root],
                version: 1,
            }
            .to_dag_cbor()
            .unwrap();
            assert_eq!(one_root_header(&header), Some(*root));
            for b in crate::codec::dagcbor::byte_changes(&header) {
                if let Some(fast) = one_root_header(&b) {
                    taken += 1;
                    let slow: CarHeader = decode_strict(&b, "h").unwrap();
                    assert_eq!((slow.roots, slow.version), (vec![fast], 1));
                }
            }
        }
        // Changed CID bytes that still make a CID (the digest's bytes) were taken.
        assert!(taken > 100, "{taken}");
        let two = CarHeader {
            roots: roots.clone(),
            version: 1,
        };
        assert_eq!(one_root_header(&two.to_dag_cbor().unwrap()), None);
    }

    #[test]
    fn round_trip() {
        let car = sample();
        let bytes = car.encode().unwrap();
        // The header of a CAR with one dag-jose root is 59 bytes: 3b a2 65 "roots" 81 d8 2a 58 26 00 01 85 01 …
        assert_eq!(
            &bytes[..10],
            &hex::decode("3ba265726f6f747381d8").unwrap()[..]
        );
        let back = Car::decode(&bytes).unwrap();
        assert_eq!(back.roots(), car.roots());
        assert_eq!(back.blocks(), car.blocks());
        assert_eq!(back.encode().unwrap(), bytes);
        assert_eq!(back.get(&car.blocks()[0].cid), Some(&[0xa0u8][..]));
    }

    #[test]
    fn rejects_tampered_block_and_bad_framing() {
        let mut bytes = sample().encode().unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert_eq!(Car::decode(&bytes).unwrap_err().code(), "INVALID_CAR");

        let good = sample().encode().unwrap();
        assert_eq!(
            Car::decode(&good[..good.len() - 1]).unwrap_err().code(),
            "INVALID_CAR"
        );
        assert_eq!(Car::decode(&[]).unwrap_err().code(), "INVALID_CAR");
        assert_eq!(Car::decode(&[0x80]).unwrap_err().code(), "INVALID_CAR");
        assert_eq!(
            Car::decode(&[0x05, 0xa0]).unwrap_err().code(),
            "INVALID_CAR"
        );
    }

    #[test]
    fn enforces_limits() {
        let bytes = sample().encode().unwrap();
        let tight = CarLimits {
            max_car_bytes: 10,
            ..CarLimits::default()
        };
        assert_eq!(
            Car::decode_with_limits(&bytes, &tight).unwrap_err().code(),
            "TOO_LARGE"
        );
        let one_block = CarLimits {
            max_blocks: 1,
            ..CarLimits::default()
        };
        assert_eq!(
            Car::decode_with_limits(&bytes, &one_block)
                .unwrap_err()
                .code(),
            "TOO_LARGE"
        );
        let small_blocks = CarLimits {
            max_block_bytes: 0,
            ..CarLimits::default()
        };
        assert_eq!(
            Car::decode_with_limits(&bytes, &small_blocks)
                .unwrap_err()
                .code(),
            "TOO_LARGE"
        );
    }

    #[test]
    fn rejects_other_versions_and_empty_roots() {
        let header = CarHeader {
            roots: vec![],
            version: 1,
        }
        .to_dag_cbor()
        .unwrap();
        let mut bytes = vec![header.len() as u8];
        bytes.extend(header);
        assert_eq!(Car::decode(&bytes).unwrap_err().code(), "INVALID_CAR");
        let cid = Block::new(DAG_CBOR, vec![0xa0]).cid;
        let header = CarHeader {
            roots: vec![cid],
            version: 2,
        }
        .to_dag_cbor()
        .unwrap();
        let mut bytes = vec![header.len() as u8];
        bytes.extend(header);
        assert_eq!(Car::decode(&bytes).unwrap_err().code(), "INVALID_CAR");
    }
}
