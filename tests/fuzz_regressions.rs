//! Inputs that crashed a fuzz target (bench/fuzz.sh), kept in tests/fuzz-regressions/ as found
//! and run through the same code: each must now give a typed error (or a value), never a panic.
#![cfg(not(target_arch = "wasm32"))]

use ceramic_wasm::codec::Value;
use ceramic_wasm::json;
use ceramic_wasm::stream::schema::{check_schema, validate};
use ceramic_wasm::stream::{apply_patch, diff, NativeRegex};
use ceramic_wasm::Error;

fn split(data: &[u8]) -> (Value, Value) {
    let i = data.iter().position(|&b| b == 0).unwrap();
    (
        serde_json::from_slice(&data[..i]).unwrap(),
        serde_json::from_slice(&data[i + 1..]).unwrap(),
    )
}

/// `patch`: `{"a":{"x/y":1}}` with a `move` of `/a/x~1y` over its parent `/a`, then a failing
/// `test`. json-patch's `patch` could not undo the move and panicked; a data event carrying this
/// patch, served by a node, would have killed the page's wasm module.
#[test]
fn patch_move_over_parent_then_failing_test() {
    let data = include_bytes!("fuzz-regressions/patch-move-over-parent-then-failing-test");
    let (doc, ops) = split(data);
    let e = apply_patch(&doc, &ops).unwrap_err();
    assert_eq!(e.code(), "INVALID_PATCH");
    assert!(Error::ALL_CODES.contains(&e.code()));
    // The same move alone is valid (the child replaces its parent), as fast-json-patch applies it.
    let alone = json!([{ "op": "move", "from": "/a/x~1y", "path": "/a" }]);
    assert_eq!(apply_patch(&doc, &alone).unwrap(), json!({ "a": 1 }));
    // And the fuzz target's property holds: a diff applies.
    assert_eq!(apply_patch(&doc, &diff(&doc, &ops)).unwrap(), ops);
}

/// `patch` (the target's own assumption, not a product crash): a diff from `0` to `null`. A
/// document's `null` content counts as `{}` (as documents start), for `diff` and `apply_patch`
/// alike; the target now expects that.
#[test]
fn patch_diff_to_null_means_to_an_empty_object() {
    let data = include_bytes!("fuzz-regressions/patch-diff-to-null");
    let (doc, to) = split(data);
    assert_eq!((doc.clone(), to.clone()), (json!(0), Value::Null));
    assert_eq!(apply_patch(&doc, &diff(&doc, &to)).unwrap(), json!({}));
    assert_eq!(apply_patch(&Value::Null, &json!([])).unwrap(), json!({}));
}

/// `patch`: content with an object keyed `$serde_json::private::RawValue` (the fuzzer found
/// serde_json's raw-value token). With serde_json's `raw_value` feature — turned on by axum, so in
/// the devnode, the fuzz build, and this crate's tests when the workspace is built together — such
/// an object read through serde is taken for a raw value. The patch used to be read through serde
/// and was refused there (INVALID_PATCH) while the npm package applied it; it is now read and
/// written by hand (stream/state.rs), so the key is an ordinary key in every build.
#[test]
fn patch_with_the_raw_value_token() {
    let data = include_bytes!("fuzz-regressions/patch-diff-with-raw-value-feature");
    let (doc, to) = split(data);
    let ops = diff(&doc, &to);
    assert!(ops.as_array().is_some_and(|a| !a.is_empty()));
    assert_eq!(apply_patch(&doc, &ops).unwrap(), to);
}

/// `schema` (a timeout: libFuzzer's 10 s limit): the pattern `…|i...*..*....*.ggg…` under `anyOf`
/// against a 1,476-character string. Four `.*`-like runs, unanchored: ~n^5 backtracking steps,
/// hours in `regress` (and in the page's RegExp); a hostile Model could hang every page
/// validating its documents. The pattern's bound is now computed before the match
/// (stream/pattern_cost.rs) and the match refused over 2^32: TOO_LARGE, which `anyOf` does not
/// absorb into "no match". Without the bound this test does not end.
#[test]
fn schema_regex_backtracking_is_refused_not_run() {
    let data = include_bytes!("fuzz-regressions/schema-regex-backtracking-timeout");
    let (schema, doc) = split(data);
    assert_eq!(doc.as_str().map(|s| s.chars().count()), Some(1476));
    check_schema(&schema, &NativeRegex).unwrap();
    let e = validate(&schema, &doc, &NativeRegex).unwrap_err();
    assert_eq!(e.code(), "TOO_LARGE");
    assert!(e.to_string().contains("1476 characters"), "{e}");
    // The same pattern on a short string runs, and answers.
    let short = Value::String(doc.as_str().unwrap()[..40].to_string());
    let r = validate(&schema, &short, &NativeRegex);
    assert!(
        matches!(&r, Err(e) if e.code() == "SCHEMA_VIOLATION"),
        "{r:?}"
    );
}
