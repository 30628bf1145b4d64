use crate::codec::Ipld;
use cid::Cid;
use serde::Serialize;

use crate::codec::fields::{Fields, FromIpld};
use crate::codec::{dagcbor::decode_ipld, decode_strict, strict_from_ipld, Block, BlockSource};
use crate::error::{Error, Result};

/// The root block of a time event: `{id, prev, proof, path}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RawTimeEvent {
    /// The stream's init event CID.
    #[serde(serialize_with = "crate::codec::cidbytes::link")]
    pub id: Cid,
    /// The event being anchored.
    #[serde(serialize_with = "crate::codec::cidbytes::link")]
    pub prev: Cid,
    /// The proof block's CID.
    #[serde(serialize_with = "crate::codec::cidbytes::link")]
    pub proof: Cid,
    /// `/`-separated indices from the Merkle root down to `prev` (empty: root == prev).
    pub path: String,
}

/// The anchor proof block (CAIP-168 style).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnchorProof {
    /// e.g. `eip155:1`.
    pub chain_id: String,
    /// The Merkle root.
    #[serde(serialize_with = "crate::codec::cidbytes::link")]
    pub root: Cid,
    /// The transaction, as an eth-tx (0x93) CID over its keccak-256 hash.
    #[serde(serialize_with = "crate::codec::cidbytes::link")]
    pub tx_hash: Cid,
    /// `f(bytes32)` (V1) or `raw` (V0); absent on some old proofs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx_type: Option<String>,
}

/// A time event with the blocks needed to check it: the proof and the Merkle nodes on the path
/// from the root down to (not including) the anchored event.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeEvent {
    event: RawTimeEvent,
    block: Block,
    proof: AnchorProof,
    proof_block: Block,
    witness: Vec<Block>,
}

/// A Merkle tree node's block: a list (of two links, checked by the callers).
pub(crate) fn merkle_node(bytes: &[u8]) -> Result<Vec<Ipld>> {
    match decode_ipld(bytes)? {
        Ipld::List(items) => Ok(items),
        _ => Err(Error::InvalidCbor("not a list".into())),
    }
}

/// The path's segments as indices; an empty path has none.
pub(crate) fn path_indices(path: &str) -> Result<Vec<usize>> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    path.split('/')
        .map(|seg| {
            seg.parse::<usize>().map_err(|_| {
                Error::InvalidEvent(format!(
                    "time event path {}: bad segment {}",
                    crate::codec::quoted(path),
                    crate::codec::quoted(seg)
                ))
            })
        })
        .collect()
}

/// The Merkle nodes on `indices` from `root` down to (not including) the anchored commit, from
/// `source`, each checked against its CID; a node that is not a list with a link where the path
/// goes on is `bad`'s error. (Whether the path ends at `prev` is `verify`'s check.)
pub(crate) fn merkle_witness(
    source: &dyn BlockSource,
    root: Cid,
    indices: &[usize],
    bad: fn(String) -> Error,
) -> Result<Vec<Block>> {
    let mut witness = Vec::with_capacity(indices.len());
    let mut node_cid = root;
    for (depth, &index) in indices.iter().enumerate() {
        let bytes = super::event::fetch(source, &node_cid, "Merkle tree node")?;
        let node: Vec<Ipld> = merkle_node(&bytes).map_err(|e| {
            bad(format!(
                "Merkle node {node_cid}: {e}",
                node_cid = crate::codec::cid_text(&node_cid)
            ))
        })?;
        witness.push(Block {
            cid: node_cid,
            bytes,
        });
        if depth + 1 < indices.len() {
            node_cid = match node.get(index) {
                Some(Ipld::Link(c)) => *c,
                _ => {
                    return Err(bad(format!(
                        "Merkle node {node_cid} has no link at index {index}",
                        node_cid = crate::codec::cid_text(&node_cid)
                    )))
                }
            };
        }
    }
    Ok(witness)
}

// Read by hand (codec/fields.rs says why), with exactly these fields.
impl FromIpld for RawTimeEvent {
    fn from_ipld(value: Ipld, at: &dyn std::fmt::Display) -> Result<Self> {
        let mut f = Fields::new(value, at)?;
        let event = RawTimeEvent {
            id: f.req("id")?,
            prev: f.req("prev")?,
            proof: f.req("proof")?,
            path: f.req("path")?,
        };
        f.end()?;
        Ok(event)
    }
}

impl FromIpld for AnchorProof {
    fn from_ipld(value: Ipld, at: &dyn std::fmt::Display) -> Result<Self> {
        let mut f = Fields::new(value, at)?;
        let proof = AnchorProof {
            chain_id: f.req("chainId")?,
            root: f.req("root")?,
            tx_hash: f.req("txHash")?,
            tx_type: f.opt("txType")?,
        };
        f.end()?;
        Ok(proof)
    }
}

impl TimeEvent {
    /// Build a time event from its parts (used by anchoring services).
    pub fn new(event: RawTimeEvent, proof: AnchorProof, witness: Vec<Block>) -> Result<Self> {
        use crate::codec::DagCborExt;
        let block = event.to_block()?;
        let proof_block = proof.to_block()?;
        Ok(TimeEvent {
            event,
            block,
            proof,
            proof_block,
            witness,
        })
    }

    /// Decode from the root block, finding the proof and Merkle nodes in `source`.
    /// `value` is the root block decoded.
    pub(crate) fn decode(value: Ipld, block: Block, source: &dyn BlockSource) -> Result<Self> {
        let event: RawTimeEvent = strict_from_ipld(value, &block.bytes, "time event")?;
        let proof_bytes = super::event::fetch(source, &event.proof, "anchor proof")?;
        let proof: AnchorProof = decode_strict(&proof_bytes, "anchor proof")?;
        let proof_block = Block {
            cid: event.proof,
            bytes: proof_bytes,
        };
        let indices = path_indices(&event.path)?;
        let witness = merkle_witness(source, proof.root, &indices, Error::InvalidEvent)?;
        Ok(TimeEvent {
            event,
            block,
            proof,
            proof_block,
            witness,
        })
    }

    /// The root block's fields.
    pub fn event(&self) -> &RawTimeEvent {
        &self.event
    }

    /// The event CID.
    pub fn cid(&self) -> &Cid {
        &self.block.cid
    }

    /// The proof.
    pub fn proof(&self) -> &AnchorProof {
        &self.proof
    }

    /// The Merkle nodes from the root down, all but the leaf.
    pub fn witness(&self) -> &[Block] {
        &self.witness
    }

    /// The blocks in the order the network writes them: event, proof, Merkle nodes root first.
    pub fn blocks(&self) -> impl Iterator<Item = &Block> {
        [&self.block, &self.proof_block]
            .into_iter()
            .chain(self.witness.iter())
    }
}
