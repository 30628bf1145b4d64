//! Our JSON-Patch (src/stream/patch.rs) against the `json-patch` crate it replaced: the same
//! patch from `diff`, and the same result (or the same refusal) from applying random operations
//! to random documents.
#![cfg(not(target_arch = "wasm32"))]

use ceramic_wasm::codec::{Map, Value};
use ceramic_wasm::json;
use ceramic_wasm::stream::{apply_patch, diff};
use proptest::prelude::*;

const KEYS: [&str; 6] = ["a", "b", "0", "~", "a/b", ""];

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (0i64..4).prop_map(|n| json!(n)),
        Just(json!(1.0)),
        prop::sample::select(&KEYS[..]).prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(3, 40, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(&KEYS[..]), inner), 0..5).prop_map(|kv| {
                let mut m = Map::new();
                for (k, v) in kv {
                    m.insert(k.to_string(), v);
                }
                Value::Object(m)
            }),
        ]
    })
}

fn pointer() -> impl Strategy<Value = String> {
    let token = prop::sample::select(
        &[
            "a", "b", "0", "1", "2", "-", "01", "+1", "~0", "~1", "a~1b", "", "x", "~", "~2",
        ][..],
    );
    prop_oneof![
        Just(String::new()),
        Just("a".to_string()),
        prop::collection::vec(token, 1..4).prop_map(|t| format!("/{}", t.join("/"))),
    ]
}

fn operation() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(
            &[
                "add", "remove", "replace", "move", "copy", "test", "move-in",
            ][..],
        ),
        pointer(),
        pointer(),
        value(),
    )
        .prop_map(|(op, path, from, value)| match op {
            "move" | "copy" => json!({"op": op, "path": path, "from": from}),
            // Into its own child, or a sibling whose name extends `from`'s.
            "move-in" => json!({"op": "move", "from": from, "path": format!("{from}{path}")}),
            "remove" => json!({"op": op, "path": path}),
            _ => json!({"op": op, "path": path, "value": value}),
        })
}

fn theirs(doc: &Value, ops: &Value) -> Option<Value> {
    // json_patch works on serde_json's values.
    let patch: json_patch::Patch = serde_json::from_value(ops.clone().into()).ok()?;
    let mut doc: serde_json::Value = if doc.is_null() {
        json!({})
    } else {
        doc.clone()
    }
    .into();
    json_patch::patch_unsafe(&mut doc, &patch).ok()?;
    Some(doc.into())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn diff_as_json_patch_computes_it(a in value(), b in value()) {
        let ours = diff(&a, &b);
        let empty = json!({});
        let (fa, fb) = (if a.is_null() { &empty } else { &a }, if b.is_null() { &empty } else { &b });
        let (ja, jb) = (fa.clone().into(), fb.clone().into());
        prop_assert_eq!(&ours, &Value::from(serde_json::to_value(json_patch::diff(&ja, &jb)).unwrap()));
        prop_assert_eq!(&apply_patch(&a, &ours).unwrap(), fb);
    }

    #[test]
    fn apply_as_json_patch_applies_it(doc in value(), ops in prop::collection::vec(operation(), 1..4)) {
        let ops = Value::Array(ops);
        prop_assert_eq!(apply_patch(&doc, &ops).ok(), theirs(&doc, &ops), "ops {}", ops);
    }
}
