//! Time events: the Merkle path from the proof's root down to the anchored event, and the
//! Ethereum transaction that commits to the root (through a JSON-RPC transport the caller gives).

use std::future::Future;

use crate::codec::Ipld;
use crate::codec::Value;
use cid::Cid;
use serde::Serialize;

use crate::codec::{json, SHA2_256};
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
    /// Block number.
    pub block_number: u64,
    /// Block timestamp, unix seconds.
    pub timestamp: u64,
}

/// The Ceramic anchor contracts: `0x231055A0…6AdC`, the one address js-ceramic accepts on every
/// chain since 2023-02-15, and `0xD3f84Cf6…39f2`, the one before (eth-anchors.md, "Contract
/// addresses"). Lower-case; compared case-insensitively.
pub const ANCHOR_CONTRACTS: &[&str] = &[
    "0x231055a0852d67c7107ad0d0dfeab60278fe6adc",
    "0xd3f84cf6be3dd0eb16dc89c972f7a27b441a39f2",
];

/// The first block of each chain at which anchors must be `f(bytes32)` contract calls; earlier
/// (V0, "raw") anchors are refused, as ceramic-one refuses them (eth-anchors.md, "Block thresholds").
const BLOCK_THRESHOLDS: &[(&str, u64)] = &[
    ("eip155:1", 16_688_195),
    ("eip155:3", 1_000_000_000),
    ("eip155:5", 8_498_671),
    ("eip155:100", 26_509_835),
    ("eip155:11155111", 5_518_585),
    ("eip155:1337", 1),
];

