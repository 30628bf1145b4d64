//! Canonical DAG-CBOR: one extension trait gives any serializable value's bytes, CID and block.

use super::sha2::sha256;
use cid::Cid;
use multihash::Multihash;
use serde::{de::DeserializeOwned, Serialize};

use crate::codec::Ipld;

use super::cbor::CborError;
use super::fields::FromIpld;
use super::{DAG_CBOR, IDENTITY, SHA2_256};
use crate::error::{Error, Result};

/// A content-addressed block: its CID and the bytes the CID hashes.
#[derive(Clone, PartialEq, Eq)]
pub struct Block {
    /// The block's CID.
    pub cid: Cid,
    /// The encoded bytes.
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Block {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Block")
            .field("cid", &crate::codec::cid_text(&self.cid).to_string())
            .field("len", &self.bytes.len())
            .finish()
    }
}

impl Block {
    /// A block of `codec` whose CID is CIDv1 over the sha2-256 of `bytes`.
    pub fn new(codec: u64, bytes: Vec<u8>) -> Self {
        Block {
            cid: sha256_cid(codec, &bytes),
            bytes,
        }
    }

    /// Check that `bytes` hash to `cid` (sha2-256 or identity multihash).
    pub fn verify(cid: &Cid, bytes: &[u8]) -> Result<()> {
        let mh = cid.hash();
        let ok = match mh.code() {
            SHA2_256 => mh.digest() == sha256(bytes),
            IDENTITY => mh.digest() == bytes,
            other => {
                return Err(Error::InvalidCid(format!(
                    "{cid}: unsupported multihash 0x{other:x} (only sha2-256 and identity)",
                    cid = crate::codec::cid_text(cid)
                )))
            }
        };
        if ok {
            Ok(())
        } else {
            Err(Error::InvalidCar(format!(
                "block bytes do not hash to their CID {cid}",
                cid = crate::codec::cid_text(cid)
            )))
        }
    }
}

/// CIDv1 of `codec` over the sha2-256 digest of `bytes`.
pub fn sha256_cid(codec: u64, bytes: &[u8]) -> Cid {
    let digest = sha256(bytes);
    // A 32-byte digest always fits a 64-byte multihash: `wrap` cannot fail here.
    let mh = Multihash::<64>::wrap(SHA2_256, &digest)
        .unwrap_or_else(|_| unreachable!("32-byte digest fits in 64"));
    Cid::new_v1(codec, mh)
}

/// Bytes, CID and block of any serializable value in canonical DAG-CBOR.
pub trait DagCborExt: Serialize {
    /// The canonical DAG-CBOR bytes of the value.
    fn to_dag_cbor(&self) -> Result<Vec<u8>> {
        super::cbor::to_vec(self).map_err(|e| Error::Encode(e.to_string()))
    }

    /// The CIDv1 (dag-cbor, sha2-256) of the value's bytes.
    fn to_cid(&self) -> Result<Cid> {
        Ok(self.to_block()?.cid)
    }

    /// The value as a dag-cbor block.
    fn to_block(&self) -> Result<Block> {
        Ok(Block::new(DAG_CBOR, self.to_dag_cbor()?))
    }
}

impl<T: Serialize + ?Sized> DagCborExt for T {}

/// Decode DAG-CBOR into any value. The decoder already refuses the non-canonical forms DAG-CBOR
/// forbids (unsorted keys, non-minimal lengths, indefinite lengths): those are `NOT_CANONICAL`,
/// anything else malformed is `INVALID_CBOR`.
pub fn from_dag_cbor<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    super::cbor::from_slice(bytes).map_err(|e| match e {
        CborError::NotCanonical(m) => Error::NotCanonical(m.into()),
        other => Error::InvalidCbor(other.to_string()),
    })
}

