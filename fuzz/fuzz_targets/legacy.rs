//! Legacy logs as js-ceramic's `/api/v0` serves them (`{commits: [{cid?, value}]}`, or an array of
//! commit values): each commit decoded and re-derived, the log folded as a TileDocument and as a
//! Caip10Link (signatures, link proofs, links, the conflict rule against the log's own prefix):
//! typed errors only, never a panic.
#![no_main]
use ceramic_wasm::legacy::conflict::choose;
use ceramic_wasm::legacy::did3::Did3Resolver;
use ceramic_wasm::legacy::tile::AnchorInfo;
use ceramic_wasm::legacy::{link, tile, Commit};
use ceramic_wasm::Error;
use libfuzzer_sys::fuzz_target;
use ceramic_wasm::codec::Value;

fn ok_code<T>(r: &Result<T, Error>) {
    if let Err(e) = r {
        assert!(Error::ALL_CODES.contains(&e.code()), "{e:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(v) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let entries = match &v {
        Value::Array(a) => a.clone(),
        other => other["commits"].as_array().cloned().unwrap_or_default(),
    };
    let mut log = Vec::new();
    for e in entries.iter().take(64) {
        let (value, cid) = match e.get("value") {
            Some(value) => (value, e.get("cid").and_then(Value::as_str)),
            None => (e, None),
        };
        let r = Commit::from_api_json(value, cid);
        ok_code(&r);
        if let Ok(c) = r {
            // What decodes re-encodes to the same commit.
            let back = Commit::from_api_json(&c.to_api_json().unwrap(), None).unwrap();
            assert_eq!(back.cid, c.cid);
            log.push(c);
        }
    }
    let mut anchors = |c: &Commit| {
        Ok(AnchorInfo {
            timestamp: Some(c.cid.to_bytes().len() as i64),
            proof: None,
        })
    };
    let keys = Did3Resolver::default().with_now(1_800_000_000);
    let t = tile::fold(&log, &mut anchors, &keys);
    ok_code(&t);
    ok_code(&link::fold(&log, &mut anchors));
    if let Ok(full) = t {
        if log.len() > 1 {
            if let Ok(prefix) = tile::fold(&log[..log.len() - 1], &mut anchors, &keys) {
                ok_code(&choose(&prefix, &full));
            }
        }
        let _ = full.to_json();
    }
});
