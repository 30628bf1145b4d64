//! The core's transport-agnostic client against a real ceramic-devnode: create, update and load
//! documents with verification; error codes; a node that tampers with an event.

mod common;

use std::time::Duration;

use ceramic_wasm::codec::Value;
use ceramic_wasm::http::{Client, Request, Response, RetryPolicy, Transport};
use ceramic_wasm::json;
use ceramic_wasm::stream::NativeRegex;
use ceramic_wasm::verify::AnchorLevel;
use ceramic_wasm::{Error, Result};
use common::*;

/// reqwest as a transport.
#[derive(Clone)]
struct Reqwest(reqwest::Client);

impl Transport for Reqwest {
    async fn send(&self, base: &str, req: &Request) -> Result<Response> {
        let url = format!("{base}{}", req.path);
        let builder = match req.method {
            ceramic_wasm::http::Method::Get => self.0.get(url),
            ceramic_wasm::http::Method::Post => {
                self.0.post(url).header("content-type", "application/json")
            }
        };
        let builder = match &req.body {
            Some(b) => builder.body(b.clone()),
            None => builder,
        };
        let r = builder.send().await.map_err(|e| {
            if e.is_timeout() {
                Error::Timeout(e.to_string())
            } else {
                Error::Network(e.to_string())
            }
        })?;
        let status = r.status().as_u16();
        let body = r
            .bytes()
            .await
            .map_err(|e| Error::Network(e.to_string()))?
            .to_vec();
        Ok(Response { status, body })
    }
    async fn sleep(&self, ms: u64) {
        tokio::time::sleep(Duration::from_millis(ms)).await
    }
}

/// A node that flips one byte of one event's signature when it is fetched.
struct Tampering {
    inner: Reqwest,
    target: String,
}

impl Transport for Tampering {
    async fn send(&self, base: &str, req: &Request) -> Result<Response> {
        let mut r = self.inner.send(base, req).await?;
        if req.path.ends_with(&self.target) {
            let mut v: Value = serde_json::from_slice(&r.body).unwrap();
            let mut car =
                ceramic_wasm::codec::multibase::decode(v["data"].as_str().unwrap()).unwrap();
            // Re-encode the envelope with a different signature and a matching CID, so that only
            // signature verification can notice.
            let event = ceramic_wasm::events::Event::decode_car(&car).unwrap();
            if let ceramic_wasm::events::Event::Data(d) = &event {
                let mut env = d.envelope().clone();
                env.signatures[0].signature[0] ^= 1;
                use ceramic_wasm::codec::DagCborExt;
                let block = ceramic_wasm::codec::Block::new(0x85, env.to_dag_cbor().unwrap());
                let blocks = vec![d.payload_block().clone(), block.clone()];
                car = ceramic_wasm::codec::Car::new(vec![block.cid], blocks)
                    .encode()
                    .unwrap();
            }
            v["data"] = json!(ceramic_wasm::codec::multibase::encode_car(&car));
            r.body = v.to_string().into_bytes();
        }
        Ok(r)
    }
    async fn sleep(&self, ms: u64) {
        self.inner.sleep(ms).await
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn post_model() -> Value {
    json!({
        "version": "2.0", "name": "Note", "interface": false, "implements": [],
        "accountRelation": {"type": "list"},
        "schema": {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
                   "additionalProperties": false,
                   "properties": {"title": {"type": "string", "maxLength": 40}, "body": {"type": "string", "maxLength": 400}},
                   "required": ["title"]}
    })
}

#[tokio::test]
async fn documents_round_trip_with_verification() {
    let dir = tempfile::tempdir().unwrap();
    let node = DevNode::start(dir.path(), "1");
    let c = Client::new(&node.url, Reqwest(client()));
    let m = NativeRegex;
    assert_eq!(c.version().await.unwrap(), "0.58.0");
    assert_eq!(c.network().await.unwrap(), "inmemory");
    c.liveness().await.unwrap();
    let alice = signer(60);
    let model = c
        .create_model(&post_model(), &alice, now(), &m)
        .await
        .unwrap();
    c.register_interest(&model).await.unwrap();
    let doc = c
        .create_document(&model, &json!({"title": "first"}), &alice, now(), &m)
        .await
        .unwrap();
    let commit = c
        .update_document(
            &doc,
            &json!({"title": "second", "body": "text"}),
            &alice,
            None,
            now(),
            &m,
        )
        .await
        .unwrap();
    assert_eq!(commit.stream_id(), &doc);
    let loaded = c
        .load_document(&doc, true, now(), &m, &mut |_| {})
        .await
        .unwrap();
    assert!(
        loaded.verified && loaded.matches_node,
        "{:?}",
        loaded.not_checked
    );
    assert_eq!(
        loaded.state.content,
        json!({"title": "second", "body": "text"})
    );
    assert_eq!(loaded.state.tip, commit.commit());
    assert!(loaded.not_checked.is_empty(), "{:?}", loaded.not_checked);
    // Once anchored, the verified log says so.
    tokio::time::sleep(Duration::from_millis(2300)).await;
    let loaded = c
        .load_document(&doc, true, now(), &m, &mut |_| {})
        .await
        .unwrap();
    assert_eq!(loaded.anchor, AnchorLevel::Local);
    // An update after the anchor follows the time event.
    c.update_document(
        &doc,
        &json!({"title": "third"}),
        &alice,
        Some(false),
        now(),
        &m,
    )
    .await
    .unwrap();
    let loaded = c
        .load_document(&doc, true, now(), &m, &mut |_| {})
        .await
        .unwrap();
    assert_eq!(
        (
            loaded.state.content["title"].as_str(),
            loaded.state.should_index
        ),
        (Some("third"), false)
    );
    // Schema violations are caught before they are sent.
    let err = c
        .update_document(&doc, &json!({"title": 5}), &alice, None, now(), &m)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "SCHEMA_VIOLATION");
    // Someone else's update is refused by the node.
    let mallory = signer(61);
    let err = c
        .update_document(&doc, &json!({"title": "mine"}), &mallory, None, now(), &m)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "NODE_REJECTED");
    assert!(err.to_string().contains("UNAUTHORIZED_SIGNER"), "{err}");
}

