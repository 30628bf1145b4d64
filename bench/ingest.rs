//! Ingest benchmark of ceramic-devnode: POST /ceramic/events throughput and latency at 1, 8 and
//! 50 concurrent writers, against the release binary in its own process on 127.0.0.1.
//!
//! ```sh
//! cargo build --release -p ceramic-devnode
//! cargo run --release -p ceramic-devnode --example ingest_bench [-- EVENTS_PER_LEVEL]
//! ```
//! Each writer owns one document stream (events pre-signed, so signing is not measured) and
//! posts its events one after another, as a client must (`prev` links). Bounded: EVENTS_PER_LEVEL
//! requests per level (default 2000), 30 s timeout per request.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ceramic_wasm::codec::multibase;
use ceramic_wasm::did::{Ed25519Signer, Signer};
use ceramic_wasm::events::{json_to_ipld, DataPayload, Event, InitPayload, SignedEvent};
use ceramic_wasm::ids::{CommitId, StreamId};
use ceramic_wasm::json;

fn signer(i: usize) -> Ed25519Signer {
    let mut seed = [7u8; 32];
    seed[..8].copy_from_slice(&(i as u64).to_le_bytes());
    Ed25519Signer::from_seed(&seed).expect("seed")
}

fn model(s: &Ed25519Signer) -> Event {
    let def = json!({
        "version": "2.0", "name": "Bench", "interface": false, "implements": [],
        "accountRelation": {"type": "list"},
        "schema": {"type": "object", "additionalProperties": false,
                   "properties": {"title": {"type": "string", "maxLength": 50}, "n": {"type": "integer"}},
                   "required": ["title"]}
    });
    let p = InitPayload::builder(s.did(), &StreamId::metamodel())
        .data(json_to_ipld(&def))
        .build();
    Event::from(SignedEvent::sign(p, s).expect("sign"))
}

/// One stream: an init event and `len - 1` updates, as multibase CAR strings.
fn stream(s: &Ed25519Signer, model: &StreamId, len: usize) -> Vec<String> {
    let p = InitPayload::builder(s.did(), model)
        .random_unique()
        .expect("random")
        .data(json_to_ipld(&json!({"title": "bench", "n": 0})))
        .build();
    let init = Event::from(SignedEvent::sign(p, s).expect("sign"));
    let sid = init.stream_id().expect("init");
    let mut tip = init.cid();
    let mut out = vec![multibase::encode_car(&init.encode_car().expect("car"))];
    for n in 1..len {
        let ops = json_to_ipld(&json!([{"op": "replace", "path": "/n", "value": n}]));
        let e = Event::from(
            SignedEvent::sign(DataPayload::new(&CommitId::new(sid, tip), ops), s).expect("sign"),
        );
        tip = e.cid();
        out.push(multibase::encode_car(&e.encode_car().expect("car")));
    }
    out
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() {
    let total: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2000);
    // This example runs from <target>/release/examples/; the node is <target>/release/ceramic-devnode
    // (wherever CARGO_TARGET_DIR put the target directory).
    let exe = std::env::current_exe().expect("the example's own path");
    let bin = exe
        .parent()
        .and_then(|examples| examples.parent())
        .expect("<target>/release/examples")
        .join("ceramic-devnode");
    assert!(
        bin.exists(),
        "build it first: cargo build --release -p ceramic-devnode"
    );
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    println!("| writers | events | wall (s) | events/s | p50 (ms) | p99 (ms) |");
    println!("|---:|---:|---:|---:|---:|---:|");
    for writers in [1usize, 8, 50] {
        let store = tempfile::tempdir().expect("tempdir");
        let mut child = Command::new(&bin)
            .args(["--bind-address", "127.0.0.1:0", "--anchor-interval", "5"])
            .arg("--store-dir")
            .arg(store.path())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the devnode");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("listening line");
        let url = format!(
            "{}/ceramic/events",
            line.trim().rsplit(' ').next().expect("url")
        );

        let owner = signer(0);
        let m = model(&owner);
        let body = json!({"data": multibase::encode_car(&m.encode_car().expect("car"))});
        assert_eq!(
            client
                .post(&url)
                .json(&body)
                .send()
                .await
                .expect("post model")
                .status(),
            204
        );
        let mid = m.stream_id().expect("model id");
        let per = total / writers;
        let streams: Vec<Vec<String>> = (0..writers)
            .map(|w| stream(&signer(w + 1), &mid, per))
            .collect();

        let start = Instant::now();
        let mut tasks = Vec::new();
        for events in streams {
            let (client, url) = (client.clone(), url.clone());
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::with_capacity(events.len());
                for data in events {
                    let t = Instant::now();
                    let r = client
                        .post(&url)
                        .json(&json!({ "data": data }))
                        .send()
                        .await
                        .expect("post");
                    assert_eq!(r.status(), 204, "{}", r.text().await.unwrap_or_default());
                    lat.push(t.elapsed());
                }
                lat
            }));
        }
        let mut lat = Vec::new();
        for t in tasks {
            lat.extend(t.await.expect("writer"));
        }
        let wall = start.elapsed();
        lat.sort();
        println!(
            "| {writers} | {} | {:.2} | {:.0} | {:.2} | {:.2} |",
            lat.len(),
            wall.as_secs_f64(),
            lat.len() as f64 / wall.as_secs_f64(),
            percentile(&lat, 0.50).as_secs_f64() * 1e3,
            percentile(&lat, 0.99).as_secs_f64() * 1e3
        );
        let _ = child.kill();
        let _ = child.wait();
    }
}
