//! Durability: 50 concurrent writers, SIGKILL in the middle of their load, restart on the same
//! store, repeated: every event that got a 204 is there after each restart and at the end, the
//! writers carry on from where they were acknowledged (posting again what was in flight, which
//! the node takes once), and the feed lists no event twice. `DURABILITY_ROUNDS` kills (default
//! 3; `DURABILITY_ROUNDS=20 cargo test -p ceramic-devnode --test durability` for the long run).
//! Bounded in count (rounds × 50 × 12 posts) and time (60 s per round at most).

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ceramic_wasm::codec::multibase;
use ceramic_wasm::events::Event;
use cid::Cid;
use common::*;

const WRITERS: usize = 50;
const PER_ROUND: usize = 12;

fn rounds() -> usize {
    std::env::var("DURABILITY_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
}

async fn assert_present(c: &reqwest::Client, node: &DevNode, cids: &[Cid], when: &str) {
    for cid in cids {
        let r = c
            .get(node.api(&format!("/events/{cid}")))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            200,
            "acknowledged event {cid} is missing {when}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_events_survive_repeated_sigkill() {
    let rounds = rounds();
    let dir = tempfile::tempdir().unwrap();
    // Writers pre-sign their chains, so anchoring (which moves the tip) is kept out of the way.
    let mut node = DevNode::start(dir.path(), "3600");
    let c = client();
    let owner = signer(40);
    let model = model_event(&owner, "Durable");
    assert_eq!(post(&c, &node, &model).await.0, 204);
    let model_id = model.stream_id().unwrap();
    let chains: Arc<Vec<Vec<Event>>> = Arc::new(
        (0..WRITERS)
            .map(|w| chain(&signer(50 + w as u8), &model_id, rounds * PER_ROUND))
            .collect(),
    );
    // Per writer: how many of its events were acknowledged (in order).
    let mut next = vec![0usize; WRITERS];
    let mut all_acked = vec![model.cid()];

    for round in 0..rounds {
        if round > 0 {
            node = DevNode::start(dir.path(), "3600");
        }
        let acked = Arc::new(Mutex::new(Vec::<(usize, usize, Cid)>::new()));
        let sent = Arc::new(AtomicUsize::new(0));
        let url = node.api("/events");
        let mut tasks = Vec::new();
        for (w, &from) in next.iter().enumerate() {
            let (acked, sent, url, c, chains) = (
                acked.clone(),
                sent.clone(),
                url.clone(),
                c.clone(),
                chains.clone(),
            );
            let until = (round + 1) * PER_ROUND;
            tasks.push(tokio::spawn(async move {
                for i in from..until {
                    let e = &chains[w][i];
                    sent.fetch_add(1, Ordering::SeqCst);
                    let body = ceramic_wasm::json!({
                        "data": multibase::encode_car(&e.encode_car().unwrap())
                    });
                    match c.post(&url).json(&body).send().await {
                        Ok(r) if r.status() == 204 => acked.lock().unwrap().push((w, i, e.cid())),
                        Ok(r) => panic!(
                            "round {round}: unexpected {} {}",
                            r.status(),
                            r.text().await.unwrap_or_default()
                        ),
                        Err(_) => return, // the node was killed
                    }
                }
            }));
        }
        // Kill once about half of this round's load is in flight (bounded wait).
        let start = Instant::now();
        let this_round: usize = next.iter().map(|&n| (round + 1) * PER_ROUND - n).sum();
        while sent.load(Ordering::SeqCst) < this_round / 2
            && start.elapsed() < Duration::from_secs(60)
        {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        node.kill9();
        for t in tasks {
            t.await.unwrap();
        }
        let acked = acked.lock().unwrap().clone();
        assert!(
            !acked.is_empty(),
            "round {round}: nothing acknowledged before the kill"
        );
        assert!(
            sent.load(Ordering::SeqCst) < this_round,
            "round {round}: the kill came after the load finished"
        );
        for &(w, i, _) in &acked {
            next[w] = next[w].max(i + 1);
        }
        let cids: Vec<Cid> = acked.iter().map(|a| a.2).collect();
        eprintln!(
            "round {round}: {} acknowledged of {} sent before SIGKILL",
            cids.len(),
            sent.load(Ordering::SeqCst)
        );
        node = DevNode::start(dir.path(), "3600");
        assert_present(&c, &node, &cids, &format!("after kill {}", round + 1)).await;
        all_acked.extend(cids);
    }

    // After the last restart: every acknowledged event of every round, the feed without doubles,
    // and each stream taking its next event where its writer left off.
    assert_present(&c, &node, &all_acked, "at the end").await;
    // The whole feed, page by page (the node answers at most 10,000 events a page).
    let mut ids: Vec<String> = Vec::new();
    let mut resume = String::from("0");
    loop {
        let page: ceramic_wasm::codec::Value = c
            .get(node.api(&format!("/feed/events?limit=10000&resumeAt={resume}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let events = page["events"].as_array().unwrap();
        ids.extend(events.iter().map(|e| e["id"].as_str().unwrap().to_string()));
        let next_token = page["resumeToken"].as_str().unwrap_or_default().to_string();
        if events.is_empty() || next_token == resume {
            break;
        }
        resume = next_token;
    }
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "the feed lists an event twice");
    assert!(ids.len() >= all_acked.len());
    for (w, &n) in next.iter().enumerate().take(5) {
        if n < rounds * PER_ROUND {
            assert_eq!(post(&c, &node, &chains[w][n]).await.0, 204);
        }
    }
    eprintln!(
        "{rounds} kills, {} acknowledged events, none lost",
        all_acked.len()
    );
}
