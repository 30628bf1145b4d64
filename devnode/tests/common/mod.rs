//! Test harness: the real `ceramic-devnode` binary on 127.0.0.1 (port 0), a temp store, and
//! helpers to build events with the ceramic-wasm core.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use ceramic_wasm::codec::multibase;
use ceramic_wasm::codec::Value;
use ceramic_wasm::did::{Ed25519Signer, Signer};
use ceramic_wasm::events::{json_to_ipld, DataPayload, Event, InitPayload, SignedEvent};
use ceramic_wasm::ids::{CommitId, StreamId};
use ceramic_wasm::json;
use cid::Cid;

pub const RUST_CERAMIC_EVENTS_JSON: &str =
    include_str!("../../../../shared/vectors/rust-ceramic-events.json");
pub const KEY_ED25519_CAR: &[u8] =
    include_bytes!("../../../../shared/vectors/ceramic-sdk/key-ed25519.car");

pub fn fixture(name: &str) -> String {
    let v: Value = serde_json::from_str(RUST_CERAMIC_EVENTS_JSON).unwrap();
    v["fixtures"][name].as_str().unwrap().to_string()
}

/// A running devnode; killed on drop.
pub struct DevNode {
    pub child: Child,
    pub url: String,
    pub store: PathBuf,
}

impl DevNode {
    pub fn start(store: &Path, anchor_interval: &str) -> DevNode {
        Self::start_with(store, &["--anchor-interval", anchor_interval])
    }

    pub fn start_with(store: &Path, args: &[&str]) -> DevNode {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ceramic-devnode"));
        cmd.args(["--bind-address", "127.0.0.1:0"])
            .args(args)
            .arg("--store-dir")
            .arg(store)
            .env("RUST_LOG", "warn");
        Self::spawn(cmd, store)
    }

    /// Run `cmd` (the devnode, or a shell that execs it) and wait for its listening line.
    pub fn spawn(mut cmd: Command, store: &Path) -> DevNode {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start ceramic-devnode");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the listening line");
        let url = line.trim().rsplit(' ').next().unwrap().to_string();
        assert!(url.starts_with("http://127.0.0.1:"), "{line}");
        DevNode {
            child,
            url,
            store: store.to_path_buf(),
        }
    }

    pub fn api(&self, path: &str) -> String {
        format!("{}/ceramic{path}", self.url)
    }

    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for DevNode {
    fn drop(&mut self) {
        self.kill9();
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// POST an event; returns (status, body).
pub async fn post(c: &reqwest::Client, node: &DevNode, event: &Event) -> (u16, String) {
    post_data(
        c,
        node,
        &multibase::encode_car(&event.encode_car().unwrap()),
    )
    .await
}

pub async fn post_data(c: &reqwest::Client, node: &DevNode, data: &str) -> (u16, String) {
    let r = c
        .post(node.api("/events"))
        .json(&json!({ "data": data }))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

pub fn signer(seed: u8) -> Ed25519Signer {
    Ed25519Signer::from_seed(&[seed; 32]).unwrap()
}

pub fn model_event(s: &Ed25519Signer, name: &str) -> Event {
    let def = json!({
        "version": "2.0", "name": name, "interface": false, "implements": [],
        "accountRelation": {"type": "list"},
        "schema": {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object", "additionalProperties": false,
            "properties": {"title": {"type": "string", "maxLength": 50}, "n": {"type": "integer"}},
            "required": ["title"]
        }
    });
    let p = InitPayload::builder(s.did(), &StreamId::metamodel())
        .data(json_to_ipld(&def))
        .build();
    Event::from(SignedEvent::sign(p, s).unwrap())
}

pub fn doc_event(s: &Ed25519Signer, model: &StreamId, content: Value) -> Event {
    let p = InitPayload::builder(s.did(), model)
        .random_unique()
        .unwrap()
        .data(json_to_ipld(&content))
        .build();
    Event::from(SignedEvent::sign(p, s).unwrap())
}

pub fn data_event(s: &Ed25519Signer, stream: &StreamId, tip: Cid, ops: Value) -> Event {
    let p = DataPayload::new(&CommitId::new(*stream, tip), json_to_ipld(&ops));
    Event::from(SignedEvent::sign(p, s).unwrap())
}

/// A document stream of `len` events (init + updates of `n`), all signed by `s`.
pub fn chain(s: &Ed25519Signer, model: &StreamId, len: usize) -> Vec<Event> {
    let init = doc_event(s, model, json!({"title": "chain", "n": 0}));
    let stream = init.stream_id().unwrap();
    let mut out = vec![init];
    for i in 1..len {
        let tip = out.last().unwrap().cid();
        out.push(data_event(
            s,
            &stream,
            tip,
            json!([{"op": "replace", "path": "/n", "value": i}]),
        ));
    }
    out
}
