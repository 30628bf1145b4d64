//! Time events: the Merkle path from the proof's root down to the anchored event, and the
//! Ethereum transaction that commits to the root (through a JSON-RPC transport the caller gives).

use std::future::Future;

use cid::Cid;
use ipld_core::ipld::Ipld;
use serde::Serialize;
use serde_json::{json, Value};

use crate::codec::dagcbor::from_dag_cbor;
use crate::codec::SHA2_256;
use crate::error::{Error, Result};
use crate::events::TimeEvent;
pub use crate::stream::AnchorStatus;

/// Chain-id namespaces of development anchors (ceramic-devnode's `inmemory:…`, `local:…`): such
/// proofs are reported as locally anchored, never as chain-verified.
pub const LOCAL_CHAIN_NAMESPACES: &[&str] = &["inmemory", "local"];

/// `keccak256("anchorDagCbor(bytes32)")[0..4]`, the V1 anchor function selector.
const ANCHOR_SELECTOR: [u8; 4] = [0x97, 0xad, 0x09, 0xeb];
const KECCAK_256: u64 = 0x1b;
const ETH_TX: u64 = 0x93;

/// The on-chain facts behind a proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChainAnchor {
    /// Transaction hash, `0x…`.
    pub tx_hash: String,
    /// Block hash, `0x…`.
    pub block_hash: String,
    /// Block timestamp, unix seconds.
    pub timestamp: u64,
}

/// Ethereum JSON-RPC, for one chain. Implemented over fetch in the browser and by recorded
/// answers in tests.
pub trait EthRpc {
    /// Call `method` with `params`; return the JSON-RPC `result`.
    fn request(&self, method: &str, params: Value) -> impl Future<Output = Result<Value>>;
}

/// Walk the time event's `path` from `proof.root` through its witness blocks and check that it
/// ends at `prev`. Every node must be a witness block whose CID is the link followed.
pub fn walk_merkle_path(event: &TimeEvent) -> Result<()> {
    let raw = event.event();
    let root = event.proof().root;
    let bad = |m: String| Error::BadAnchorProof(m);
    let indices = crate::events::time_path_indices(&raw.path).map_err(|e| bad(e.to_string()))?;
    let Some((&last, inner)) = indices.split_last() else {
        return if root == raw.prev {
            Ok(())
        } else {
            Err(bad(format!(
                "empty path, but the proof root {root} is not prev {}",
                raw.prev
            )))
        };
    };
    let witness = event.witness();
    if witness.len() != indices.len() {
        return Err(bad(format!(
            "path {:?} needs {} Merkle nodes, the event carries {}",
            raw.path,
            indices.len(),
            witness.len()
        )));
    }
    let mut expected = root;
    for (depth, block) in witness.iter().enumerate() {
        if block.cid != expected {
            return Err(bad(format!(
                "Merkle node {} is not the linked {expected}",
                block.cid
            )));
        }
        let node: Vec<Ipld> = from_dag_cbor(&block.bytes)
            .map_err(|e| bad(format!("Merkle node {}: {e}", block.cid)))?;
        let index = inner.get(depth).copied().unwrap_or(last);
        match node.get(index) {
            Some(Ipld::Link(child)) => expected = *child,
            _ => {
                return Err(bad(format!(
                    "Merkle node {} has no link at {index}",
                    block.cid
                )))
            }
        }
    }
    if expected != raw.prev {
        return Err(bad(format!(
            "the path {:?} leads to {expected}, not to prev {}",
            raw.path, raw.prev
        )));
    }
    Ok(())
}

impl TimeEvent {
    /// Whether the proof's chain is a development chain (see [`LOCAL_CHAIN_NAMESPACES`]).
    pub fn is_local(&self) -> bool {
        let ns = self.proof().chain_id.split(':').next().unwrap_or_default();
        LOCAL_CHAIN_NAMESPACES.contains(&ns)
    }
}

