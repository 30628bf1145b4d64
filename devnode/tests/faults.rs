//! Faults: a full disk (the node run under a file-size limit with SIGXFSZ ignored, so that writes
//! past it fail as they do on a full disk) is a clear error and loses nothing acknowledged —
//! the store passes SQLite's integrity check after a restart; malformed and oversized requests are
//! answered 400/413 while the requests of others go on. Bounded in count and time.

mod common;

use std::process::Command;
use std::time::Duration;

use ceramic_wasm::codec::multibase;
use cid::Cid;
use common::*;

/// The devnode under `ulimit -f <kib>` (SIGXFSZ ignored: a write past the limit fails instead of
/// killing the process).
fn start_limited(store: &std::path::Path, kib: u64) -> DevNode {
    let bin = env!("CARGO_BIN_EXE_ceramic-devnode");
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f {kib}; exec '{bin}' --bind-address 127.0.0.1:0 --store-dir '{}' --anchor-interval 3600",
            store.display()
        ))
        .env("RUST_LOG", "error");
    DevNode::spawn(cmd, store)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_is_a_clear_error_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let limited = start_limited(dir.path(), 2048);
    let c = client();
    let owner = signer(70);
    let model = model_event(&owner, "Full");
    assert_eq!(post(&c, &limited, &model).await.0, 204);
    let model_id = model.stream_id().unwrap();
    // Documents until the store is full (at most 5,000 tries).
    let mut acked: Vec<Cid> = vec![model.cid()];
    let mut full = None;
    for i in 0..5000u32 {
        let e = doc_event(
            &owner,
            &model_id,
            ceramic_wasm::json!({ "title": format!("document {i}") }),
        );
        match post(&c, &limited, &e).await {
            (204, _) => acked.push(e.cid()),
            answer => {
                full = Some(answer);
                break;
            }
        }
    }
    let (status, message) = full.expect("the store never filled up");
    // A write past the limit fails with EFBIG, which SQLite reports as an I/O error (503, "cannot
    // write"); on a disk that is really full (ENOSPC) it reports SQLITE_FULL (507, "is full").
    assert!(
        (status == 503 && message.contains("store cannot be written"))
            || (status == 507 && message.contains("store is full")),
        "{status} {message}"
    );
    // The node keeps serving what it has.
    let r = c
        .get(limited.api(&format!("/events/{}", acked.last().unwrap())))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    drop(limited);
    eprintln!(
        "{} events acknowledged before the store was full",
        acked.len()
    );

    // Restarted without the limit: everything acknowledged is there, the database is sound, and
    // writes go on.
    let node = DevNode::start(dir.path(), "3600");
    for cid in &acked {
        let r = c
            .get(node.api(&format!("/events/{cid}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "acknowledged event {cid} lost");
    }
    let db = rusqlite::Connection::open(dir.path().join("devnode.sqlite3")).unwrap();
    let check: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let more = doc_event(&owner, &model_id, ceramic_wasm::json!({ "title": "after" }));
    assert_eq!(post(&c, &node, &more).await.0, 204);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn malformed_and_oversized_requests_do_not_hold_up_others() {
    let dir = tempfile::tempdir().unwrap();
    let node = DevNode::start(dir.path(), "3600");
    let c = client();
    let owner = signer(71);
    let model = model_event(&owner, "Busy");
    assert_eq!(post(&c, &node, &model).await.0, 204);
    let model_id = model.stream_id().unwrap();
    let url = node.api("/events");

    // 16 clients send 8 MB bodies, 16 send malformed ones, while 32 write real documents.
    let mut bad = Vec::new();
    for i in 0..32 {
        let (c, url) = (c.clone(), url.clone());
        bad.push(tokio::spawn(async move {
            let body = if i % 2 == 0 {
                vec![b' '; 8 << 20]
            } else {
                br#"{"data": 42"#.to_vec()
            };
            let r = c
                .post(&url)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await;
            (i, r.map(|r| r.status().as_u16()))
        }));
    }
    let mut good = Vec::new();
    for i in 0..32 {
        let e = doc_event(
            &owner,
            &model_id,
            ceramic_wasm::json!({ "title": format!("ok {i}") }),
        );
        let (c, url) = (c.clone(), url.clone());
        good.push(tokio::spawn(async move {
            let body =
                ceramic_wasm::json!({ "data": multibase::encode_car(&e.encode_car().unwrap()) });
            tokio::time::timeout(Duration::from_secs(20), c.post(&url).json(&body).send())
                .await
                .map(|r| r.map(|r| r.status().as_u16()))
        }));
    }
    for t in good {
        let r = t.await.unwrap();
        assert!(
            matches!(r, Ok(Ok(204))),
            "a normal write was held up or failed: {r:?}"
        );
    }
    for t in bad {
        let (i, r) = t.await.unwrap();
        match r {
            Ok(status) if i % 2 == 0 => assert_eq!(status, 413, "an 8 MB body"),
            Ok(status) => assert_eq!(status, 400, "a malformed body"),
            // The server may close the connection on an oversized body before reading it all.
            Err(e) => assert!(i % 2 == 0, "a malformed body got no answer: {e}"),
        }
    }
    // (A fresh connection: the server closes one whose oversized body it did not read.)
    assert_eq!(
        client()
            .get(node.api("/liveness"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

/// A store directory that is read-only (bind-mounted so in a private mount namespace, which
/// vanishes with the process): the node does not start, and says why. Skipped, saying so, where
/// the machine does not allow the mount.
#[tokio::test]
async fn a_read_only_store_is_refused_at_start_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    drop(DevNode::start(dir.path(), "3600")); // a store with its tables
    let (bin, d) = (env!("CARGO_BIN_EXE_ceramic-devnode"), dir.path().display());
    let run = Command::new("unshare")
        .args(["-m", "bash", "-c"])
        .arg(format!(
            "mount --bind -o ro '{d}' '{d}' || exit 99; exec timeout 20 '{bin}' --bind-address 127.0.0.1:0 --store-dir '{d}'"
        ))
        .output()
        .unwrap();
    if run.status.code() == Some(99)
        || String::from_utf8_lossy(&run.stderr).contains("unshare failed")
    {
        eprintln!("skipped: this machine does not allow a private read-only mount");
        return;
    }
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        !run.status.success(),
        "the node started on a read-only store"
    );
    assert_ne!(
        run.status.code(),
        Some(124),
        "the node hung instead of failing"
    );
    assert!(
        stderr.contains("readonly") || stderr.contains("read-only"),
        "{stderr}"
    );
    assert!(run.stdout.is_empty(), "it said it was listening");
}

/// Interests registered (on the read pool's connections) while 8 writers post events: none is
/// answered "database is locked". Bounded: 8 × 60 events, 8 × 60 interests.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn interests_and_events_written_together_never_meet_a_locked_database() {
    let dir = tempfile::tempdir().unwrap();
    let node = DevNode::start(dir.path(), "3600");
    let c = client();
    let owner = signer(72);
    let model = model_event(&owner, "Together");
    assert_eq!(post(&c, &node, &model).await.0, 204);
    let model_id = model.stream_id().unwrap();
    let mut tasks = Vec::new();
    for w in 0..8u8 {
        let events = chain(&signer(80 + w), &model_id, 60);
        let (wc, url) = (c.clone(), node.api("/events"));
        tasks.push(tokio::spawn(async move {
            for e in events {
                let body =
                    ceramic_wasm::json!({ "data": multibase::encode_car(&e.encode_car().unwrap()) });
                let r = wc.post(&url).json(&body).send().await.unwrap();
                let status = r.status().as_u16();
                assert_eq!(status, 204, "event: {}", r.text().await.unwrap_or_default());
            }
        }));
        let (ic, url) = (c.clone(), node.api("/interests"));
        let sep_value = multibase::encode(multibase::Base::Base64Url, &model_id.to_bytes());
        tasks.push(tokio::spawn(async move {
            for i in 0..60 {
                let body = ceramic_wasm::json!({ "sep": "model", "sepValue": sep_value, "controller": format!("did:key:z{w}x{i}") });
                let r = ic.post(&url).json(&body).send().await.unwrap();
                let status = r.status().as_u16();
                assert_eq!(status, 204, "interest: {}", r.text().await.unwrap_or_default());
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}
