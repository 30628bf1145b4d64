//! # ceramic-devnode
//!
//! A single-machine Ceramic node for development and tests. It speaks ceramic-one 0.58's HTTP
//! API, stores events in SQLite, validates every event with the ceramic-wasm core (the same code
//! the browser client verifies with), and anchors stream tips locally. Local anchors prove the
//! order of events on this node only, not on a blockchain.

pub mod api;
pub mod evm;
pub mod node;
pub mod store;

use std::sync::Arc;
use std::time::Duration;

use ceramic_wasm::ids::Network;

pub use node::{Node, NodeConfig};

/// Everything `ceramic-devnode` is started with.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on.
    pub bind_address: std::net::SocketAddr,
    /// Node settings.
    pub node: NodeConfig,
    /// Allowed CORS origins.
    pub cors_allow_origins: Vec<String>,
}

/// The network's name, as `/ceramic/config/network` reports it.
pub fn network_name(n: Network) -> String {
    n.name()
}

/// Serve until `shutdown` resolves; then stop taking requests, finish the writer's queue and
/// return. `on_listen` receives the bound address (useful with port 0).
pub async fn serve(
    config: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    on_listen: impl FnOnce(std::net::SocketAddr),
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let node = Arc::new(Node::open(config.node.clone())?);
    let listener = tokio::net::TcpListener::bind(config.bind_address).await?;
    on_listen(listener.local_addr()?);
    let api = api::Api {
        node: node.clone(),
        cors_origins: Arc::new(config.cors_allow_origins.clone()),
        network_name: Arc::new(network_name(config.node.network)),
    };
    let anchor_node = node.clone();
    let interval = config.node.anchor_interval.max(Duration::from_millis(100));
    let anchor_task = tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        tick.tick().await;
        loop {
            tick.tick().await;
            anchor_node.anchor_tick().await;
        }
    });
    axum::serve(listener, api::router(api))
        .with_graceful_shutdown(shutdown)
        .await?;
    anchor_task.abort();
    let n = node.clone();
    tokio::task::spawn_blocking(move || n.shutdown()).await?;
    Ok(())
}