/// [`from_dag_cbor`] into [`Ipld`], by the direct reader ([`super::cbor::ipld_from_slice`]):
/// how every block is read.
pub fn decode_ipld(bytes: &[u8]) -> Result<Ipld> {
    super::cbor::ipld_from_slice(bytes).map_err(|e| match e {
        CborError::NotCanonical(m) => Error::NotCanonical(m.into()),
        other => Error::InvalidCbor(other.to_string()),
    })
}

/// Decode `bytes` as a `T` under the network's strict rule: the bytes must be well-formed DAG-CBOR
/// (`INVALID_CBOR`), canonical (`NOT_CANONICAL`), have exactly the fields of `T`
/// (`INVALID_EVENT`), and re-encode to the very same bytes (`NOT_CANONICAL`). ceramic-one applies
/// the same rule to event roots and payloads.
pub fn decode_strict<T: FromIpld + Serialize>(bytes: &[u8], what: &str) -> Result<T> {
    strict_from_ipld(strict_ipld(bytes, what)?, bytes, what)
}

/// The type-independent first half of [`decode_strict`], out of line: one copy, not one per type.
#[inline(never)]
fn strict_ipld(bytes: &[u8], what: &str) -> Result<Ipld> {
    super::cbor::ipld_from_slice(bytes).map_err(|e| match e {
        CborError::NotCanonical(_) => Error::NotCanonical(format!("{what}: {e}")),
        // A shape error here is a tag-42 link that is no CID: INVALID_EVENT, as it was when
        // events were read through serde's derive.
        CborError::Shape(_) => Error::InvalidEvent(format!("{what}: {e}")),
        CborError::Invalid(_) => Error::InvalidCbor(format!("{what}: {e}")),
    })
}

/// [`decode_strict`] of a block already decoded as `value` (from `bytes`).
pub fn strict_from_ipld<T: FromIpld + Serialize>(
    value: Ipld,
    bytes: &[u8],
    what: &str,
) -> Result<T> {
    let value = T::from_ipld(value, &what)?;
    same_bytes(&value.to_dag_cbor()?, bytes, what)?;
    Ok(value)
}

/// A byte string at the start of `b` in its canonical head (the shortest length encoding), and
/// the bytes after it; `None` for anything else (another type, a longer head than needed, a
/// string of 64 KiB or more, too few bytes). The building block of the fast readers of fixed
/// shapes (a CAR's header, a JWS envelope), which take exactly the canonical bytes of the value
/// they return and leave everything else to [`decode_strict`].
pub(crate) fn canonical_bytes(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let (len, head) = match *b.first()? {
        h @ 0x40..=0x57 => (usize::from(h - 0x40), 1),
        0x58 => (usize::from(*b.get(1)?), 2),
        0x59 => (usize::from(u16::from_be_bytes([*b.get(1)?, *b.get(2)?])), 3),
        _ => return None,
    };
    let minimal = match head {
        2 => len >= 24,
        3 => len >= 256,
        _ => true,
    };
    if !minimal {
        return None;
    }
    let body = b.get(head..)?;
    (body.len() >= len).then(|| body.split_at(len))
}

/// Bytes near `bytes` for the fast readers' tests: cut short by one, extended by one, and each
/// byte changed three ways (its low bit, a middle bit, all its bits).
#[cfg(test)]
pub(crate) fn byte_changes(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = vec![bytes[..bytes.len() - 1].to_vec(), [bytes, &[0]].concat()];
    for i in 0..bytes.len() {
        for x in [0x01, 0x20, 0xff] {
            let mut b = bytes.to_vec();
            b[i] ^= x;
            out.push(b);
        }
    }
    out
}

