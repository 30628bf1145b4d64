//! Model Instance Document rules (protocol.md §5.4), each failing with its own code.

use crate::codec::Value;

use super::model::{AccountRelation, Model, Relation};
use super::schema::{validate, PatternMatcher};
use crate::codec::json;
use crate::did::cacao::parse_pkh;
use crate::did::DidKey;
use crate::error::{Error, Result};
use crate::events::{DataPayload, Event, InitPayload};
use crate::ids::{StreamId, StreamType};

/// Largest document content, in bytes of JSON (js-ceramic `MAX_DOCUMENT_SIZE`).
pub const MAX_DOCUMENT_SIZE: usize = 16_000_000;

/// Whether `did` is a DID string Ceramic can name as a controller.
pub fn is_valid_did(did: &str) -> bool {
    if did.starts_with("did:key:") {
        return DidKey::parse(did).is_ok();
    }
    if did.starts_with("did:pkh:") {
        return parse_pkh(did).is_ok();
    }
    // Generic DID syntax: did:<method>:<id>.
    let mut parts = did.splitn(3, ':');
    matches!((parts.next(), parts.next(), parts.next()),
        (Some("did"), Some(m), Some(id)) if !m.is_empty()
            && m.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            && !id.is_empty())
}

/// The `unique` bytes of a set document with `content`: the set fields' values joined by `|`.
/// Returns the JS SDK's form (`value ? String(value) : ''`) and, where it differs, ceramic-one's
/// (strings as-is, `true`/`false`, numbers as serde_json prints them).
pub fn set_unique_candidates(fields: &[String], content: &Value) -> Vec<Vec<u8>> {
    let js = |v: Option<&Value>| match v {
        None | Some(Value::Null) | Some(Value::Bool(false)) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) if n.as_f64() == Some(0.0) => String::new(),
        Some(Value::Number(n)) => js_number(n),
        Some(Value::Bool(true)) => "true".into(),
        Some(other) => json::text(other),
    };
    let rust = |v: Option<&Value>| match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let join = |f: &dyn Fn(Option<&Value>) -> String| {
        let parts: Vec<String> = fields.iter().map(|k| f(content.get(k))).collect();
        crate::codec::join(&parts, "|").into_bytes()
    };
    let mut out = vec![join(&js)];
    let r = join(&rust);
    if r != out[0] {
        out.push(r);
    }
    out
}

/// JavaScript's `String(number)` for the numbers JSON carries.
fn js_number(n: &crate::codec::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    js_double(n.as_f64().unwrap_or_default())
}

/// ECMAScript's Number::toString(x) for a finite double: its shortest round-trip digits
/// ([`shortest_digits`](crate::codec::shortest_digits); Rust's `{}` would link core's float
/// printing), fixed from 1e-6 to 1e21, with an exponent (`1e+21`, `1.5e-7`) beyond, as
/// JavaScript writes them.
fn js_double(x: f64) -> String {
    let (digits, point) = crate::codec::shortest_digits(x);
    if digits.is_empty() {
        return "0".into(); // -0 too, as String(-0) is "0"
    }
    let sign = if x < 0.0 { "-" } else { "" };
    let k = digits.len() as i32;
    let body = if k <= point && point <= 21 {
        digits + &"0".repeat((point - k) as usize)
    } else if 0 < point && point <= 21 {
        let (a, b) = digits.split_at(point as usize);
        format!("{a}.{b}")
    } else if -6 < point && point <= 0 {
        format!("0.{}{digits}", "0".repeat(-point as usize))
    } else {
        let e = point - 1;
        let (a, b) = digits.split_at(1);
        let dot = if b.is_empty() { "" } else { "." };
        let esign = if e < 0 { '-' } else { '+' };
        format!("{a}{dot}{b}e{esign}{}", e.unsigned_abs())
    };
    format!("{sign}{body}")
}

/// Rules for a document's init event against its model (rules 1–4, and 5–8 on initial content).
pub fn check_genesis(init: &Event, model: &Model, matcher: &dyn PatternMatcher) -> Result<()> {
    let payload = init
        .init_payload()
        .ok_or_else(|| Error::InvalidEvent("not an init event".into()))?;
    let h = &payload.header;
    match h.controllers.as_slice() {
        [c] if is_valid_did(c) => {}
        [c] => {
            return Err(Error::MidController(format!(
                "{} is not a valid DID",
                crate::codec::quoted(c)
            )))
        }
        cs => {
            return Err(Error::MidController(format!(
                "{} controllers, expected exactly one",
                cs.len()
            )))
        }
    }
    let model_id = h
        .model_id()
        .map_err(|e| Error::MidModelType(format!("model: {e}")))?;
    if model_id.stream_type() != StreamType::Model {
        return Err(Error::MidModelType(format!(
            "{model_id} is not a Model StreamID"
        )));
    }
    if model_id != model.id {
        return Err(Error::MidModelType(format!(
            "the document's model is {model_id}, not the given {}",
            model.id
        )));
    }
    let def = &model.definition;
    if def.is_interface() {
        return Err(Error::MidInterfaceModel(
            "ModelInstanceDocument Streams cannot be created on interface Models".into(),
        ));
    }
    match (&def.account_relation, &h.unique) {
        (AccountRelation::Single, Some(_)) => {
            return Err(Error::MidUnique(
                "a single document has no unique value".into(),
            ))
        }
        (AccountRelation::List | AccountRelation::Set { .. }, None) => {
            return Err(Error::MidUnique(
                "list and set documents need a unique value".into(),
            ))
        }
        (AccountRelation::None, _) => {
            return Err(Error::MidInterfaceModel(
                "the model has account relation none".into(),
            ))
        }
        _ => {}
    }
    match (init, &payload.data) {
        (Event::UnsignedInit(_), Some(d)) if *d != crate::codec::Ipld::Null => {
            return Err(Error::MidGenesisContent(
                "a deterministic init event carries no content (a genesis with content must be signed)".into(),
            ))
        }
        (Event::SignedInit(_), None) => {
            return Err(Error::MidGenesisContent(
                "Signed init events for ModelInstanceDocuments must have content".into(),
            ))
        }
        _ => {}
    }
    if let Some(d) = &payload.data {
        let content = crate::events::ipld_to_json(d)?;
        check_content(&content, model, matcher)?;
        if let (AccountRelation::Set { fields }, Some(unique)) = (&def.account_relation, &h.unique)
        {
            check_set_unique(fields, &content, unique)?;
        }
    }
    Ok(())
}

