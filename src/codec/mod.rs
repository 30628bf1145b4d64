//! Encodings: canonical DAG-CBOR, CIDs of values, CARv1 files, multibase strings.
//!
//! Everything here is byte-exact with ceramic-one and the JS SDK: DAG-CBOR is written by
//! `serde_ipld_dagcbor` (length-first sorted map keys, shortest integers, 64-bit floats), CIDs are
//! CIDv1 over sha2-256, and CARs put their blocks in the order the network writes them.

pub mod car;
pub mod dagcbor;
pub mod multibase;
pub mod time;

pub use car::{BlockSource, Car, CarLimits};
pub use dagcbor::{decode_strict, sha256_cid, Block, DagCborExt};

/// Serialize a CID as its string (for reports and JSON answers).
pub(crate) fn cid_string<S: serde::Serializer>(cid: &cid::Cid, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(cid)
}

/// Multicodec code of DAG-CBOR blocks (payloads, unsigned events, time events, proofs, CACAOs).
pub const DAG_CBOR: u64 = 0x71;
/// Multicodec code of DAG-JOSE blocks (signed-event envelopes).
pub const DAG_JOSE: u64 = 0x85;
/// Multihash code of sha2-256.
pub const SHA2_256: u64 = 0x12;
/// Multihash code of the identity "hash".
pub const IDENTITY: u64 = 0x00;
