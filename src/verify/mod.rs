//! Trust no node: verify every signature, capability, link, anchor and rule of a stream.
//!
//! [`verify_event`] checks one event against its stream's init event; [`verify_stream`] checks a
//! whole stream (events in any order) and folds it into a verified
//! [`StreamState`](crate::stream::StreamState), reporting every check it performed.

mod anchor;
#[cfg(feature = "legacy")]
pub mod legacy;
#[cfg(target_arch = "wasm32")]
pub(crate) use anchor::parse_hex_u64;
mod signature;
mod stream;

pub use anchor::{
    anchor_status, check_chain, root_from_input, walk_merkle_path, AnchorStatus, CachedRpc,
    ChainAnchor, EthRpc, ANCHOR_CONTRACTS, LOCAL_CHAIN_NAMESPACES,
};
pub use signature::verify_signer;
pub use stream::{
    collect_from_tip, verify_event, verify_events, verify_model, verify_stream, AnchorLevel,
    EventSource, Progress, VerifiedStream, VerifyContext,
};

use cid::Cid;
use serde::Serialize;

/// What kind of check was performed.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum CheckKind {
    /// Blocks hash to their CIDs and decode canonically.
    Encoding,
    /// The JWS signature verifies for the `kid` DID.
    Signature,
    /// The signer is the controller.
    Controller,
    /// The CACAO's own signature verifies for its issuer.
    CapabilitySignature,
    /// The CACAO is valid at the time checked.
    CapabilityTime,
    /// A CACAO resource covers the stream.
    CapabilityResource,
    /// `id` and `prev` link into the log.
    Link,
    /// The Merkle path leads from the proof root to the anchored event.
    MerkleProof,
    /// The blockchain transaction commits to the proof root.
    ChainAnchor,
    /// The anchor is on a local (development) chain and was not checked on any blockchain.
    LocalAnchor,
    /// A Model definition follows the model rules.
    ModelRules,
    /// A document follows the model instance rules.
    DocumentRules,
    /// Document content validates against the model's JSON schema.
    Schema,
    /// The folded state equals what the node claimed.
    NodeState,
}

/// One check performed on one event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What was checked.
    pub kind: CheckKind,
    /// The event it was checked on.
    #[serde(serialize_with = "crate::codec::cid_string")]
    pub event: Cid,
    /// What was established, in words.
    pub detail: String,
}

impl Check {
    pub(crate) fn new(kind: CheckKind, event: Cid, detail: String) -> Self {
        Check {
            kind,
            event,
            detail,
        }
    }
}

/// An [`EthRpc`] for callers without one: every call fails, so anchors on real chains are walked
/// and reported as [`AnchorStatus::Unchecked`] by [`anchor_status`] only when it is not consulted.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoRpc;

impl EthRpc for NoRpc {
    async fn serves(&self, _chain_id: &str) -> crate::Result<bool> {
        Ok(false)
    }

    fn has_providers(&self) -> bool {
        false
    }

    async fn request(
        &self,
        _chain_id: &str,
        method: &str,
        _params: crate::codec::Value,
    ) -> crate::Result<crate::codec::Value> {
        Err(crate::Error::ChainRpc(format!(
            "no Ethereum RPC is configured for {method}"
        )))
    }
}

/// Run a verification future that performs no I/O (no RPC given) to its end, without an executor.
/// A future that would wait is reported as `CHAIN_RPC`.
pub fn run_ready<T, E: From<crate::Error>>(
    f: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, E> {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match f.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(v) => v,
        std::task::Poll::Pending => Err(crate::Error::ChainRpc(
            "verification waited on I/O without an executor".into(),
        )
        .into()),
    }
}