#[tokio::test]
async fn singletons_and_sets_are_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let node = DevNode::start(dir.path(), "60");
    let c = Client::new(&node.url, Reqwest(client()));
    let m = NativeRegex;
    let alice = signer(62);
    let mut single = post_model();
    single["accountRelation"] = json!({"type": "single"});
    let single = c.create_model(&single, &alice, now(), &m).await.unwrap();
    let a = c
        .create_singleton(
            &single,
            ceramic_wasm::did::Signer::did(&alice),
            None,
            now(),
            &m,
        )
        .await
        .unwrap();
    let b = c
        .create_singleton(
            &single,
            ceramic_wasm::did::Signer::did(&alice),
            None,
            now(),
            &m,
        )
        .await
        .unwrap();
    assert_eq!(a, b);
    c.update_document(&a, &json!({"title": "profile"}), &alice, None, now(), &m)
        .await
        .unwrap();
    assert_eq!(
        c.load_document(&a, true, now(), &m, &mut |_| {})
            .await
            .unwrap()
            .state
            .content["title"],
        "profile"
    );

    let mut set = post_model();
    set["accountRelation"] = json!({"type": "set", "fields": ["title"]});
    let set = c.create_model(&set, &alice, now(), &m).await.unwrap();
    let s = c
        .create_singleton(
            &set,
            ceramic_wasm::did::Signer::did(&alice),
            Some(&vec![json!("cats")]),
            now(),
            &m,
        )
        .await
        .unwrap();
    c.update_document(
        &s,
        &json!({"title": "cats", "body": "meow"}),
        &alice,
        None,
        now(),
        &m,
    )
    .await
    .unwrap();
    let err = c
        .update_document(&s, &json!({"title": "dogs"}), &alice, None, now(), &m)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "MID_SET_FIELD_CHANGED");
    let err = c
        .create_document(&set, &json!({"title": "x"}), &alice, now(), &m)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "MID_UNIQUE");
}

