//! JSON-Patch (RFC 6902) with JSON Pointers (RFC 6901): applying a patch to a document's content
//! and computing the patch between two contents.
//!
//! Own code, not the `json-patch` crate (now only a dev-dependency that the tests compare with):
//! that crate and `jsonptr` were 7.7 K of the page's wasm, kept their own pointer types and an
//! undo log we never use (patches apply to a copy), and cloned every value twice. The semantics
//! are the crate's (json-patch 5, which ceramic-one-era Rust code and our devnode applied):
//! `tests/patch_interop.rs` checks apply and diff against it on random documents and patches.

use crate::codec::{Map, Value};

use crate::codec::json::{array_index, unescape_token};
use crate::error::{Error, Result};

/// One operation, borrowed from the patch's JSON.
enum Op<'a> {
    Add(&'a str, &'a Value),
    Remove(&'a str),
    Replace(&'a str, &'a Value),
    Move(&'a str, &'a str),
    Copy(&'a str, &'a str),
    Test(&'a str, &'a Value),
}

/// Apply a JSON-Patch (`ops`, an array) to `content` (`null` counts as `{}`). Every operation is
/// read before any applies; the first that fails fails the patch.
pub fn apply_patch(content: &Value, ops: &Value) -> Result<Value> {
    let patch = read(ops)?;
    let mut doc = if content.is_null() {
        Value::Object(Map::new())
    } else {
        content.clone()
    };
    let mut copied = 0usize;
    for (i, op) in patch.into_iter().enumerate() {
        let (path, failed) = match op {
            Op::Add(path, v) => (path, add(&mut doc, path, v.clone()).err()),
            Op::Remove(path) => (path, remove(&mut doc, path).err()),
            Op::Replace(path, v) => (
                path,
                match get_mut(&mut doc, path) {
                    Some(target) => {
                        *target = v.clone();
                        None
                    }
                    None => Some(PATH),
                },
            ),
            Op::Move(from, path) => (path, moved(&mut doc, from, path).err()),
            Op::Copy(from, path) => (
                path,
                match get_mut(&mut doc, from) {
                    Some(v) => {
                        // `copy` is the one operation that grows the document beyond the
                        // patch's own bytes: each copy of the whole document doubles it (30
                        // operations of a few hundred bytes would ask for gigabytes). What one
                        // patch copies is held to the largest document's size.
                        copied = copied.saturating_add(json_size(v));
                        if copied > crate::stream::mid::MAX_DOCUMENT_SIZE {
                            return Err(Error::TooLarge(format!(
                                "operation {i} copies past {} bytes of JSON",
                                crate::stream::mid::MAX_DOCUMENT_SIZE
                            )));
                        }
                        let v = v.clone();
                        add(&mut doc, path, v).err()
                    }
                    None => Some(FROM),
                },
            ),
            Op::Test(path, expected) => (
                path,
                match get_mut(&mut doc, path) {
                    Some(v) if *v == *expected => None,
                    Some(_) => Some("value did not match"),
                    None => Some(PATH),
                },
            ),
        };
        if let Some(why) = failed {
            return Err(Error::InvalidPatch(format!(
                "operation {i} failed at path '{path}': {why}"
            )));
        }
    }
    Ok(doc)
}

/// About the length of `v` as JSON text (numbers counted as 8 bytes), without writing it.
fn json_size(v: &Value) -> usize {
    match v {
        Value::Null | Value::Bool(_) => 5,
        Value::Number(_) => 8,
        Value::String(s) => s.len() + 2,
        Value::Array(items) => items.iter().map(json_size).fold(2, usize::saturating_add),
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| (k.len() + 4).saturating_add(json_size(v)))
            .fold(2, usize::saturating_add),
    }
}

const PATH: &str = "path is invalid";
const FROM: &str = "\"from\" path is invalid";

