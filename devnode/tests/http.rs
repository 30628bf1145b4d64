//! Every endpoint over real HTTP on 127.0.0.1, success and error cases.

mod common;

use std::time::Duration;

use ceramic_wasm::codec::Ipld;
use ceramic_wasm::codec::Value;
use ceramic_wasm::codec::{multibase, Car};
use ceramic_wasm::events::Event;
use ceramic_wasm::ids::{EventId, Network, StreamId};
use ceramic_wasm::json;
use ceramic_wasm::stream::NativeRegex;
use ceramic_wasm::verify::{run_ready, verify_stream, AnchorLevel, NoRpc, VerifyContext};
use common::*;

fn u64url(s: &str) -> Vec<u8> {
    assert!(s.starts_with('u'), "{s} is not base64url multibase");
    multibase::decode(s).unwrap()
}

async fn get(c: &reqwest::Client, url: String) -> (u16, Option<String>, String) {
    let r = c.get(url).send().await.unwrap();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string());
    (r.status().as_u16(), ct, r.text().await.unwrap())
}

#[tokio::test]
async fn node_info_cors_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let node = DevNode::start(dir.path(), "5");
    let c = client();
    let r = c.get(node.api("/liveness")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    for (k, v) in [
        ("access-control-allow-origin", "*"),
        (
            "access-control-allow-methods",
            "POST, GET, OPTIONS, DELETE, PUT",
        ),
        ("access-control-allow-headers", "*"),
    ] {
        assert_eq!(r.headers()[k], v);
    }
    assert_eq!(
        get(&c, node.api("/version")).await.2,
        r#"{"version":"0.58.0"}"#
    );
    assert_eq!(
        c.post(node.api("/version"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        r#"{"version":"0.58.0"}"#
    );
    assert_eq!(
        get(&c, node.api("/config/network")).await.2,
        r#"{"name":"inmemory"}"#
    );
    assert_eq!(
        get(&c, node.api("/feed/resumeToken")).await.2,
        r#"{"resumeToken":"1"}"#
    );
    let pre = c
        .request(reqwest::Method::OPTIONS, node.api("/events"))
        .header("origin", "http://x")
        .send()
        .await
        .unwrap();
    assert_eq!(pre.status(), 200);
    assert_eq!(pre.headers()["access-control-allow-origin"], "*");

    // Bad inputs, as ceramic-one answers them.
    let (s, body) = post_data(&c, &node, "mnotacar").await;
    assert_eq!(
        (s, body.as_str()),
        (
            400,
            r#"{"message":"Invalid event data: multibase error: Invalid base string"}"#
        )
    );
    let r = c
        .post(node.api("/events"))
        .body("{}")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().starts_with(
        "Couldn't parse body parameter EventData - doesn't match schema: missing field `data`"
    ));
    let (s, ct, body) = get(&c, node.api("/streams/notastreamid")).await;
    assert_eq!(
        (s, ct.as_deref(), body.as_str()),
        (
            400,
            Some("application/json"),
            r#"{"message":"invalid stream id: Unknown base code: n"}"#
        )
    );
    let unknown = "kjzl6kcym7w8y7nzgytqayf6aro12zt0mm01n6ydjomyvvklcspx9kr6gpbwd09";
    let (s, ct, body) = get(&c, node.api(&format!("/streams/{unknown}"))).await;
    assert_eq!(
        (s, ct.as_deref(), body.as_str()),
        (404, Some("text/plain"), unknown)
    );
    let cid = "bafyreigdmqpykrgxyaxtlafqpqhzrb7qy2rh75nldvfd4tucqmzsyd7ytq";
    let (s, ct, body) = get(&c, node.api(&format!("/events/{cid}"))).await;
    assert_eq!(
        (s, ct.as_deref(), body),
        (404, Some("text/plain"), format!("Event not found : {cid}"))
    );
    assert_eq!(get(&c, node.api("/events/zzz")).await.0, 400);
    let (s, _, body) = get(&c, node.api("/feed/events?resumeAt=zzz")).await;
    assert_eq!(s, 400);
    assert!(body.contains("Invalid resume token 'zzz'"), "{body}");
    assert_eq!(
        get(&c, node.api("/feed/events?includeData=some")).await.0,
        400
    );
    assert_eq!(
        get(&c, node.api("/feed/events?includeData=full&limit=10001"))
            .await
            .0,
        400
    );

    // Interests, both forms.
    let model = "kjzl6hvfrbw6c58nube277elv0oilur7ni34y11v2g2t0t9lg3ula5wfxrqckpa";
    let r = c
        .post(node.api("/interests"))
        .json(&json!({"sep": "model", "sepValue": model}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = c
        .post(node.api(&format!("/interests/model/{model}?controller=did:key:z6Mk")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = c
        .post(node.api("/interests"))
        .json(&json!({"sep": "model", "sepValue": "nope"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = c
        .post(node.api("/interests"))
        .json(&json!({"sepValue": model}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn rust_ceramic_vectors_give_the_documented_stream_state() {
    let dir = tempfile::tempdir().unwrap();
    let node = DevNode::start(dir.path(), "60");
    let c = client();
    // A data event before its init event: 400.
    let (s, body) = post_data(&c, &node, &fixture("SIGNED_DATA_EVENT_CAR")).await;
    assert_eq!(s, 400);
    assert!(body.contains("cannot find init event block"), "{body}");
    for name in ["SIGNED_INIT_EVENT_CAR", "SIGNED_DATA_EVENT_CAR"] {
        assert_eq!(
            post_data(&c, &node, &fixture(name)).await,
            (204, String::new()),
            "{name}"
        );
    }
    // Re-posting is idempotent.
    assert_eq!(
        post_data(&c, &node, &fixture("SIGNED_DATA_EVENT_CAR"))
            .await
            .0,
        204
    );

    let sid = "kjzl6kcym7w8y8fn6y54ys70b3199rzcvycug2qf2rvmwntlnoysenmzv4ntnke";
    let (s, _, body) = get(&c, node.api(&format!("/streams/{sid}"))).await;
    assert_eq!(s, 200);
    let st: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(st["id"], sid);
    assert_eq!(
        st["event_cid"],
        "bagcqcerae5oqoglzjjgz53enwsttl7mqglp5eoh2llzbbvfktmzxleeiffbq"
    );
    let did = "did:key:z6MktBynAPLrEyeS7pVthbiyScmfu8n5V7boXgxyo5q3SZRR";
    assert_eq!(st["controller"], did);
    let data: Value = serde_json::from_slice(&u64url(st["data"].as_str().unwrap())).unwrap();
    assert_eq!(
        data,
        json!({"metadata": {"shouldIndex": true}, "content": {"steph": 334}})
    );
    let dims = &st["dimensions"];
    assert_eq!(u64url(dims["controller"].as_str().unwrap()), did.as_bytes());
    let model: StreamId = "kjzl6hvfrbw6c90uwoyz8j519gxma787qbsfjtrarkr1huq1g1s224k7hopvsyg"
        .parse()
        .unwrap();
    assert_eq!(u64url(dims["model"].as_str().unwrap()), model.to_bytes());
    assert_eq!(
        u64url(dims["unique"].as_str().unwrap()),
        hex_bytes("44a6f13ab2410bbb6a8568de")
    );
    assert_eq!(dims["context"], "u");

    // GET the event back: the very CAR that was posted, as `m` base64; by CID and by EventID.
    let cid = "bagcqcerar2aga7747dm6fota3iipogz4q55gkaamcx2weebs6emvtvie2oha";
    let (s, _, body) = get(&c, node.api(&format!("/events/{cid}"))).await;
    assert_eq!(s, 200);
    let ev: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(ev["id"], cid);
    assert!(ev["data"].as_str().unwrap().starts_with('m'));
    assert_eq!(
        multibase::decode(ev["data"].as_str().unwrap()).unwrap(),
        multibase::decode(&fixture("SIGNED_INIT_EVENT_CAR")).unwrap()
    );
    let init =
        Event::decode_car(&multibase::decode(&fixture("SIGNED_INIT_EVENT_CAR")).unwrap()).unwrap();
    let eid = EventId::new(
        Network::InMemory,
        "model",
        &model.to_bytes(),
        did,
        &init.cid(),
        &init.cid(),
    );
    assert_eq!(get(&c, node.api(&format!("/events/{eid}"))).await.0, 200);

    // The feed holds each event once.
    let (_, _, body) = get(&c, node.api("/feed/events?resumeAt=0")).await;
    let feed: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(feed["events"].as_array().unwrap().len(), 2);
    assert_eq!(feed["resumeToken"], "3");
}

fn hex_bytes(h: &str) -> Vec<u8> {
    (0..h.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
        .collect()
}

#[tokio::test]
async fn signatures_and_model_rules_are_enforced() {
    let dir = tempfile::tempdir().unwrap();
    let node = DevNode::start(dir.path(), "60");
    let c = client();
    // The ceramic-sdk vector with a tampered signature.
    let car = Car::decode(KEY_ED25519_CAR).unwrap();
    let Ipld::Map(meta) =
        ceramic_wasm::codec::dagcbor::decode_ipld(car.get(&car.root().unwrap()).unwrap()).unwrap()
    else {
        panic!()
    };
    let Ipld::Link(bad) = &meta["invalidInitEventSignature"] else {
        panic!()
    };
    let bad = Event::decode(bad, &car).unwrap();
    let (s, body) = post(&c, &node, &bad).await;
    assert_eq!(s, 400);
    assert!(
        body.contains("Event had invalid signature") && body.contains("BAD_SIGNATURE"),
        "{body}"
    );

    let alice = signer(1);
    let model = model_event(&alice, "Post");
    assert_eq!(post(&c, &node, &model).await.0, 204);
    let model_id = model.stream_id().unwrap();
    // Schema violation at ingest: 400 (ceramic-one answers 204 and drops it in its aggregator).
    let (s, body) = post(
        &c,
        &node,
        &doc_event(&alice, &model_id, json!({"title": 7})),
    )
    .await;
    assert_eq!(s, 400, "{body}");
    assert!(body.contains("SCHEMA_VIOLATION"), "{body}");
    let doc = doc_event(&alice, &model_id, json!({"title": "hello"}));
    assert_eq!(post(&c, &node, &doc).await.0, 204);
    let sid = doc.stream_id().unwrap();
    let (s, body) = post(
        &c,
        &node,
        &data_event(
            &alice,
            &sid,
            doc.cid(),
            json!([{"op": "add", "path": "/extra", "value": 1}]),
        ),
    )
    .await;
    assert_eq!(s, 400);
    assert!(body.contains("SCHEMA_VIOLATION"), "{body}");
    // Someone else cannot write to alice's document.
    let mallory = signer(2);
    let (s, body) = post(
        &c,
        &node,
        &data_event(
            &mallory,
            &sid,
            doc.cid(),
            json!([{"op": "replace", "path": "/title", "value": "x"}]),
        ),
    )
    .await;
    assert_eq!(s, 400);
    assert!(body.contains("UNAUTHORIZED_SIGNER"), "{body}");
    // A good update, then a fork of the genesis: the node keeps one branch.
    let upd = data_event(
        &alice,
        &sid,
        doc.cid(),
        json!([{"op": "replace", "path": "/title", "value": "hi"}]),
    );
    assert_eq!(post(&c, &node, &upd).await.0, 204);
    let fork = data_event(
        &alice,
        &sid,
        doc.cid(),
        json!([{"op": "replace", "path": "/title", "value": "other"}]),
    );
    let (s, body) = post(&c, &node, &fork).await;
    assert_eq!(s, 400);
    assert!(body.contains("FORK"), "{body}");
    let (_, _, body) = get(&c, node.api(&format!("/streams/{sid}"))).await;
    let st: Value = serde_json::from_str(&body).unwrap();
    let data: Value = serde_json::from_slice(&u64url(st["data"].as_str().unwrap())).unwrap();
    assert_eq!(data["content"], json!({"title": "hi"}));
    // The Model's own state.
    let (_, _, body) = get(&c, node.api(&format!("/streams/{model_id}"))).await;
    let st: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        u64url(st["dimensions"]["model"].as_str().unwrap()),
        StreamId::metamodel().to_bytes()
    );
}

#[tokio::test]
async fn feed_pages_return_each_event_once_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let node = DevNode::start(dir.path(), "600");
    let c = client();
    let s = signer(3);
    let model = model_event(&s, "Feed");
    let mut posted = vec![model.clone()];
    assert_eq!(post(&c, &node, &model).await.0, 204);
    for n in 0..3 {
        for e in chain(&signer(10 + n), &model.stream_id().unwrap(), 8) {
            assert_eq!(post(&c, &node, &e).await.0, 204);
            posted.push(e);
        }
    }
    // Re-posting does not add to the feed.
    assert_eq!(post(&c, &node, &posted[3]).await.0, 204);
    let mut token = "0".to_string();
    let mut seen = Vec::new();
    loop {
        let (_, _, body) = get(
            &c,
            node.api(&format!(
                "/feed/events?resumeAt={token}&limit=7&includeData=full"
            )),
        )
        .await;
        let page: Value = serde_json::from_str(&body).unwrap();
        let events = page["events"].as_array().unwrap();
        token = page["resumeToken"].as_str().unwrap().to_string();
        if events.is_empty() {
            break;
        }
        for e in events {
            let car = multibase::decode(e["data"].as_str().unwrap()).unwrap();
            assert_eq!(
                Event::decode_car(&car).unwrap().cid().to_string(),
                e["id"].as_str().unwrap()
            );
            seen.push(e["id"].as_str().unwrap().to_string());
        }
    }
    let expected: Vec<String> = posted.iter().map(|e| e.cid().to_string()).collect();
    assert_eq!(seen, expected);
    assert_eq!(
        get(&c, node.api("/feed/resumeToken")).await.2,
        format!(r#"{{"resumeToken":"{token}"}}"#)
    );
    // Without data, ids only.
    let (_, _, body) = get(&c, node.api("/feed/events?limit=2")).await;
    let page: Value = serde_json::from_str(&body).unwrap();
    assert!(page["events"][0].get("data").is_none());
    assert_eq!(page["resumeToken"], "3");
}

#[tokio::test]
async fn every_stream_is_anchored_locally_within_two_intervals() {
    let dir = tempfile::tempdir().unwrap();
    let node = DevNode::start(dir.path(), "1");
    let c = client();
    let s = signer(4);
    let model = model_event(&s, "Anchored");
    assert_eq!(post(&c, &node, &model).await.0, 204);
    let mut streams = vec![vec![model.clone()]];
    for n in 0..4 {
        let events = chain(&signer(20 + n), &model.stream_id().unwrap(), 3);
        for e in &events {
            assert_eq!(post(&c, &node, e).await.0, 204);
        }
        streams.push(events);
    }
    tokio::time::sleep(Duration::from_millis(2200)).await;
    let (_, _, body) = get(&c, node.api("/feed/events?resumeAt=0&includeData=full")).await;
    let page: Value = serde_json::from_str(&body).unwrap();
    let all: Vec<Event> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            Event::decode_car(&multibase::decode(e["data"].as_str().unwrap()).unwrap()).unwrap()
        })
        .collect();
    let matcher = NativeRegex;
    for events in &streams {
        let sid = events[0].stream_id().unwrap();
        let log: Vec<Event> = all
            .iter()
            .filter(|e| e.stream_cid() == *sid.cid())
            .cloned()
            .collect();
        assert_eq!(log.len(), events.len() + 1, "{sid}: a time event");
        let ctx = VerifyContext::new(i64::MAX / 2, &matcher);
        let v = run_ready(verify_stream(&log, &ctx, None::<&NoRpc>, &mut |_| {})).unwrap();
        assert_eq!(v.anchor, AnchorLevel::Local, "{sid}");
        assert_eq!(v.state.log.last().unwrap().kind, "time");
        let (_, _, body) = get(&c, node.api(&format!("/streams/{sid}"))).await;
        let st: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(st["event_cid"], v.state.tip.to_string());
    }
}

#[cfg(unix)]
#[tokio::test]
async fn sigterm_shuts_down_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut node = DevNode::start(dir.path(), "60");
    let c = client();
    assert_eq!(
        post(&c, &node, &model_event(&signer(5), "Bye")).await.0,
        204
    );
    let pid = node.child.id().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let status = tokio::task::spawn_blocking(move || node.child.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success(), "{status:?}");
    // The store is intact for the next start.
    let node = DevNode::start(dir.path(), "60");
    let (_, _, body) = get(&c, node.api("/feed/events")).await;
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["events"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn local_network_flags_and_cors_origins() {
    let dir = tempfile::tempdir().unwrap();
    let node = DevNode::start_with(
        dir.path(),
        &[
            "--network",
            "local",
            "--local-network-id",
            "7",
            "--cors-allow-origins",
            "http://a.test,http://b.test",
        ],
    );
    let c = client();
    assert_eq!(
        get(&c, node.api("/config/network")).await.2,
        r#"{"name":"local-7"}"#
    );
    // The request's origin when allowed, else the first configured one (as ceramic-one).
    let r = c
        .get(node.api("/liveness"))
        .header("origin", "http://b.test")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["access-control-allow-origin"], "http://b.test");
    let r = c
        .get(node.api("/liveness"))
        .header("origin", "http://evil.test")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["access-control-allow-origin"], "http://a.test");
    // Local anchors name the local network's chain.
    let s = signer(6);
    let model = model_event(&s, "Local");
    assert_eq!(post(&c, &node, &model).await.0, 204);
}