#[tokio::test]
async fn error_codes_and_a_tampering_node() {
    let dir = tempfile::tempdir().unwrap();
    let mut node = DevNode::start(dir.path(), "60");
    let c = Client::new(&node.url, Reqwest(client())).with_retry(RetryPolicy {
        retries: 1,
        base_delay_ms: 10,
        max_delay_ms: 10,
    });
    let m = NativeRegex;
    let alice = signer(63);
    let model = c
        .create_model(&post_model(), &alice, now(), &m)
        .await
        .unwrap();
    let doc = c
        .create_document(&model, &json!({"title": "a"}), &alice, now(), &m)
        .await
        .unwrap();
    let commit = c
        .update_document(&doc, &json!({"title": "b"}), &alice, None, now(), &m)
        .await
        .unwrap();

    let missing: ceramic_wasm::ids::StreamId =
        "kjzl6kcym7w8y7nzgytqayf6aro12zt0mm01n6ydjomyvvklcspx9kr6gpbwd09"
            .parse()
            .unwrap();
    assert_eq!(
        c.stream_state(&missing).await.unwrap_err().code(),
        "NOT_FOUND"
    );
    assert_eq!(
        c.post_event_car(b"not a car").await.unwrap_err().code(),
        "NODE_REJECTED"
    );

    let evil = Client::new(
        &node.url,
        Tampering {
            inner: Reqwest(client()),
            target: commit.commit().to_string(),
        },
    );
    let err = evil
        .load_document(&doc, true, now(), &m, &mut |_| {})
        .await
        .unwrap_err();
    assert_eq!(err.code(), "NODE_MISMATCH", "{err}");
    // Unverified loading takes the node's word, and says so.
    let claim = evil
        .load_document(&doc, false, now(), &m, &mut |_| {})
        .await
        .unwrap();
    assert!(!claim.verified);

    node.kill9();
    let err = c.version().await.unwrap_err();
    assert_eq!(err.code(), "NETWORK");
}

