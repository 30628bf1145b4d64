//! Anchor commits of legacy streams through the same checks as time events (their Merkle walk
//! and chain check, on a time event built from the commit): the path from the proof's root down
//! to `prev`, then (with a provider for the proof's chain) the transaction.
//! The proof and Merkle blocks come from any [`BlockSource`] (an IPFS gateway's raw blocks, a
//! CAR): js-ceramic's `/api/v0` does not serve them.

use crate::codec::Ipld;
use crate::codec::Value;
use crate::json;

use super::anchor::{anchor_status, walk_merkle_path, EthRpc};
use crate::codec::dagcbor::decode_ipld;
use crate::codec::BlockSource;
use crate::error::{Error, Result};
use crate::events::{fetch_block, merkle_witness, time_path_indices};
use crate::events::{AnchorProof, RawTimeEvent, TimeEvent};
use crate::legacy::tile::AnchorInfo;
use crate::legacy::Commit;
use crate::stream::AnchorStatus;

fn bad(msg: impl std::fmt::Display) -> Error {
    Error::BadAnchorProof(format!("legacy anchor: {msg}"))
}

/// The proof block of an anchor commit: `{chainId, root, txHash, txType?}` (older proofs also
/// carry `blockNumber`, `blockTimestamp`, `version`: kept in the JSON, not trusted).
pub fn read_proof(commit: &Commit, blocks: &dyn BlockSource) -> Result<(AnchorProof, Value)> {
    let (proof_cid, _) = commit.anchor()?;
    let bytes = fetch_block(blocks, &proof_cid, "anchor proof")?;
    let Ipld::Map(map) = decode_ipld(&bytes)? else {
        return Err(bad(format!(
            "proof {proof_cid} is not a map",
            proof_cid = crate::codec::cid_text(&proof_cid)
        )));
    };
    let link = |k: &str| match map.get(k) {
        Some(Ipld::Link(c)) => Ok(*c),
        _ => Err(bad(format!(
            "proof {proof_cid} has no link `{k}`",
            proof_cid = crate::codec::cid_text(&proof_cid)
        ))),
    };
    let chain_id = match map.get("chainId") {
        Some(Ipld::String(s)) => s.clone(),
        _ => {
            return Err(bad(format!(
                "proof {proof_cid} has no chainId",
                proof_cid = crate::codec::cid_text(&proof_cid)
            )))
        }
    };
    let tx_type = match map.get("txType") {
        Some(Ipld::String(s)) => Some(s.clone()),
        None => None,
        Some(_) => {
            return Err(bad(format!(
                "proof {proof_cid}: txType is not a string",
                proof_cid = crate::codec::cid_text(&proof_cid)
            )))
        }
    };
    let proof = AnchorProof {
        chain_id,
        root: link("root")?,
        tx_hash: link("txHash")?,
        tx_type,
    };
    let mut out = json!({
        "chainId": proof.chain_id,
        "root": crate::codec::cid_text(&proof.root).to_string(),
        "txHash": crate::codec::cid_text(&proof.tx_hash).to_string(),
    });
    for (k, v) in &map {
        if let ("txType" | "blockNumber" | "blockTimestamp" | "version", Ok(v)) =
            (k.as_str(), crate::events::ipld_to_json(v))
        {
            out[k] = v;
        }
    }
    Ok((proof, out))
}