/// Ethereum JSON-RPC for the chains a caller has providers for. Implemented over EIP-1193
/// providers and fetch in the browser, and by recorded answers in tests.
pub trait EthRpc {
    /// Whether there is a provider for `chain_id` (CAIP-2, e.g. `eip155:1`): one given for that
    /// chain, or one given for any chain that answers `eth_chainId` with it.
    fn serves(&self, chain_id: &str) -> impl Future<Output = Result<bool>>;
    /// Whether any provider was given: without one, no chain is asked (and the lazily loaded
    /// part, where the chain checks are, is not needed).
    fn has_providers(&self) -> bool {
        true
    }
    /// Call `method` with `params` on `chain_id`; return the JSON-RPC `result`.
    fn request(
        &self,
        chain_id: &str,
        method: &str,
        params: Value,
    ) -> impl Future<Output = Result<Value>>;
    /// Anchor contract addresses accepted besides [`ANCHOR_CONTRACTS`] (a caller's own chain).
    fn extra_contracts(&self) -> &[String] {
        &[]
    }
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
                crate::codec::cid_text(&raw.prev),
                root = crate::codec::cid_text(&root)
            )))
        };
    };
    let witness = event.witness();
    if witness.len() != indices.len() {
        return Err(bad(format!(
            "path {} needs {} Merkle nodes, the event carries {}",
            crate::codec::quoted(&raw.path),
            indices.len(),
            witness.len()
        )));
    }
    let mut expected = root;
    for (depth, block) in witness.iter().enumerate() {
        if block.cid != expected {
            return Err(bad(format!(
                "Merkle node {} is not the linked {expected}",
                crate::codec::cid_text(&block.cid),
                expected = crate::codec::cid_text(&expected)
            )));
        }
        let node: Vec<Ipld> = crate::events::merkle_node(&block.bytes).map_err(|e| {
            bad(format!(
                "Merkle node {}: {e}",
                crate::codec::cid_text(&block.cid)
            ))
        })?;
        let index = inner.get(depth).copied().unwrap_or(last);
        match node.get(index) {
            Some(Ipld::Link(child)) => expected = *child,
            _ => {
                return Err(bad(format!(
                    "Merkle node {} has no link at {index}",
                    crate::codec::cid_text(&block.cid)
                )))
            }
        }
    }
    if expected != raw.prev {
        return Err(bad(format!(
            "the path {} leads to {expected}, not to prev {}",
            crate::codec::quoted(&raw.path),
            crate::codec::cid_text(&raw.prev),
            expected = crate::codec::cid_text(&expected)
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

/// A JSON-RPC quantity (`"0x…"`) as a number; `CHAIN_RPC` otherwise.
pub(crate) fn parse_hex_u64(v: &Value, what: &str) -> Result<u64> {
    let s = v
        .as_str()
        .and_then(|s| s.strip_prefix("0x"))
        .ok_or_else(|| {
            Error::ChainRpc(format!(
                "{what} is not a 0x hex quantity: {}",
                json::text(v)
            ))
        })?;
    u64::from_str_radix(s, 16)
        .map_err(|e| Error::ChainRpc(format!("{what} {}: {e}", crate::codec::quoted(s))))
}

/// Check on chain that the proof's transaction anchors its root (V1 `anchorDagCbor(bytes32)`)
/// through `rpc`'s provider for the proof's chain: the provider is on that chain; the transaction
/// exists there, is mined, calls a Ceramic anchor contract ([`ANCHOR_CONTRACTS`] or the caller's)
/// with the root's digest; its block is the one the provider returns, at or after the chain's V1
/// threshold. Returns the block's timestamp.
pub async fn check_chain(event: &TimeEvent, rpc: &impl EthRpc) -> Result<ChainAnchor> {
    let proof = event.proof();
    let chain_id = proof.chain_id.as_str();
    let reference = chain_id
        .strip_prefix("eip155:")
        .ok_or_else(|| Error::BadAnchorProof(format!("chain {chain_id} is not an eip155 chain")))?;
    match proof.tx_type.as_deref() {
        Some("f(bytes32)") => {}
        other => {
            return Err(Error::BadAnchorProof(format!(
                "txType {} is not supported (only V1 \"f(bytes32)\" anchors, as ceramic-one)",
                other.map_or("(none)".into(), |t| crate::codec::quoted(t).to_string())
            )))
        }
    }
    if proof.tx_hash.codec() != ETH_TX || proof.tx_hash.hash().code() != KECCAK_256 {
        return Err(Error::BadAnchorProof(format!(
            "txHash {} is not an eth-tx keccak-256 CID",
            crate::codec::cid_text(&proof.tx_hash)
        )));
    }
    let tx_hash = hex0x(proof.tx_hash.hash().digest());
    let on_chain = |v: &Value, what: &str| -> Result<()> {
        match v.as_str() {
            None => Ok(()),
            Some(_) if parse_hex_u64(v, what)?.to_string() == reference => Ok(()),
            Some(_) => Err(Error::AnchorChainMismatch(format!(
                "{what} is {}, the proof is on {chain_id}",
                parse_hex_u64(v, what)?
            ))),
        }
    };

    let served = rpc
        .request(chain_id, "eth_chainId", Value::Array(Vec::new()))
        .await?;
    on_chain(&served, "the provider's chain")?;
    let tx = rpc
        .request(
            chain_id,
            "eth_getTransactionByHash",
            Value::Array(vec![Value::String(tx_hash.clone())]),
        )
        .await?;
    if tx.is_null() {
        return Err(Error::AnchorTxMismatch(format!(
            "transaction {tx_hash} is not on {chain_id}"
        )));
    }
    // EIP-155 transactions name their chain: a provider answering with another chain's is caught.
    on_chain(&tx["chainId"], "the transaction's chain")?;
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
            crate::codec::cid_text(&proof.root),
            anchored = crate::codec::cid_text(&anchored)
        )));
    }
    // As js-ceramic (ceramic-one does not check it): sent to a Ceramic anchor contract.
    let to = tx["to"].as_str().unwrap_or_default().to_ascii_lowercase();
    let known = ANCHOR_CONTRACTS.iter().map(|c| c.to_string());
    if !known
        .chain(rpc.extra_contracts().iter().map(|c| c.to_ascii_lowercase()))
        .any(|c| c == to)
    {
        return Err(Error::AnchorContractMismatch(format!(
            "transaction {tx_hash} was sent to {}, not to a Ceramic anchor contract",
            if to.is_empty() { "no address" } else { &to }
        )));
    }
    let block_hash = tx["blockHash"]
        .as_str()
        .ok_or_else(|| Error::AnchorTxMismatch(format!("transaction {tx_hash} is not mined yet")))?
        .to_string();
    let block = rpc
        .request(
            chain_id,
            "eth_getBlockByHash",
            Value::Array(vec![Value::String(block_hash.clone()), Value::Bool(false)]),
        )
        .await?;
    if block.is_null() {
        return Err(Error::ChainRpc(format!("block {block_hash} not found")));
    }
    let number = parse_hex_u64(&block["number"], "block number")?;
    let same_hash = block["hash"]
        .as_str()
        .is_none_or(|h| h.eq_ignore_ascii_case(&block_hash));
    let same_number = tx["blockNumber"].is_null()
        || parse_hex_u64(&tx["blockNumber"], "transaction block number")? == number;
    if !same_hash || !same_number {
        return Err(Error::AnchorBlockMismatch(format!(
            "the provider's block {} (number {number}) is not the transaction's {block_hash} ({})",
            json::text(&block["hash"]),
            json::text(&tx["blockNumber"])
        )));
    }
    if let Some((_, threshold)) = BLOCK_THRESHOLDS.iter().find(|(c, _)| *c == chain_id) {
        if number < *threshold {
            return Err(Error::BadAnchorProof(format!(
                "block {number} is before {chain_id}'s V1 anchors (block {threshold}): V0 anchor proofs are not supported"
            )));
        }
    }
    let timestamp = parse_hex_u64(&block["timestamp"], "block timestamp")?;
    Ok(ChainAnchor {
        tx_hash,
        block_hash,
        block_number: number,
        timestamp,
    })
}