/// `NOT_CANONICAL` unless the re-encoding equals the bytes read (out of line: one copy).
#[inline(never)]
fn same_bytes(again: &[u8], bytes: &[u8], what: &str) -> Result<()> {
    if again != bytes {
        return Err(Error::NotCanonical(format!(
            "{what}: bytes do not round-trip through canonical DAG-CBOR"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Ipld;
    use std::collections::BTreeMap;

    #[derive(Serialize)]
    struct Plain {
        a: u64,
        b: &'static str,
        c: Vec<u8>,
        d: u64,
        e: Option<()>,
        f: bool,
        g: BTreeMap<&'static str, u8>,
    }

    /// rust-ceramic event/src/unvalidated/mod.rs `test_derive_serde_ipld` (protocol.md §2.7).
    #[test]
    fn plain_vector() {
        let v = Plain {
            a: 42,
            b: "hello",
            c: vec![1, 2, 3],
            d: 42,
            e: None,
            f: true,
            g: [("a", 1), ("b", 2), ("c", 3)].into_iter().collect(),
        };
        assert_eq!(
            hex::encode(v.to_dag_cbor().unwrap()),
            "a76161182a61626568656c6c6f6163830102036164182a6165f66166f56167a3616101616202616303"
        );
        assert_eq!(
            v.to_cid().unwrap().to_string(),
            "bafyreig5jqfc6u6rrotcohh42jvrcnyracgpasd6lnbkbjottvw4uwxs3e"
        );
    }

    #[test]
    fn keys_sorted_length_first_and_floats_64_bit() {
        #[derive(Serialize)]
        struct S {
            zz: u8,
            a: f64,
            bbb: u8,
        }
        let bytes = S {
            zz: 1,
            a: 2753.785400390625,
            bbb: 2,
        }
        .to_dag_cbor()
        .unwrap();
        // {a: fb.., zz: 1, bbb: 2}: length-first order, and the float as 0xfb + 8 bytes.
        assert_eq!(
            hex::encode(bytes),
            "a36161fb40a5839220000000627a7a016362626202"
        );
    }

    #[test]
    fn strict_decode_rejects_non_canonical_order() {
        #[derive(Debug, Serialize)]
        struct S {
            a: u64,
            bb: u64,
        }
        impl FromIpld for S {
            fn from_ipld(value: Ipld, at: &dyn std::fmt::Display) -> Result<Self> {
                let mut f = crate::codec::fields::Fields::new(value, at)?;
                let s = S {
                    a: f.req("a")?,
                    bb: f.req("bb")?,
                };
                f.end()?;
                Ok(s)
            }
        }
        // {bb: 1, a: 2}: valid CBOR, wrong key order.
        let bytes = hex::decode("a262626201616102").unwrap();
        let err = decode_strict::<S>(&bytes, "s").unwrap_err();
        assert_eq!(err.code(), "NOT_CANONICAL");
        // A 2-byte integer where 1 byte suffices.
        let bytes = hex::decode("a2616118026262620a").unwrap();
        assert_eq!(
            decode_strict::<S>(&bytes, "s").unwrap_err().code(),
            "NOT_CANONICAL"
        );
        // An extra field.
        let bytes = hex::decode("a3616102616303626262 01".replace(' ', "")).unwrap();
        assert_eq!(
            decode_strict::<S>(&bytes, "s").unwrap_err().code(),
            "INVALID_EVENT"
        );
        // Not CBOR at all.
        assert_eq!(
            decode_strict::<S>(&[0xa2, 0x61], "s").unwrap_err().code(),
            "INVALID_CBOR"
        );
        let ok = hex::decode("a2616102626262 01".replace(' ', "")).unwrap();
        let s = decode_strict::<S>(&ok, "s").unwrap();
        assert_eq!((s.a, s.bb), (2, 1));
    }

    #[test]
    fn block_verify() {
        let b = Block::new(DAG_CBOR, vec![0xa0]);
        Block::verify(&b.cid, &b.bytes).unwrap();
        assert_eq!(
            Block::verify(&b.cid, &[0xa1]).unwrap_err().code(),
            "INVALID_CAR"
        );
    }

    #[test]
    fn deeply_nested_input_is_an_error_not_a_crash() {
        let mut bytes = vec![0x81u8; 100_000];
        bytes.push(0x00);
        assert!(decode_ipld(&bytes).is_err());
    }
}
