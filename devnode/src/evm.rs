//! Anchoring on an EVM chain, as ceramic-one does with `--evm-*`: one `anchorDagCbor(bytes32)`
//! call per batch to the anchor contract, carrying the Merkle root's sha2-256 digest, signed here
//! with the node's key (a legacy EIP-155 transaction), then waiting for confirmations.
//!
//! The JSON-RPC client speaks plain HTTP (a local chain such as anvil, or a local proxy): the
//! devnode is a development node and carries no TLS stack.

use std::time::Duration;

use k256::ecdsa::SigningKey;
use serde_json::{json, Value};
use sha3::{Digest, Keccak256};

/// `--evm-*` settings.
#[derive(Clone)]
pub struct EvmConfig {
    /// JSON-RPC endpoint (http://…).
    pub rpc_url: String,
    /// The key that pays for and signs anchor transactions.
    pub key: SigningKey,
    /// The chain's id; the endpoint must serve it.
    pub chain_id: u64,
    /// The anchor contract.
    pub contract: [u8; 20],
    /// Blocks after the transaction's before its anchor counts (ceramic-one: 4).
    pub confirmations: u64,
    /// How often to ask for the receipt and new blocks.
    pub poll: Duration,
    /// How long to wait for the receipt and confirmations.
    pub timeout: Duration,
}

impl std::fmt::Debug for EvmConfig {
    // The key is never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EvmConfig")
            .field("rpc_url", &self.rpc_url)
            .field("chain_id", &self.chain_id)
            .field("contract", &hex::encode(self.contract))
            .field("confirmations", &self.confirmations)
            .finish_non_exhaustive()
    }
}

/// `anchorDagCbor(bytes32)`.
const SELECTOR: [u8; 4] = [0x97, 0xad, 0x09, 0xeb];

impl EvmConfig {
    /// From the flags' strings: the key and the contract as hex (with or without `0x`).
    pub fn parse(
        rpc_url: String,
        private_key: &str,
        chain_id: u64,
        contract: &str,
        confirmations: u64,
    ) -> Result<Self, String> {
        let unhex = |s: &str, what: &str| {
            hex::decode(s.strip_prefix("0x").unwrap_or(s)).map_err(|e| format!("{what}: {e}"))
        };
        let key = SigningKey::from_slice(&unhex(private_key, "--evm-private-key")?)
            .map_err(|_| "--evm-private-key is not a secp256k1 key".to_string())?;
        let contract: [u8; 20] = unhex(contract, "--evm-contract-address")?
            .try_into()
            .map_err(|_| "--evm-contract-address must be 20 bytes".to_string())?;
        if confirmations == 0 {
            return Err("--evm-confirmations must be at least 1 (as ceramic-one)".into());
        }
        if !rpc_url.starts_with("http://") {
            return Err("--evm-rpc-url must be an http:// URL (the devnode has no TLS)".into());
        }
        Ok(EvmConfig {
            rpc_url,
            key,
            chain_id,
            contract,
            confirmations,
            poll: Duration::from_millis(250),
            timeout: Duration::from_secs(300),
        })
    }

    /// The key's Ethereum address.
    pub fn address(&self) -> [u8; 20] {
        let point = self.key.verifying_key().to_sec1_point(false);
        let hash = Keccak256::digest(&point.as_bytes()[1..]);
        let mut a = [0u8; 20];
        a.copy_from_slice(&hash[12..]);
        a
    }
}

// RLP, only what a legacy transaction needs (byte strings and one list): a dozen lines instead
// of a crate.
fn rlp_header(out: &mut Vec<u8>, offset: u8, len: usize) {
    if len < 56 {
        out.push(offset + len as u8);
    } else {
        let be = len.to_be_bytes();
        let be = &be[be.iter().position(|b| *b != 0).unwrap_or(be.len() - 1)..];
        out.push(offset + 55 + be.len() as u8);
        out.extend_from_slice(be);
    }
}