/// ceramic-one indexes accepted events later; `--index-delay-ms` imitates it. The node's own view
/// lags, and the client still reads its own writes: create → update → update → load → update →
/// load with no waits, each step as written.
#[tokio::test]
async fn reads_its_own_writes_from_a_node_that_indexes_later() {
    let dir = tempfile::tempdir().unwrap();
    let node = DevNode::start_with(
        dir.path(),
        &["--anchor-interval", "60", "--index-delay-ms", "1200"],
    );
    let http = client();
    let c = Client::new(&node.url, Reqwest(client()));
    let m = NativeRegex;
    let alice = signer(70);
    let model = c
        .create_model(&post_model(), &alice, now(), &m)
        .await
        .unwrap();
    let from = c.resume_token().await.unwrap();

    let doc = c
        .create_document(&model, &json!({"title": "v1"}), &alice, now(), &m)
        .await
        .unwrap();
    // The node itself does not show it yet: 404, and not in the feed.
    let r = http
        .get(node.api(&format!("/streams/{doc}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let page = c.feed(&from, 100, false).await.unwrap();
    assert!(page.events.is_empty(), "{page:?}");

    let c2 = c
        .update_document(&doc, &json!({"title": "v2"}), &alice, None, now(), &m)
        .await
        .unwrap();
    let c3 = c
        .update_document(&doc, &json!({"title": "v3"}), &alice, None, now(), &m)
        .await
        .unwrap();
    assert_eq!(c3.stream_id(), &doc);
    let l = c
        .load_document(&doc, true, now(), &m, &mut |_| {})
        .await
        .unwrap();
    assert_eq!(l.state.content, json!({"title": "v3"}));
    assert_eq!(l.state.tip, c3.commit());
    assert!(l.verified && l.matches_node && !l.pending, "{l:?}");
    assert!(l.state.contains(&c2.commit()));
    let c4 = c
        .update_document(&doc, &json!({"title": "v4"}), &alice, None, now(), &m)
        .await
        .unwrap();
    let l = c
        .load_document(&doc, true, now(), &m, &mut |_| {})
        .await
        .unwrap();
    assert_eq!(
        (l.state.content.clone(), l.state.tip, l.pending),
        (json!({"title": "v4"}), c4.commit(), false)
    );
    assert_eq!(l.state.log.len(), 4);

    // Without waiting, the client answers with its own verified state, marked pending.
    let impatient = Client::new(&node.url, Reqwest(client())).with_read_your_writes_ms(0);
    let d = impatient
        .create_document(&model, &json!({"title": "mine"}), &alice, now(), &m)
        .await
        .unwrap();
    let l = impatient
        .load_document(&d, true, now(), &m, &mut |_| {})
        .await
        .unwrap();
    assert!(l.pending && l.verified && !l.matches_node, "{l:?}");
    assert_eq!(l.state.content, json!({"title": "mine"}));
    assert!(l.not_checked.iter().any(|n| n.contains("has not shown")));
    // A client that did not write it sees what the node shows: nothing yet.
    let stranger = Client::new(&node.url, Reqwest(client()));
    let e = stranger
        .load_document(&d, true, now(), &m, &mut |_| {})
        .await
        .unwrap_err();
    assert_eq!(e.code(), "NOT_FOUND");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let l = impatient
        .load_document(&d, true, now(), &m, &mut |_| {})
        .await
        .unwrap();
    assert!(!l.pending && l.matches_node, "{l:?}");
    // The feed shows everything, in order, once indexed (the resume token was taken while the
    // Model was not shown yet, so it starts with the Model).
    let page = c.feed(&from, 100, false).await.unwrap();
    assert_eq!(page.events.len(), 6);
    assert_eq!(page.events[0].id, *model.cid());
}

/// Updates of one stream issued together by one client are made one after the other, in order.
#[tokio::test]
async fn concurrent_updates_of_one_stream_are_ordered() {
    let dir = tempfile::tempdir().unwrap();
    let node = DevNode::start_with(
        dir.path(),
        &["--anchor-interval", "60", "--index-delay-ms", "1000"],
    );
    let c = Client::new(&node.url, Reqwest(client()));
    let m = NativeRegex;
    let alice = signer(71);
    let model = c
        .create_model(&post_model(), &alice, now(), &m)
        .await
        .unwrap();
    let doc = c
        .create_document(&model, &json!({"title": "0"}), &alice, now(), &m)
        .await
        .unwrap();
    let contents: Vec<Value> = (1..=4).map(|i| json!({ "title": i.to_string() })).collect();
    let up = |i: usize| c.update_document(&doc, &contents[i], &alice, None, now(), &m);
    // Polled together: each starts before the previous one has posted.
    let (a, b, d, e) = tokio::join!(up(0), up(1), up(2), up(3));
    let commits = [a.unwrap(), b.unwrap(), d.unwrap(), e.unwrap()];
    let l = c
        .load_document(&doc, true, now(), &m, &mut |_| {})
        .await
        .unwrap();
    assert_eq!(l.state.content, json!({"title": "4"}));
    let order: Vec<_> = l.state.log[1..].iter().map(|e| e.cid).collect();
    let expected: Vec<_> = commits.iter().map(|c| c.commit()).collect();
    assert_eq!(order, expected);
}

#[tokio::test]
async fn an_update_the_node_took_is_answered_even_if_it_does_not_verify_here() {
    use ceramic_wasm::did::siwx::{eip191_digest, eip55};
    use ceramic_wasm::did::{SessionParams, SessionRequest};
    let dir = tempfile::tempdir().unwrap();
    let node = DevNode::start(dir.path(), "60");
    let c = Client::new(&node.url, Reqwest(client()));
    let m = NativeRegex;
    // A wallet and a one-hour SIWE session.
    let key = k256::ecdsa::SigningKey::from_slice(&[5u8; 32]).unwrap();
    let point = key.verifying_key().to_sec1_point(false);
    let hash = <sha3::Keccak256 as sha3::Digest>::digest(&point.as_bytes()[1..]);
    let address = eip55(&format!("0x{}", hex::encode(&hash[12..])));
    let params = SessionParams {
        address,
        chain_id: 1,
        domain: "app.test".into(),
        resources: vec!["ceramic://*".into()],
        expires_in_secs: 3600,
        statement: None,
        checksum_address: true,
    };
    let req = SessionRequest::new(params, now()).unwrap();
    let (sig, rec) = key.sign_prehash_recoverable(&eip191_digest(req.message().as_bytes()));
    let mut sig = sig.to_bytes().to_vec();
    sig.push(27 + rec.to_byte());
    let session = req.complete(&format!("0x{}", hex::encode(sig))).unwrap();

    let model = c
        .create_model(&post_model(), &signer(70), now(), &m)
        .await
        .unwrap();
    let doc = c
        .create_document(&model, &json!({"title": "a"}), &session, now(), &m)
        .await
        .unwrap();
    // The node (its own clock) takes the update; this client, two hours ahead, finds the
    // capability expired. The write happened: its CommitID is answered, not an error a caller
    // would retry (posting a second update).
    let commit = c
        .update_document(
            &doc,
            &json!({"title": "b"}),
            &session,
            None,
            now() + 7200,
            &m,
        )
        .await
        .unwrap();
    let loaded = c
        .load_document(&doc, true, now(), &m, &mut |_| {})
        .await
        .unwrap();
    assert_eq!(loaded.state.tip, commit.commit());
    assert_eq!(loaded.state.content, json!({"title": "b"}));
    assert!(loaded.verified && loaded.matches_node && !loaded.pending);
    // Verified at the later time, the same log fails as it should.
    let err = c
        .load_document(&doc, true, now() + 7200, &m, &mut |_| {})
        .await
        .unwrap_err();
    assert_eq!(err.code(), "CAPABILITY_EXPIRED");
}
