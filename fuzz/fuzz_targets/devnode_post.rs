//! ceramic-devnode's `POST /ceramic/events`, the whole axum route over a real SQLite store: any
//! body is answered (204, or a 4xx with a message), never a 5xx, never a panic.
#![no_main]
use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use ceramic_devnode::api::{router, Api};
use ceramic_devnode::{Node, NodeConfig};
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;

struct Fixture {
    rt: tokio::runtime::Runtime,
    app: axum::Router,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("devnode-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let node = rt.block_on(async {
            Node::open(NodeConfig {
                store_dir: dir,
                network: ceramic_wasm::ids::Network::InMemory,
                anchor_interval: std::time::Duration::from_secs(3600),
                anchor_batch_size: 100,
                index_delay: std::time::Duration::ZERO,
                evm: None,
            })
            .unwrap()
        });
        let app = router(Api {
            node: std::sync::Arc::new(node),
            cors_origins: std::sync::Arc::new(vec![]),
            network_name: std::sync::Arc::new("inmemory".into()),
        });
        Fixture { rt, app }
    })
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let req = Request::post("/ceramic/events")
        .header("content-type", "application/json")
        .body(Body::from(data.to_vec()))
        .unwrap();
    let status = f.rt.block_on(f.app.clone().oneshot(req)).unwrap().status();
    assert!(
        status == StatusCode::NO_CONTENT || status.is_client_error(),
        "POST /ceramic/events answered {status}"
    );
});