fn rlp_bytes(out: &mut Vec<u8>, b: &[u8]) {
    if let [x] = b {
        if *x < 0x80 {
            out.push(*x);
            return;
        }
    }
    rlp_header(out, 0x80, b.len());
    out.extend_from_slice(b);
}

/// An unsigned integer: big-endian without leading zeros (0 is the empty string).
fn rlp_uint(out: &mut Vec<u8>, v: &[u8]) {
    let start = v.iter().position(|b| *b != 0).unwrap_or(v.len());
    rlp_bytes(out, &v[start..]);
}

fn rlp_list(items: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(items.len() + 9);
    rlp_header(&mut out, 0xc0, items.len());
    out.extend_from_slice(items);
    out
}

/// The signed legacy EIP-155 transaction calling `anchorDagCbor(root)`.
fn anchor_tx(cfg: &EvmConfig, nonce: u64, gas_price: u128, gas: u64, root: &[u8; 32]) -> Vec<u8> {
    let mut data = SELECTOR.to_vec();
    data.extend_from_slice(root);
    let fields = |v: &[u8], r: &[u8], s: &[u8]| {
        let mut f = Vec::new();
        rlp_uint(&mut f, &nonce.to_be_bytes());
        rlp_uint(&mut f, &gas_price.to_be_bytes());
        rlp_uint(&mut f, &gas.to_be_bytes());
        rlp_bytes(&mut f, &cfg.contract);
        rlp_uint(&mut f, &[]);
        rlp_bytes(&mut f, &data);
        rlp_uint(&mut f, v);
        rlp_uint(&mut f, r);
        rlp_uint(&mut f, s);
        rlp_list(&f)
    };
    let unsigned = fields(&cfg.chain_id.to_be_bytes(), &[], &[]);
    let (sig, recid) = cfg
        .key
        .sign_prehash_recoverable(&Keccak256::digest(&unsigned));
    let v = cfg.chain_id * 2 + 35 + u64::from(recid.to_byte());
    let rs = sig.to_bytes();
    fields(&v.to_be_bytes(), &rs[..32], &rs[32..])
}

/// A JSON-RPC client for the chain.
struct Rpc<'a> {
    http: reqwest::Client,
    url: &'a str,
}

fn quantity(v: &Value, what: &str) -> Result<u128, String> {
    v.as_str()
        .and_then(|s| s.strip_prefix("0x"))
        .and_then(|s| u128::from_str_radix(s, 16).ok())
        .ok_or_else(|| format!("{what} is not a quantity: {v}"))
}

impl Rpc<'_> {
    async fn call(&self, method: &str, params: Value) -> Result<Value, String> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let resp = self
            .http
            .post(self.url)
            .json(&body)
            .send()
            .await
            .map_err(|e| format!("{method}: {e}"))?;
        let v: Value = resp.json().await.map_err(|e| format!("{method}: {e}"))?;
        if let Some(e) = v.get("error") {
            return Err(format!(
                "{method}: {}",
                e["message"].as_str().unwrap_or("error")
            ));
        }
        Ok(v.get("result").cloned().unwrap_or(Value::Null))
    }
}