/// Read `ops` (an array of RFC 6902 operations). Members other than `op`, `path`, `from` and
/// `value` are ignored. serde's sequence form (`["add", "/a", 1]`) is refused, as fast-json-patch
/// refuses it.
fn read(ops: &Value) -> Result<Vec<Op<'_>>> {
    let bad = |i: usize, what: &str| {
        Error::InvalidPatch(format!("not a JSON-Patch: operation {i}: {what}"))
    };
    let Value::Array(items) = ops else {
        return Err(Error::InvalidPatch("not a JSON-Patch: not an array".into()));
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Value::Object(op) = item else {
            return Err(bad(i, "not an object"));
        };
        let pointer = |name: &str| -> Result<&str> {
            let text = op
                .get(name)
                .ok_or_else(|| bad(i, &format!("no `{name}`")))?
                .as_str()
                .ok_or_else(|| bad(i, &format!("`{name}` is not a string")))?;
            if is_pointer(text) {
                Ok(text)
            } else {
                Err(bad(
                    i,
                    &format!("`{name}`: not a JSON Pointer (a leading '/', '~' only as ~0 or ~1)"),
                ))
            }
        };
        let value = || op.get("value").ok_or_else(|| bad(i, "no `value`"));
        let path = pointer("path")?;
        out.push(match op.get("op").and_then(Value::as_str) {
            Some("add") => Op::Add(path, value()?),
            Some("remove") => Op::Remove(path),
            Some("replace") => Op::Replace(path, value()?),
            Some("move") => Op::Move(pointer("from")?, path),
            Some("copy") => Op::Copy(pointer("from")?, path),
            Some("test") => Op::Test(path, value()?),
            Some(other) => return Err(bad(i, &format!("unknown op \"{other}\""))),
            None => return Err(bad(i, "no `op` string")),
        });
    }
    Ok(out)
}

/// RFC 6901: empty (the whole document), or `/`-separated tokens where `~` escapes only `0`
/// (`~`) and `1` (`/`).
fn is_pointer(p: &str) -> bool {
    let b = p.as_bytes();
    (b.is_empty() || b[0] == b'/')
        && b.iter()
            .enumerate()
            .all(|(i, &c)| c != b'~' || matches!(b.get(i + 1), Some(b'0' | b'1')))
}

/// The value `pointer` names, if there is one.
fn get_mut<'a>(doc: &'a mut Value, pointer: &str) -> Option<&'a mut Value> {
    let Some(rest) = pointer.strip_prefix('/') else {
        return pointer.is_empty().then_some(doc);
    };
    rest.split('/').try_fold(doc, |target, token| match target {
        Value::Object(map) => map.get_mut(unescape_token(token).as_ref()),
        Value::Array(list) => array_index(token).and_then(|i| list.get_mut(i)),
        _ => None,
    })
}

/// The container holding `pointer`'s last token, and that token. None for the whole document.
fn parent<'a, 'p>(
    doc: &'a mut Value,
    pointer: &'p str,
) -> Option<(Option<&'a mut Value>, &'p str)> {
    let (parent, last) = pointer.rsplit_once('/')?;
    Some((get_mut(doc, parent), last))
}

fn add(doc: &mut Value, path: &str, value: Value) -> std::result::Result<(), &'static str> {
    let Some((parent, last)) = parent(doc, path) else {
        *doc = value; // the empty path: the whole document
        return Ok(());
    };
    match parent {
        Some(Value::Object(map)) => {
            map.insert(unescape_token(last).into_owned(), value);
        }
        Some(Value::Array(list)) => {
            let at = if last == "-" {
                Some(list.len())
            } else {
                array_index(last)
            };
            match at {
                Some(at) if at <= list.len() => list.insert(at, value),
                _ => return Err(PATH),
            }
        }
        _ => return Err(PATH),
    }
    Ok(())
}

fn remove(doc: &mut Value, path: &str) -> std::result::Result<Value, &'static str> {
    match parent(doc, path) {
        Some((Some(Value::Object(map)), last)) => {
            map.remove(unescape_token(last).as_ref()).ok_or(PATH)
        }
        Some((Some(Value::Array(list)), last)) => match array_index(last) {
            Some(at) if at < list.len() => Ok(list.remove(at)),
            _ => Err(PATH),
        },
        _ => Err(PATH),
    }
}