/// The anchor status of a time event whose Merkle path is already checked: checked on chain when
/// `rpc` has a provider for the proof's eip155 chain, else `Unchecked`.
pub async fn anchor_status<R: EthRpc>(event: &TimeEvent, rpc: Option<&R>) -> Result<AnchorStatus> {
    let chain_id = event.proof().chain_id.clone();
    if event.is_local() {
        return Ok(AnchorStatus::Local { chain_id });
    }
    match rpc {
        Some(rpc) if rpc.has_providers() => {
            // The chain checks are in the npm package's lazily loaded part.
            let loaded = crate::part::require("anchor checks on chain")?;
            crate::part::run(loaded, chain_status(event, rpc, chain_id)).await
        }
        _ => Ok(AnchorStatus::Unchecked { chain_id }),
    }
}

/// [`anchor_status`] with providers: checked on chain when one serves the proof's chain.
async fn chain_status<R: EthRpc>(
    event: &TimeEvent,
    rpc: &R,
    chain_id: String,
) -> Result<AnchorStatus> {
    if !rpc.serves(&chain_id).await? {
        return Ok(AnchorStatus::Unchecked { chain_id });
    }
    let a = check_chain(event, rpc).await?;
    Ok(AnchorStatus::Chain {
        chain_id,
        timestamp: a.timestamp,
        block: a.block_number,
        tx_hash: a.tx_hash,
    })
}

/// An [`EthRpc`] that remembers answers that cannot change (the chain id, mined transactions,
/// blocks by hash), so that the thousands of streams one anchor transaction covers cost one
/// lookup. At most 4,096 answers; then it starts over.
pub struct CachedRpc<R> {
    inner: R,
    /// A JSON object's map (`codec::Map`, sorted keys), the type of every JSON object here: a
    /// hash map of its own would link a table's code (~2 K of wasm) for a cache of at most 4,096
    /// entries, where a new answer costs a move of at most 4,096 entries (tens of µs) after an RPC
    /// round trip.
    answers: std::cell::RefCell<crate::codec::Map<String, Value>>,
}

impl<R> std::fmt::Debug for CachedRpc<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedRpc")
            .field("answers", &self.answers.borrow().len())
            .finish_non_exhaustive()
    }
}

impl<R> CachedRpc<R> {
    /// Cache `inner`'s answers.
    pub fn new(inner: R) -> Self {
        CachedRpc {
            inner,
            answers: Default::default(),
        }
    }
}

impl<R: EthRpc> EthRpc for CachedRpc<R> {
    async fn serves(&self, chain_id: &str) -> Result<bool> {
        self.inner.serves(chain_id).await
    }

    fn has_providers(&self) -> bool {
        self.inner.has_providers()
    }

    async fn request(&self, chain_id: &str, method: &str, params: Value) -> Result<Value> {
        let key = format!("{chain_id} {method} {}", json::text(&params));
        if let Some(v) = self.answers.borrow().get(&key) {
            return Ok(v.clone());
        }
        let v = self.inner.request(chain_id, method, params).await?;
        let lasting = match method {
            "eth_chainId" => true,
            // Only mined transactions: a pending one gets its block later.
            "eth_getTransactionByHash" => v["blockHash"].is_string(),
            "eth_getBlockByHash" => !v.is_null(),
            _ => false,
        };
        if lasting {
            let mut answers = self.answers.borrow_mut();
            if answers.len() >= 4096 {
                answers.clear();
            }
            answers.insert(key, v.clone());
        }
        Ok(v)
    }

    fn extra_contracts(&self) -> &[String] {
        self.inner.extra_contracts()
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
