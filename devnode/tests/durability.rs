//! Durability: 8 concurrent writers × 200 events, SIGKILL in the middle, restart on the same
//! store: every event that got a 204 is there. Bounded in count (1 600 requests) and time.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ceramic_wasm::codec::multibase;
use ceramic_wasm::events::Event;
use common::*;

const WRITERS: usize = 8;
const EVENTS: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_events_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    // Writers pre-sign their chains, so anchoring (which moves the tip) is kept out of the way.
    let mut node = DevNode::start(dir.path(), "3600");
    let c = client();
    let owner = signer(40);
    let model = model_event(&owner, "Durable");
    assert_eq!(post(&c, &node, &model).await.0, 204);
    let model_id = model.stream_id().unwrap();
    // Each writer has its own stream of EVENTS events, signed up front.
    let chains: Vec<Vec<Event>> = (0..WRITERS)
        .map(|w| chain(&signer(50 + w as u8), &model_id, EVENTS))
        .collect();

    let acked = Arc::new(Mutex::new(vec![model.cid()]));
    let sent = Arc::new(AtomicUsize::new(0));
    let url = node.api("/events");
    let mut tasks = Vec::new();
    for events in chains {
        let (acked, sent, url, c) = (acked.clone(), sent.clone(), url.clone(), c.clone());
        tasks.push(tokio::spawn(async move {
            for e in events {
                sent.fetch_add(1, Ordering::SeqCst);
                let body =
                    serde_json::json!({ "data": multibase::encode_car(&e.encode_car().unwrap()) });
                match c.post(&url).json(&body).send().await {
                    Ok(r) if r.status() == 204 => acked.lock().unwrap().push(e.cid()),
                    Ok(r) => panic!(
                        "unexpected {} {}",
                        r.status(),
                        r.text().await.unwrap_or_default()
                    ),
                    Err(_) => return, // the node was killed
                }
            }
        }));
    }
    // Kill once a good share of the load is in flight (bounded wait).
    let start = Instant::now();
    while sent.load(Ordering::SeqCst) < WRITERS * EVENTS / 2
        && start.elapsed() < Duration::from_secs(60)
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    node.kill9();
    for t in tasks {
        t.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    let total_sent = sent.load(Ordering::SeqCst);
    assert!(acked.len() > 1, "nothing was acknowledged before the kill");
    assert!(
        total_sent < WRITERS * EVENTS,
        "the kill came after the load finished ({total_sent} sent)"
    );
    eprintln!(
        "{} acknowledged of {total_sent} sent before SIGKILL",
        acked.len()
    );

    let node = DevNode::start(dir.path(), "3600");
    for cid in &acked {
        let r = c
            .get(node.api(&format!("/events/{cid}")))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            200,
            "acknowledged event {cid} is missing after restart"
        );
    }
    // The node carries on where it stopped: each stream accepts its next event.
    let r = c
        .get(node.api("/feed/events?limit=10000"))
        .send()
        .await
        .unwrap();
    let feed: serde_json::Value = r.json().await.unwrap();
    let ids: Vec<&str> = feed["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "the feed lists an event twice");
}