fn moved(doc: &mut Value, from: &str, path: &str) -> std::result::Result<(), &'static str> {
    // Not into its own child: `path` starts with `from` at a token boundary.
    if path.len() != from.len()
        && path.starts_with(from)
        && path.as_bytes().get(from.len()) == Some(&b'/')
    {
        return Err("cannot move the value inside itself");
    }
    let v = remove(doc, from).map_err(|_| FROM)?;
    add(doc, path, v)
}

/// The JSON-Patch that turns `from` into `to` (`null` counts as `{}`), as the JS SDK's
/// `jsonpatch.compare` computes it for updates: objects member by member (changed and added in
/// key order, then removed), arrays index by index (removals at the end), anything else replaced
/// when it differs.
pub fn diff(from: &Value, to: &Value) -> Value {
    let empty = Value::Object(Map::new());
    let from = if from.is_null() { &empty } else { from };
    let to = if to.is_null() { &empty } else { to };
    let mut ops = Vec::new();
    diff_into(from, to, &mut String::new(), &mut ops);
    Value::Array(ops)
}

fn op(name: &str, path: &str, value: Option<&Value>) -> Value {
    let mut m = Map::new();
    m.insert("op".into(), Value::String(name.into()));
    m.insert("path".into(), Value::String(path.into()));
    if let Some(v) = value {
        m.insert("value".into(), v.clone());
    }
    Value::Object(m)
}

fn diff_into(from: &Value, to: &Value, path: &mut String, ops: &mut Vec<Value>) {
    let len = path.len();
    match (from, to) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, bv) in b {
                push_token(path, key);
                match a.get(key) {
                    Some(av) => diff_into(av, bv, path, ops),
                    None => ops.push(op("add", path, Some(bv))),
                }
                path.truncate(len);
            }
            for key in a.keys().filter(|k| !b.contains_key(k)) {
                push_token(path, key);
                ops.push(op("remove", path, None));
                path.truncate(len);
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for i in 0..a.len().max(b.len()) {
                // Removals all name the first index past `b`'s end: each shifts the rest down.
                path.push('/');
                path.push_str(&i.min(b.len()).to_string());
                match (a.get(i), b.get(i)) {
                    (Some(av), Some(bv)) => diff_into(av, bv, path, ops),
                    (Some(_), None) => ops.push(op("remove", path, None)),
                    (None, Some(bv)) => ops.push(op("add", path, Some(bv))),
                    (None, None) => {}
                }
                path.truncate(len);
            }
        }
        _ if from == to => {}
        _ => ops.push(op("replace", path, Some(to))),
    }
}

