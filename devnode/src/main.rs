//! `ceramic-devnode`: see the crate docs.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use ceramic_devnode::evm::EvmConfig;
use ceramic_devnode::{serve, Config, NodeConfig};
use ceramic_wasm::ids::Network;
use clap::{Parser, ValueEnum};

#[derive(Clone, Copy, Debug, ValueEnum)]
enum NetworkArg {
    /// An in-memory network (network id 0xff), the default for development.
    Inmemory,
    /// A local network identified by --local-network-id.
    Local,
}

/// A local Ceramic node: ceramic-one's HTTP API, SQLite storage, local anchoring.
#[derive(Parser, Debug)]
#[command(name = "ceramic-devnode", version)]
struct Args {
    /// Address of the HTTP API.
    #[arg(
        long,
        env = "CERAMIC_DEVNODE_BIND_ADDRESS",
        default_value = "127.0.0.1:5101"
    )]
    bind_address: SocketAddr,
    /// Directory of the SQLite store (default ~/.ceramic-devnode).
    #[arg(long, env = "CERAMIC_DEVNODE_STORE_DIR")]
    store_dir: Option<PathBuf>,
    /// Network.
    #[arg(
        long,
        env = "CERAMIC_DEVNODE_NETWORK",
        value_enum,
        default_value = "inmemory"
    )]
    network: NetworkArg,
    /// Id of the local network (with --network local).
    #[arg(long, env = "CERAMIC_DEVNODE_LOCAL_NETWORK_ID", default_value_t = 0)]
    local_network_id: u32,
    /// Allowed CORS origins, comma-separated (`*` for any).
    #[arg(
        long,
        env = "CERAMIC_DEVNODE_CORS_ALLOW_ORIGINS",
        default_value = "*",
        value_delimiter = ','
    )]
    cors_allow_origins: Vec<String>,
    /// Seconds between local anchor batches.
    #[arg(long, env = "CERAMIC_DEVNODE_ANCHOR_INTERVAL", default_value_t = 5.0)]
    anchor_interval: f64,
    /// Most streams anchored per batch.
    #[arg(
        long,
        env = "CERAMIC_DEVNODE_ANCHOR_BATCH_SIZE",
        default_value_t = 1024
    )]
    anchor_batch_size: usize,
    /// Milliseconds after a write before `/streams` and the feed show it (default 0). ceramic-one
    /// indexes accepted events asynchronously (measured: 404 for ~0.55 s after a new stream,
    /// the previous tip for ~1 s after an update); set ~1000 to test clients against that.
    #[arg(long, env = "CERAMIC_DEVNODE_INDEX_DELAY_MS", default_value_t = 0)]
    index_delay_ms: u64,
    /// Anchor on this EVM chain's JSON-RPC endpoint (http://) instead of locally, as ceramic-one
    /// does; needs --evm-private-key, --evm-chain-id and --evm-contract-address too.
    #[arg(long, env = "CERAMIC_DEVNODE_EVM_RPC_URL")]
    evm_rpc_url: Option<String>,
    /// The key (hex, with or without 0x) that signs and pays for anchor transactions.
    #[arg(long, env = "CERAMIC_DEVNODE_EVM_PRIVATE_KEY", hide_env_values = true)]
    evm_private_key: Option<String>,
    /// The chain id the RPC endpoint must serve.
    #[arg(long, env = "CERAMIC_DEVNODE_EVM_CHAIN_ID")]
    evm_chain_id: Option<u64>,
    /// The anchor contract (anchorDagCbor(bytes32)).
    #[arg(long, env = "CERAMIC_DEVNODE_EVM_CONTRACT_ADDRESS")]
    evm_contract_address: Option<String>,
    /// Blocks on top of the anchor transaction before its time events are written.
    #[arg(long, env = "CERAMIC_DEVNODE_EVM_CONFIRMATIONS", default_value_t = 4)]
    evm_confirmations: u64,
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let store_dir = args.store_dir.unwrap_or_else(|| {
        std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default()
            .join(".ceramic-devnode")
    });
    let network = match args.network {
        NetworkArg::Inmemory => Network::InMemory,
        NetworkArg::Local => Network::Local(args.local_network_id),
    };
    if !(args.anchor_interval.is_finite() && args.anchor_interval > 0.0) {
        eprintln!("--anchor-interval must be a positive number of seconds");
        return std::process::ExitCode::from(2);
    }
    let evm = match (
        args.evm_rpc_url,
        args.evm_private_key,
        args.evm_chain_id,
        args.evm_contract_address,
    ) {
        (None, None, None, None) => None,
        (Some(url), Some(key), Some(chain), Some(contract)) => {
            match EvmConfig::parse(url, &key, chain, &contract, args.evm_confirmations) {
                Ok(c) => Some(c),
                Err(e) => {
                    eprintln!("{e}");
                    return std::process::ExitCode::from(2);
                }
            }
        }
        _ => {
            eprintln!("incomplete EVM anchoring configuration: --evm-rpc-url, --evm-private-key, --evm-chain-id and --evm-contract-address go together");
            return std::process::ExitCode::from(2);
        }
    };
    let config = Config {
        bind_address: args.bind_address,
        node: NodeConfig {
            store_dir,
            network,
            anchor_interval: Duration::from_secs_f64(args.anchor_interval),
            anchor_batch_size: args.anchor_batch_size.max(1),
            index_delay: Duration::from_millis(args.index_delay_ms),
            evm,
        },
        cors_allow_origins: args.cors_allow_origins,
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let store = config.node.store_dir.display().to_string();
    let result = runtime.block_on(serve(config, shutdown_signal(), |addr| {
        // On stdout for scripts and tests that start the node on port 0.
        println!("ceramic-devnode listening on http://{addr}");
        tracing::info!(%addr, store, "ceramic-devnode listening");
    }));
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ceramic-devnode: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