/// Check an anchor commit: the Merkle path, then the chain when `rpc` serves the proof's chain
/// (V1 `f(bytes32)` anchors, as for time events). The timestamp is the block's, only when the
/// chain was asked.
pub async fn check_anchor<R: EthRpc>(
    commit: &Commit,
    blocks: &dyn BlockSource,
    rpc: Option<&R>,
) -> Result<(AnchorStatus, AnchorInfo)> {
    let (proof, json) = read_proof(commit, blocks)?;
    let (proof_cid, path) = commit.anchor()?;
    let prev = commit.prev()?.ok_or_else(|| {
        bad(format!(
            "{} has no prev",
            crate::codec::cid_text(&commit.cid)
        ))
    })?;
    let indices = time_path_indices(&path).map_err(|e| bad(e.to_string()))?;
    let witness = merkle_witness(blocks, proof.root, &indices, Error::BadAnchorProof)?;
    // A time event's checks: old anchors have no `id` (neither check reads it).
    let event = TimeEvent::new(
        RawTimeEvent {
            id: commit.id()?.unwrap_or(prev),
            prev,
            proof: proof_cid,
            path,
        },
        proof,
        witness,
    )?;
    walk_merkle_path(&event)?;
    let status = anchor_status(&event, rpc).await?;
    let timestamp = match &status {
        AnchorStatus::Chain { timestamp, .. } => i64::try_from(*timestamp).ok(),
        _ => None,
    };
    Ok((
        status,
        AnchorInfo {
            timestamp,
            proof: Some(json),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::dagcbor::DagCborExt;
    use crate::verify::{run_ready, NoRpc};
    use cid::Cid;
    use std::collections::HashMap;

    fn block(v: Ipld, blocks: &mut HashMap<Cid, Vec<u8>>) -> Cid {
        let b = v.to_block().unwrap();
        blocks.insert(b.cid, b.bytes);
        b.cid
    }

    #[test]
    fn a_merkle_path_down_to_prev() {
        let mut blocks = HashMap::new();
        let leaf = |n: i64, blocks: &mut HashMap<Cid, Vec<u8>>| {
            block(
                Ipld::Map([("n".to_string(), Ipld::Integer(n.into()))].into()),
                blocks,
            )
        };
        let (a, b, c) = (
            leaf(1, &mut blocks),
            leaf(2, &mut blocks),
            leaf(3, &mut blocks),
        );
        let left = block(Ipld::List(vec![Ipld::Link(a), Ipld::Link(b)]), &mut blocks);
        let meta = Ipld::Map([("bloom".to_string(), Ipld::Null)].into());
        let root = block(
            Ipld::List(vec![Ipld::Link(left), Ipld::Link(c), meta]),
            &mut blocks,
        );
        let tx = crate::codec::dagcbor::sha256_cid(0x93, b"tx");
        let proof = block(
            Ipld::Map(
                [
                    ("chainId".to_string(), Ipld::String("inmemory:12345".into())),
                    ("root".to_string(), Ipld::Link(root)),
                    ("txHash".to_string(), Ipld::Link(tx)),
                    ("blockNumber".to_string(), Ipld::Integer(7.into())),
                ]
                .into(),
            ),
            &mut blocks,
        );
        let anchor = |prev: Cid, path: &str| {
            Commit::from_api_json(
                &json!({ "prev": crate::codec::cid_text(&prev).to_string(), "proof": crate::codec::cid_text(&proof).to_string(), "path": path }),
                None,
            )
            .unwrap()
        };
        let run = |c: &Commit, blocks: &HashMap<Cid, Vec<u8>>| {
            run_ready(check_anchor::<NoRpc>(c, blocks, None))
        };
        let (status, info) = run(&anchor(b, "0/1"), &blocks).unwrap();
        assert_eq!(
            status,
            AnchorStatus::Local {
                chain_id: "inmemory:12345".into()
            }
        );
        assert_eq!(info.timestamp, None);
        assert_eq!(info.proof.unwrap()["blockNumber"], 7);
        assert!(run(&anchor(c, "1"), &blocks).is_ok());
        // Wrong leaf, the metadata slot, a missing node, a bad segment.
        assert_eq!(
            run(&anchor(a, "0/1"), &blocks).unwrap_err().code(),
            "BAD_ANCHOR_PROOF"
        );
        assert_eq!(
            run(&anchor(c, "2"), &blocks).unwrap_err().code(),
            "BAD_ANCHOR_PROOF"
        );
        assert_eq!(
            run(&anchor(c, "x"), &blocks).unwrap_err().code(),
            "BAD_ANCHOR_PROOF"
        );
        let mut missing = blocks.clone();
        missing.remove(&left);
        assert_eq!(
            run(&anchor(b, "0/1"), &missing).unwrap_err().code(),
            "MISSING_BLOCK"
        );
        // A node's bytes that do not hash to its CID.
        let mut forged = blocks.clone();
        forged.insert(
            left,
            Ipld::List(vec![Ipld::Link(c), Ipld::Link(c)])
                .to_dag_cbor()
                .unwrap(),
        );
        assert!(run(&anchor(c, "0/1"), &forged).is_err());
        // An empty path: the root itself is prev.
        let direct = Commit::from_api_json(
            &json!({ "prev": crate::codec::cid_text(&root).to_string(), "proof": crate::codec::cid_text(&proof).to_string(), "path": "" }),
            None,
        )
        .unwrap();
        assert!(run(&direct, &blocks).is_ok());
    }
}