fn hex0x(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(2 + bytes.len() * 2);
    s.push_str("0x");
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

fn parse_hex_u64(v: &Value, what: &str) -> Result<u64> {
    let s = v
        .as_str()
        .and_then(|s| s.strip_prefix("0x"))
        .ok_or_else(|| Error::ChainRpc(format!("{what} is not a 0x hex quantity: {v}")))?;
    u64::from_str_radix(s, 16).map_err(|e| Error::ChainRpc(format!("{what} {s:?}: {e}")))
}

/// Check on chain that the proof's transaction anchors its root (V1 `anchorDagCbor(bytes32)`),
/// on the chain `rpc` talks to. Returns the block's timestamp.
pub async fn check_chain(event: &TimeEvent, rpc: &impl EthRpc) -> Result<ChainAnchor> {
    let proof = event.proof();
    let reference = proof.chain_id.strip_prefix("eip155:").ok_or_else(|| {
        Error::BadAnchorProof(format!("chain {} is not an eip155 chain", proof.chain_id))
    })?;
    match proof.tx_type.as_deref() {
        Some("f(bytes32)") => {}
        other => {
            return Err(Error::BadAnchorProof(format!(
                "txType {other:?} is not supported (only V1 \"f(bytes32)\" anchors, as ceramic-one)"
            )))
        }
    }
    if proof.tx_hash.codec() != ETH_TX || proof.tx_hash.hash().code() != KECCAK_256 {
        return Err(Error::BadAnchorProof(format!(
            "txHash {} is not an eth-tx keccak-256 CID",
            proof.tx_hash
        )));
    }
    let tx_hash = hex0x(proof.tx_hash.hash().digest());

    let chain = rpc.request("eth_chainId", json!([])).await?;
    let chain = parse_hex_u64(&chain, "eth_chainId")?;
    if chain.to_string() != reference {
        return Err(Error::ChainRpc(format!(
            "the RPC serves chain {chain}, the proof is on {}",
            proof.chain_id
        )));
    }

    let tx = rpc
        .request("eth_getTransactionByHash", json!([tx_hash]))
        .await?;
    if tx.is_null() {
        return Err(Error::AnchorTxMismatch(format!(
            "transaction {tx_hash} is not on {}",
            proof.chain_id
        )));
    }
    let input = tx["input"]
        .as_str()
        .ok_or_else(|| Error::ChainRpc("transaction has no input".into()))?;
    let input = crate::did::siwx::decode_hex(input.strip_prefix("0x").unwrap_or(input))
        .ok_or_else(|| Error::ChainRpc("transaction input is not hex".into()))?;
    let anchored = root_from_input(&input).ok_or_else(|| {
        Error::AnchorTxMismatch(format!(
            "transaction {tx_hash} is not an anchorDagCbor(bytes32) call"
        ))
    })?;
    // The contract holds the root's sha2-256 digest: compare multihashes, not codecs.
    if anchored.hash() != proof.root.hash() {
        return Err(Error::AnchorTxMismatch(format!(
            "transaction {tx_hash} anchors {anchored}, not the proof root {}",
            proof.root
        )));
    }
    let block_hash = tx["blockHash"]
        .as_str()
        .ok_or_else(|| Error::AnchorTxMismatch(format!("transaction {tx_hash} is not mined yet")))?
        .to_string();
    let block = rpc
        .request("eth_getBlockByHash", json!([block_hash, false]))
        .await?;
    if block.is_null() {
        return Err(Error::ChainRpc(format!("block {block_hash} not found")));
    }
    let timestamp = parse_hex_u64(&block["timestamp"], "block timestamp")?;
    Ok(ChainAnchor {
        tx_hash,
        block_hash,
        timestamp,
    })
}

/// The anchor status of a time event whose Merkle path is already checked, asking `rpc` (if
/// any) for eip155 chains.
pub async fn anchor_status<R: EthRpc>(event: &TimeEvent, rpc: Option<&R>) -> Result<AnchorStatus> {
    let chain_id = event.proof().chain_id.clone();
    if event.is_local() {
        return Ok(AnchorStatus::Local { chain_id });
    }
    match rpc {
        Some(rpc) => {
            let a = check_chain(event, rpc).await?;
            Ok(AnchorStatus::Chain {
                chain_id,
                timestamp: a.timestamp,
            })
        }
        None => Ok(AnchorStatus::Unchecked { chain_id }),
    }
}

/// The root a V1 anchor transaction's input commits to: `0x97ad09eb ‖ sha2-256 digest` as a
/// dag-cbor CID.
pub fn root_from_input(input: &[u8]) -> Option<Cid> {
    match input {
        [a, b, c, d, digest @ ..] if [*a, *b, *c, *d] == ANCHOR_SELECTOR && digest.len() == 32 => {
            let mh = multihash::Multihash::<64>::wrap(SHA2_256, digest).ok()?;
            Some(Cid::new_v1(crate::codec::DAG_CBOR, mh))
        }
        _ => None,
    }
}