/// `/` and the key with `~` and `/` escaped.
fn push_token(path: &mut String, key: &str) {
    path.push('/');
    for c in key.chars() {
        match c {
            '~' => path.push_str("~0"),
            '/' => path.push_str("~1"),
            c => path.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    /// Copies of the whole document into itself double it: a patch of 40 such copies (a few
    /// hundred bytes) is refused once what it copies passes the largest document's size, not
    /// after allocating terabytes; copies that stay under it apply.
    #[test]
    fn copies_that_grow_past_the_size_limit_are_refused() {
        let doc = json!({"a": "x".repeat(1000)});
        let ops: Vec<Value> = (0..40)
            .map(|i| json!({"op": "copy", "from": "", "path": format!("/c{i}")}))
            .collect();
        let e = apply_patch(&doc, &Value::Array(ops)).unwrap_err();
        assert_eq!(e.code(), "TOO_LARGE");
        assert!(
            e.to_string()
                .contains("operation 13 copies past 16000000 bytes"),
            "{e}"
        );
        let few = json!([{"op": "copy", "from": "", "path": "/b"}, {"op": "copy", "from": "/a", "path": "/c"}]);
        let out = apply_patch(&doc, &few).unwrap();
        assert_eq!(out["b"]["a"], out["c"]);
        assert_eq!(
            json_size(&json!({"k": ["ab", 1, null]})),
            2 + (1 + 4) + (2 + 4 + 8 + 5)
        );
    }

    #[test]
    fn pointers() {
        for (p, ok) in [
            ("", true),
            ("/", true),
            ("/a~0b~1c", true),
            ("a", false),
            ("/a~", false),
            ("/a~2", false),
        ] {
            assert_eq!(is_pointer(p), ok, "{p}");
        }
        assert_eq!(unescape_token("a~1b~0c~01"), "a/b~c~1");
        for (t, i) in [
            ("0", Some(0)),
            ("10", Some(10)),
            ("01", None),
            ("+1", None),
            ("", None),
        ] {
            assert_eq!(array_index(t), i, "{t}");
        }
        assert_eq!(array_index("99999999999999999999999"), None);
    }

    #[test]
    fn operations() {
        let doc = json!({"a": [1, 2], "b": {"c~/": 3}});
        let cases = [
            (
                json!([{"op": "add", "path": "/a/-", "value": 9}]),
                Some(json!({"a": [1, 2, 9], "b": {"c~/": 3}})),
            ),
            (json!([{"op": "add", "path": "/a/3", "value": 9}]), None),
            (
                json!([{"op": "remove", "path": "/b/c~0~1"}]),
                Some(json!({"a": [1, 2], "b": {}})),
            ),
            (json!([{"op": "remove", "path": "/a/-"}]), None),
            (json!([{"op": "remove", "path": ""}]), None),
            (
                json!([{"op": "replace", "path": "", "value": 1}]),
                Some(json!(1)),
            ),
            (json!([{"op": "move", "from": "/a", "path": "/a/0"}]), None),
            (
                json!([{"op": "move", "from": "/a", "path": "/ab"}]),
                Some(json!({"ab": [1, 2], "b": {"c~/": 3}})),
            ),
            (
                json!([{"op": "copy", "from": "/a/1", "path": "/a/0"}]),
                Some(json!({"a": [2, 1, 2], "b": {"c~/": 3}})),
            ),
            (json!([{"op": "test", "path": "/a/0", "value": 1.0}]), None),
            (
                json!([{"op": "test", "path": "/a/0", "value": 1}]),
                Some(doc.clone()),
            ),
        ];
        for (ops, want) in cases {
            assert_eq!(apply_patch(&doc, &ops).ok(), want, "{ops}");
        }
        let e = apply_patch(&doc, &json!([{"op": "remove", "path": "/x"}])).unwrap_err();
        assert!(
            e.to_string().contains("operation 0 failed at path '/x'"),
            "{e}"
        );
    }

    #[test]
    fn patch_shapes_refused() {
        for (ops, msg) in [
            (json!({"op": "add"}), "not an array"),
            (json!([1]), "operation 0: not an object"),
            (
                json!([{"op": "remove", "path": "/a"}, {"path": "/a"}]),
                "operation 1: no `op`",
            ),
            (json!([{"op": "nop", "path": "/a"}]), "unknown op \"nop\""),
            (json!([{"op": "add", "path": "/a"}]), "no `value`"),
            (json!([{"op": "move", "path": "/a"}]), "no `from`"),
            (
                json!([{"op": "copy", "from": 1, "path": "/a"}]),
                "`from` is not a string",
            ),
            (json!([{"op": "remove", "path": "a"}]), "`path`:"),
            (json!([{"op": "remove"}]), "no `path`"),
            (json!([["add", "/a", 1]]), "operation 0: not an object"),
        ] {
            let e = apply_patch(&json!({"a": 1}), &ops).unwrap_err();
            assert_eq!(e.code(), "INVALID_PATCH");
            assert!(e.to_string().contains(msg), "{e} lacks {msg}");
            if !ops[0].is_array() {
                assert!(serde_json::from_value::<json_patch::Patch>(ops.into()).is_err());
            }
        }
    }
}