/// Send the anchor transaction for `root` (a sha2-256 digest) and wait until it has
/// `confirmations` blocks on top. Returns the transaction hash.
pub async fn anchor(cfg: &EvmConfig, root: &[u8; 32]) -> Result<[u8; 32], String> {
    let rpc = Rpc {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| e.to_string())?,
        url: &cfg.rpc_url,
    };
    let chain = quantity(&rpc.call("eth_chainId", json!([])).await?, "eth_chainId")?;
    if chain != u128::from(cfg.chain_id) {
        return Err(format!(
            "the RPC serves chain {chain}, --evm-chain-id is {}",
            cfg.chain_id
        ));
    }
    let from = format!("0x{}", hex::encode(cfg.address()));
    let to = format!("0x{}", hex::encode(cfg.contract));
    let nonce = quantity(
        &rpc.call("eth_getTransactionCount", json!([from, "pending"]))
            .await?,
        "nonce",
    )?;
    let gas_price = quantity(&rpc.call("eth_gasPrice", json!([])).await?, "gas price")?;
    let data = format!("0x{}{}", hex::encode(SELECTOR), hex::encode(root));
    let estimate = rpc
        .call(
            "eth_estimateGas",
            json!([{"from": from, "to": to, "data": data}]),
        )
        .await?;
    // A margin over the estimate, as wallets add.
    let gas = quantity(&estimate, "gas estimate")? as u64 * 6 / 5 + 1_000;
    let raw = anchor_tx(cfg, nonce as u64, gas_price, gas, root);
    let hash = rpc
        .call(
            "eth_sendRawTransaction",
            json!([format!("0x{}", hex::encode(&raw))]),
        )
        .await?;
    let tx_hash: [u8; 32] = hash
        .as_str()
        .and_then(|h| hex::decode(h.trim_start_matches("0x")).ok())
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| format!("eth_sendRawTransaction answered {hash}"))?;
    // Our own hash of what we sent must be what the node computed.
    if Keccak256::digest(&raw)[..] != tx_hash[..] {
        return Err("the node's transaction hash is not the transaction's".into());
    }
    let deadline = tokio::time::Instant::now() + cfg.timeout;
    let mined_in = loop {
        let receipt = rpc.call("eth_getTransactionReceipt", json!([hash])).await?;
        if !receipt.is_null() {
            if receipt["status"] != "0x1" {
                return Err(format!("anchor transaction {hash} reverted"));
            }
            break quantity(&receipt["blockNumber"], "receipt block")?;
        }
        if tokio::time::Instant::now() > deadline {
            return Err(format!("anchor transaction {hash} not mined in time"));
        }
        tokio::time::sleep(cfg.poll).await;
    };
    loop {
        let head = quantity(&rpc.call("eth_blockNumber", json!([])).await?, "block")?;
        if head.saturating_sub(mined_in) >= u128::from(cfg.confirmations) {
            return Ok(tx_hash);
        }
        if tokio::time::Instant::now() > deadline {
            return Err(format!(
                "anchor transaction {hash}: no {} confirmations in time",
                cfg.confirmations
            ));
        }
        tokio::time::sleep(cfg.poll).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rlp_of_known_values() {
        // Ethereum's RLP examples.
        let mut out = Vec::new();
        rlp_bytes(&mut out, b"dog");
        assert_eq!(out, [0x83, b'd', b'o', b'g']);
        let mut out = Vec::new();
        rlp_uint(&mut out, &0u64.to_be_bytes());
        assert_eq!(out, [0x80]);
        let mut out = Vec::new();
        rlp_uint(&mut out, &1024u64.to_be_bytes());
        assert_eq!(out, [0x82, 0x04, 0x00]);
        let mut items = Vec::new();
        rlp_bytes(&mut items, b"cat");
        rlp_bytes(&mut items, b"dog");
        assert_eq!(
            rlp_list(&items),
            [0xc8, 0x83, b'c', b'a', b't', 0x83, b'd', b'o', b'g']
        );
        let long = [b'a'; 56];
        let mut out = Vec::new();
        rlp_bytes(&mut out, &long);
        assert_eq!(&out[..2], [0xb8, 56]);
    }

    #[test]
    fn eip155_example_transaction() {
        // anvil's first dev key and its well-known address; the chain accepting what this signs
        // is tests/evm.rs's part.
        let cfg = EvmConfig::parse(
            "http://127.0.0.1:8545".into(),
            "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
            31337,
            "0x5fbdb2315678afecb367f032d93f642f64180aa3",
            1,
        )
        .unwrap();
        assert_eq!(
            hex::encode(cfg.address()),
            "f39fd6e51aad88f6f4ce6ab8827279cfffb92266"
        );
        let tx = anchor_tx(&cfg, 0, 1_000_000_000, 30_000, &[7; 32]);
        // A list whose v is 2 * 31337 + 35 or + 36.
        assert_eq!(tx[0], 0xf8);
        assert!(
            format!("{cfg:?}").find("ac0974").is_none(),
            "the key is never printed"
        );
    }
}