fn check_set_unique(fields: &[String], content: &Value, unique: &[u8]) -> Result<()> {
    if set_unique_candidates(fields, content)
        .iter()
        .any(|c| c == unique)
    {
        Ok(())
    } else {
        Err(Error::MidSetUnique(format!(
            "unique {} is not the set fields' values joined by '|'",
            crate::codec::quoted(&crate::codec::text_or_hex(unique))
        )))
    }
}

/// Rules 5 and 8 on content: the schema, the size limit and relations.
pub fn check_content(content: &Value, model: &Model, matcher: &dyn PatternMatcher) -> Result<()> {
    let size = crate::codec::json_write::to_vec(content)
        .map(|v| v.len())
        .unwrap_or(usize::MAX);
    if size > MAX_DOCUMENT_SIZE {
        return Err(Error::MidTooLarge(format!(
            "{size} bytes of content, the limit is {MAX_DOCUMENT_SIZE}"
        )));
    }
    validate(&model.definition.schema, content, matcher)?;
    for (field, rel) in model.definition.relations.iter().flatten() {
        let (Relation::Document { .. }, Some(v)) = (rel, content.get(field)) else {
            continue;
        };
        let s = v.as_str().ok_or_else(|| {
            Error::MidRelation(format!(
                "relation {} is not a StreamID string",
                crate::codec::quoted(field)
            ))
        })?;
        let id: StreamId = s.parse().map_err(|e| {
            Error::MidRelation(format!("relation {}: {e}", crate::codec::quoted(field)))
        })?;
        if id.stream_type() != StreamType::ModelInstanceDocument {
            return Err(Error::MidRelation(format!(
                "relation {} names {s}, not a document",
                crate::codec::quoted(field)
            )));
        }
    }
    Ok(())
}

/// Rules for a data event: the header may only set `shouldIndex` (and ceramic-one's
/// `modelVersion`), immutable and set fields stay put (deterministic documents may set them on
/// their first data event), and the new content passes [`check_content`] and the set rule.
pub fn check_update(
    init: &InitPayload,
    model: &Model,
    data: &DataPayload,
    before: &Value,
    after: &Value,
    first_data_of_deterministic: bool,
    matcher: &dyn PatternMatcher,
) -> Result<()> {
    let def = &model.definition;
    let ops = crate::events::ipld_to_json(&data.data)?;
    // The top-level field each operation writes (`path`) or reads from (`from`).
    let touched: Vec<String> = ops
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|op| {
            ["path", "from"]
                .into_iter()
                .filter_map(move |k| op.get(k).and_then(Value::as_str))
                .map(|p| {
                    let first = p.trim_start_matches('/').split('/').next();
                    json::unescape_token(first.unwrap_or_default()).into_owned()
                })
        })
        .collect();
    if !first_data_of_deterministic {
        for f in def.immutable_fields.iter().flatten() {
            if touched.iter().any(|t| t == f || t.is_empty()) {
                return Err(Error::MidImmutableField(format!(
                    "the patch touches immutable field {}",
                    crate::codec::quoted(f)
                )));
            }
        }
        if let AccountRelation::Set { fields } = &def.account_relation {
            for f in fields {
                if before.get(f) != after.get(f) {
                    return Err(Error::MidSetFieldChanged(format!(
                        "set field {} changed",
                        crate::codec::quoted(f)
                    )));
                }
            }
        }
    }
    check_content(after, model, matcher)?;
    if let (AccountRelation::Set { fields }, Some(unique)) =
        (&def.account_relation, &init.header.unique)
    {
        check_set_unique(fields, after, unique)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::js_number;
    use crate::codec::Number;

    #[test]
    fn numbers_as_javascript_writes_them() {
        // String(x) in JavaScript, for each x.
        for (x, js) in [
            (1.2345678901234568e20, "123456789012345680000"),
            (4.0, "4"),
            (-2.5, "-2.5"),
            (0.1, "0.1"),
            (9007199254740993.0, "9007199254740992"),
            (1e-6, "0.000001"),
            (1e-7, "1e-7"),
            (1.5e-7, "1.5e-7"),
            (-1.2345e-10, "-1.2345e-10"),
            (1e21, "1e+21"),
            (1.2345678901234568e21, "1.2345678901234568e+21"),
            (999999999999999900000.0, "999999999999999900000"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
            (-0.0, "0"),
            (0.0, "0"),
            (123.456, "123.456"),
            (0.000123, "0.000123"),
            (100.0, "100"),
        ] {
            assert_eq!(js_number(&Number::from_f64(x).unwrap()), js, "{x}");
        }
        assert_eq!(js_number(&Number::from(-7i64)), "-7");
        assert_eq!(js_number(&Number::from(u64::MAX)), "18446744073709551615");
    }
}
