//! JSON Schema (draft 2020-12) for Model content, written here rather than taken from a crate:
//! the general-purpose validators add 450–750 KB gzip to the wasm (toolchain.md §11), more than
//! the whole JS stack, mostly regex and Unicode tables. `pattern` is ECMA-262 by definition, so it
//! is delegated to a [`PatternMatcher`]: the page's own `RegExp` in wasm, `regress` natively.
//!
//! Like Ajv in strict mode (what ceramic-sdk and js-ceramic use), a schema with an unknown
//! keyword or format is refused when the Model is checked ([`check_schema`]), so validation never
//! silently ignores a rule.

use std::cell::Cell;

use crate::codec::{Map, Value};

use super::pattern_cost;
use crate::codec::json;
use crate::error::{Error, Result};

/// Schema applications (plus `uniqueItems` comparisons) one validation may take: nested
/// `anyOf`s through `$ref`s can otherwise ask for 2^64 of them.
pub const MAX_STEPS: u64 = 2_000_000;
/// Schema nesting (through `$ref`s too) one validation may follow.
pub const MAX_DEPTH: usize = 64;

/// Matches ECMA-262 regular expressions (JSON Schema `pattern`), with the `u` flag as Ajv uses.
pub trait PatternMatcher {
    /// Whether `text` matches `pattern` anywhere; `Err` if the pattern is not a valid regex.
    fn is_match(&self, pattern: &str, text: &str) -> std::result::Result<bool, String>;
}

/// ECMA-262 regexes natively, with the `regress` engine.
#[cfg(not(target_arch = "wasm32"))]
#[derive(Debug, Default, Clone, Copy)]
pub struct NativeRegex;

#[cfg(not(target_arch = "wasm32"))]
impl PatternMatcher for NativeRegex {
    fn is_match(&self, pattern: &str, text: &str) -> std::result::Result<bool, String> {
        let re = regress::Regex::with_flags(pattern, "u").map_err(|e| e.to_string())?;
        Ok(re.find(text).is_some())
    }
}

const ANNOTATIONS: &[&str] = &[
    "$schema",
    "$id",
    "$comment",
    "$anchor",
    "$defs",
    "definitions",
    "title",
    "description",
    "default",
    "examples",
    "readOnly",
    "writeOnly",
    "deprecated",
    "contentMediaType",
    "contentEncoding",
];
const KEYWORDS: &[&str] = &[
    "$ref",
    "type",
    "enum",
    "const",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "items",
    "prefixItems",
    "contains",
    "minContains",
    "maxContains",
    "minItems",
    "maxItems",
    "uniqueItems",
    "properties",
    "patternProperties",
    "additionalProperties",
    "required",
    "propertyNames",
    "minProperties",
    "maxProperties",
    "dependentRequired",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "if",
    "then",
    "else",
];
const FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "duration",
    "uri",
    "uri-reference",
    "email",
    "uuid",
    "ipv4",
    "ipv6",
    "hostname",
];
const TYPES: &[&str] = &[
    "null", "boolean", "object", "array", "number", "string", "integer",
];

fn invalid(path: &str, msg: impl std::fmt::Display) -> Error {
    Error::InvalidModel(format!("schema at {path}: {msg}"))
}

/// Check that `schema` is a schema this validator applies completely: known keywords, known
/// formats, resolvable local `$ref`s, valid patterns, well-typed keyword values.
pub fn check_schema(schema: &Value, matcher: &dyn PatternMatcher) -> Result<()> {
    check_node(schema, schema, "#", matcher)
}

fn check_node(root: &Value, node: &Value, path: &str, m: &dyn PatternMatcher) -> Result<()> {
    let obj = match node {
        Value::Bool(_) => return Ok(()),
        Value::Object(o) => o,
        _ => return Err(invalid(path, "a schema is an object or a boolean")),
    };
    for (k, v) in obj {
        let here = format!("{path}/{k}");
        if ANNOTATIONS.contains(&k.as_str()) {
            if k == "$defs" || k == "definitions" {
                let defs = v
                    .as_object()
                    .ok_or_else(|| invalid(&here, "must be an object"))?;
                for (name, sub) in defs {
                    check_node(root, sub, &format!("{here}/{name}"), m)?;
                }
            }
            continue;
        }
        if !KEYWORDS.contains(&k.as_str()) {
            return Err(invalid(
                &here,
                format!("unknown or unsupported keyword {}", crate::codec::quoted(k)),
            ));
        }
        match k.as_str() {
            "$ref" => {
                let r = v
                    .as_str()
                    .ok_or_else(|| invalid(&here, "must be a string"))?;
                resolve(root, r).ok_or_else(|| {
                    invalid(&here, format!("cannot resolve {}", crate::codec::quoted(r)))
                })?;
            }
            "type" => {
                let ok = |t: &Value| t.as_str().is_some_and(|t| TYPES.contains(&t));
                let fine = match v {
                    Value::Array(ts) => !ts.is_empty() && ts.iter().all(ok),
                    t => ok(t),
                };
                if !fine {
                    return Err(invalid(&here, format!("bad type {}", json::text(v))));
                }
            }
            "enum" if !v.is_array() => return Err(invalid(&here, "must be an array")),
            "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" if !v.is_number() => {
                return Err(invalid(&here, "must be a number"))
            }
            "multipleOf" if !v.as_f64().is_some_and(|x| x > 0.0) => {
                return Err(invalid(&here, "must be a number > 0"))
            }
            "minLength" | "maxLength" | "minItems" | "maxItems" | "minProperties"
            | "maxProperties" | "minContains" | "maxContains"
                if v.as_u64().is_none() =>
            {
                return Err(invalid(&here, "must be a non-negative integer"))
            }
            "uniqueItems" if !v.is_boolean() => return Err(invalid(&here, "must be a boolean")),
            "pattern" => {
                let p = v
                    .as_str()
                    .ok_or_else(|| invalid(&here, "must be a string"))?;
                check_pattern(p, &here, m)?;
            }
            "format" => {
                let f = v
                    .as_str()
                    .ok_or_else(|| invalid(&here, "must be a string"))?;
                if !FORMATS.contains(&f) {
                    return Err(invalid(
                        &here,
                        format!("unknown format {}", crate::codec::quoted(f)),
                    ));
                }
            }
            "required" => {
                let ok = v.as_array().is_some_and(|a| a.iter().all(Value::is_string));
                if !ok {
                    return Err(invalid(&here, "must be an array of strings"));
                }
            }
            "properties" | "patternProperties" => {
                let props = v
                    .as_object()
                    .ok_or_else(|| invalid(&here, "must be an object"))?;
                for (name, sub) in props {
                    if k == "patternProperties" {
                        check_pattern(name, &here, m)?;
                    }
                    check_node(root, sub, &format!("{here}/{name}"), m)?;
                }
            }
            "dependentRequired" => {
                let ok = v.as_object().is_some_and(|o| {
                    o.values()
                        .all(|a| a.as_array().is_some_and(|a| a.iter().all(Value::is_string)))
                });
                if !ok {
                    return Err(invalid(&here, "must map names to arrays of names"));
                }
            }
            "allOf" | "anyOf" | "oneOf" | "prefixItems" => {
                let subs = v
                    .as_array()
                    .filter(|a| !a.is_empty())
                    .ok_or_else(|| invalid(&here, "must be a non-empty array"))?;
                for (i, sub) in subs.iter().enumerate() {
                    check_node(root, sub, &format!("{here}/{i}"), m)?;
                }
            }
            "items"
            | "contains"
            | "additionalProperties"
            | "propertyNames"
            | "not"
            | "if"
            | "then"
            | "else" => check_node(root, v, &here, m)?,
            _ => {}
        }
    }
    Ok(())
}

/// A pattern the engine compiles, whose bound on the empty string is within the budget (one
/// over it backtracks exponentially whatever the document holds).
fn check_pattern(p: &str, here: &str, m: &dyn PatternMatcher) -> Result<()> {
    if !pattern_cost::within_budget(p, 0)? {
        return Err(invalid(
            here,
            format!(
                "pattern {} can backtrack exponentially, even on an empty string",
                crate::codec::quoted(p)
            ),
        ));
    }
    m.is_match(p, "")
        .map(|_| ())
        .map_err(|e| invalid(here, format!("bad regex {}: {e}", crate::codec::quoted(p))))
}

/// Resolve a local reference: `#`, `#/…` JSON pointers.
fn resolve<'a>(root: &'a Value, r: &str) -> Option<&'a Value> {
    let pointer = r.strip_prefix('#')?;
    if pointer.is_empty() {
        return Some(root);
    }
    // JSON pointers in URI fragments may be percent-encoded.
    json::pointer(root, &percent_decode(pointer)?)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Whether checking content against `schema` may need the lazily loaded part ([`crate::part`]):
/// it has a `pattern`, `patternProperties` or `format` keyword somewhere (or a property of that
/// name: a conservative answer costs only an early load).
pub fn uses_part(schema: &Value) -> bool {
    match schema {
        Value::Object(o) => o.iter().any(|(k, v)| {
            matches!(k.as_str(), "pattern" | "patternProperties" | "format") || uses_part(v)
        }),
        Value::Array(a) => a.iter().any(uses_part),
        _ => false,
    }
}

/// Validate `instance` against `schema` (already accepted by [`check_schema`]). The error names
/// the instance location and the failing keyword.
pub fn validate(schema: &Value, instance: &Value, matcher: &dyn PatternMatcher) -> Result<()> {
    let steps = Cell::new(0);
    let v = Validator {
        root: schema,
        matcher,
        depth: 0,
        steps: &steps,
    };
    v.node(schema, instance, "").map_err(|f| match f {
        Fail::No(at, msg) => Error::SchemaViolation(format!("{}: {msg}", or_root(&at))),
        Fail::Limit(e) => e,
    })
}

fn or_root(at: &str) -> &str {
    if at.is_empty() {
        "/"
    } else {
        at
    }
}

enum Fail {
    /// The instance violates the schema at (location, message).
    No(String, String),
    /// A limit stopped validation: neither valid nor invalid, so never absorbed by `anyOf`,
    /// `not` and the other keywords that try a schema.
    Limit(Error),
}

struct Validator<'a> {
    root: &'a Value,
    matcher: &'a dyn PatternMatcher,
    depth: usize,
    steps: &'a Cell<u64>,
}

fn fail<T>(at: &str, msg: impl Into<String>) -> std::result::Result<T, Fail> {
    Err(Fail::No(at.to_string(), msg.into()))
}

fn limit<T>(at: &str, msg: impl std::fmt::Display) -> std::result::Result<T, Fail> {
    Err(Fail::Limit(Error::TooLarge(format!(
        "{}: {msg}",
        or_root(at)
    ))))
}

/// JSON Schema equality: numbers compare by value (1 == 1.0).
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

fn type_matches(t: &str, v: &Value) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => match v {
            Value::Number(n) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            _ => false,
        },
        _ => false,
    }
}

impl Validator<'_> {
    /// Spend `n` steps of the validation's budget.
    fn spend(&self, n: u64, at: &str) -> std::result::Result<(), Fail> {
        let total = self.steps.get().saturating_add(n);
        self.steps.set(total);
        if total > MAX_STEPS {
            return limit(at, format!("validation needs over {MAX_STEPS} steps"));
        }
        Ok(())
    }

    /// Whether `inst` is valid against `schema`, for the keywords that try one; a limit stays an
    /// error.
    fn test(&self, schema: &Value, inst: &Value, at: &str) -> std::result::Result<bool, Fail> {
        match self.node(schema, inst, at) {
            Ok(()) => Ok(true),
            Err(Fail::No(..)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Whether `text` matches `p`, once its backtracking bound is within the budget.
    fn matches(&self, p: &str, text: &str, at: &str) -> std::result::Result<bool, Fail> {
        let n = text.chars().count();
        let bits = pattern_cost::cost_bits(p, n).map_err(Fail::Limit)?;
        if bits > f64::from(pattern_cost::BUDGET_BITS) {
            // Whole bits: an integer prints without the float formatting code.
            let bits = bits.min(1e9).ceil() as u32;
            return limit(
                at,
                format!(
                    "{n} characters against pattern {}: matching could take 2^{bits} \
                     backtracking steps, over the limit of 2^{}",
                    crate::codec::quoted(p),
                    pattern_cost::BUDGET_BITS
                ),
            );
        }
        self.matcher
            .is_match(p, text)
            .or_else(|e| fail(at, format!("bad pattern {}: {e}", crate::codec::quoted(p))))
    }

    fn node(&self, schema: &Value, inst: &Value, at: &str) -> std::result::Result<(), Fail> {
        let obj = match schema {
            Value::Bool(true) => return Ok(()),
            Value::Bool(false) => return fail(at, "no value is allowed here"),
            Value::Object(o) => o,
            _ => return fail(at, "invalid schema"),
        };
        if self.depth > MAX_DEPTH {
            return limit(
                at,
                format!("schema nesting (or $ref recursion) deeper than {MAX_DEPTH}"),
            );
        }
        self.spend(1, at)?;
        let deeper = Validator {
            depth: self.depth + 1,
            ..*self
        };
        if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
            match resolve(self.root, r) {
                Some(target) => deeper.node(target, inst, at)?,
                None => {
                    return fail(
                        at,
                        format!("cannot resolve $ref {}", crate::codec::quoted(r)),
                    )
                }
            }
        }
        if let Some(t) = obj.get("type") {
            let ok = match t {
                Value::Array(ts) => ts
                    .iter()
                    .any(|t| t.as_str().is_some_and(|t| type_matches(t, inst))),
                t => t.as_str().is_some_and(|t| type_matches(t, inst)),
            };
            if !ok {
                return fail(at, format!("must be of type {}", json::text(t)));
            }
        }
        if let Some(Value::Array(options)) = obj.get("enum") {
            if !options.iter().any(|o| json_eq(o, inst)) {
                return fail(at, "must be one of the enum values");
            }
        }
        if let Some(c) = obj.get("const") {
            if !json_eq(c, inst) {
                return fail(at, format!("must equal {}", json::text(c)));
            }
        }
        match inst {
            Value::Number(n) => self.number(obj, n.as_f64().unwrap_or(f64::NAN), at)?,
            Value::String(s) => self.string(obj, s, at)?,
            Value::Array(items) => deeper.array(obj, items, at)?,
            Value::Object(map) => deeper.object(obj, map, at)?,
            _ => {}
        }
        if let Some(Value::Array(all)) = obj.get("allOf") {
            for s in all {
                deeper.node(s, inst, at)?;
            }
        }
        if let Some(Value::Array(any)) = obj.get("anyOf") {
            let mut found = false;
            for s in any {
                if deeper.test(s, inst, at)? {
                    found = true;
                    break;
                }
            }
            if !found {
                return fail(at, "must match a schema in anyOf");
            }
        }
        if let Some(Value::Array(one)) = obj.get("oneOf") {
            let mut n = 0;
            for s in one {
                n += usize::from(deeper.test(s, inst, at)?);
            }
            if n != 1 {
                return fail(
                    at,
                    format!("must match exactly one schema in oneOf, matches {n}"),
                );
            }
        }
        if let Some(not) = obj.get("not") {
            if deeper.test(not, inst, at)? {
                return fail(at, "must not match the schema in not");
            }
        }
        if let Some(cond) = obj.get("if") {
            let branch = if deeper.test(cond, inst, at)? {
                "then"
            } else {
                "else"
            };
            if let Some(s) = obj.get(branch) {
                deeper.node(s, inst, at)?;
            }
        }
        Ok(())
    }

    fn number(&self, obj: &Map<String, Value>, x: f64, at: &str) -> std::result::Result<(), Fail> {
        // Each bound as a double and as the schema wrote it: messages print the `Number`
        // (serde_json's shortest digits), not the f64 (`{}` of an f64 links core's float printing).
        let get = |k: &str| match obj.get(k) {
            Some(Value::Number(n)) => n.as_f64().map(|f| (f, n)),
            _ => None,
        };
        if let Some((min, n)) = get("minimum") {
            if x < min {
                return fail(at, format!("must be >= {n}"));
            }
        }
        if let Some((max, n)) = get("maximum") {
            if x > max {
                return fail(at, format!("must be <= {n}"));
            }
        }
        if let Some((min, n)) = get("exclusiveMinimum") {
            if x <= min {
                return fail(at, format!("must be > {n}"));
            }
        }
        if let Some((max, n)) = get("exclusiveMaximum") {
            if x >= max {
                return fail(at, format!("must be < {n}"));
            }
        }
        if let Some((m, n)) = get("multipleOf") {
            let q = x / m;
            if !q.is_finite() || (q - q.round()).abs() > 1e-9 * q.abs().max(1.0) {
                return fail(at, format!("must be a multiple of {n}"));
            }
        }
        Ok(())
    }

    fn string(&self, obj: &Map<String, Value>, s: &str, at: &str) -> std::result::Result<(), Fail> {
        // Lengths count Unicode code points, as Ajv does (ucs2length).
        let len = s.chars().count() as u64;
        if let Some(min) = obj.get("minLength").and_then(Value::as_u64) {
            if len < min {
                return fail(at, format!("must have at least {min} characters"));
            }
        }
        if let Some(max) = obj.get("maxLength").and_then(Value::as_u64) {
            if len > max {
                return fail(at, format!("must have at most {max} characters"));
            }
        }
        if let Some(p) = obj.get("pattern").and_then(Value::as_str) {
            if !self.matches(p, s, at)? {
                return fail(
                    at,
                    format!("must match pattern {}", crate::codec::quoted(p)),
                );
            }
        }
        if let Some(f) = obj.get("format").and_then(Value::as_str) {
            if !super::formats::check(f, s).map_err(Fail::Limit)? {
                return fail(at, format!("must be a valid {f}"));
            }
        }
        Ok(())
    }

    fn array(
        &self,
        obj: &Map<String, Value>,
        items: &[Value],
        at: &str,
    ) -> std::result::Result<(), Fail> {
        let n = items.len() as u64;
        if let Some(min) = obj.get("minItems").and_then(Value::as_u64) {
            if n < min {
                return fail(at, format!("must have at least {min} items"));
            }
        }
        if let Some(max) = obj.get("maxItems").and_then(Value::as_u64) {
            if n > max {
                return fail(at, format!("must have at most {max} items"));
            }
        }
        let prefix = obj
            .get("prefixItems")
            .and_then(Value::as_array)
            .map_or(&[][..], |p| p.as_slice());
        for (i, (s, item)) in prefix.iter().zip(items).enumerate() {
            self.node(s, item, &format!("{at}/{i}"))?;
        }
        if let Some(s) = obj.get("items") {
            for (i, item) in items.iter().enumerate().skip(prefix.len()) {
                self.node(s, item, &format!("{at}/{i}"))?;
            }
        }
        if obj.get("uniqueItems").and_then(Value::as_bool) == Some(true) {
            self.spend(n.saturating_mul(n) / 2, at)?;
            for (i, a) in items.iter().enumerate() {
                if items.iter().skip(i + 1).any(|b| json_eq(a, b)) {
                    return fail(at, "items must be unique");
                }
            }
        }
        if let Some(c) = obj.get("contains") {
            let mut count = 0u64;
            for (i, it) in items.iter().enumerate() {
                count += u64::from(self.test(c, it, &format!("{at}/{i}"))?);
            }
            let min = obj.get("minContains").and_then(Value::as_u64).unwrap_or(1);
            if count < min {
                return fail(at, format!("must contain at least {min} matching items"));
            }
            if let Some(max) = obj.get("maxContains").and_then(Value::as_u64) {
                if count > max {
                    return fail(at, format!("must contain at most {max} matching items"));
                }
            }
        }
        Ok(())
    }

    fn object(
        &self,
        obj: &Map<String, Value>,
        map: &Map<String, Value>,
        at: &str,
    ) -> std::result::Result<(), Fail> {
        let n = map.len() as u64;
        if let Some(min) = obj.get("minProperties").and_then(Value::as_u64) {
            if n < min {
                return fail(at, format!("must have at least {min} properties"));
            }
        }
        if let Some(max) = obj.get("maxProperties").and_then(Value::as_u64) {
            if n > max {
                return fail(at, format!("must have at most {max} properties"));
            }
        }
        if let Some(Value::Array(req)) = obj.get("required") {
            for r in req.iter().filter_map(Value::as_str) {
                if !map.contains_key(r) {
                    return fail(
                        at,
                        format!("must have required property {}", crate::codec::quoted(r)),
                    );
                }
            }
        }
        if let Some(Value::Object(deps)) = obj.get("dependentRequired") {
            for (k, needs) in deps {
                if map.contains_key(k) {
                    for r in needs
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                    {
                        if !map.contains_key(r) {
                            return fail(
                                at,
                                format!(
                                    "property {} requires {}",
                                    crate::codec::quoted(k),
                                    crate::codec::quoted(r)
                                ),
                            );
                        }
                    }
                }
            }
        }
        let props = obj.get("properties").and_then(Value::as_object);
        let patterns = obj.get("patternProperties").and_then(Value::as_object);
        for (k, v) in map {
            let here = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
            if let Some(names) = obj.get("propertyNames") {
                self.node(names, &Value::String(k.clone()), &here)?;
            }
            let mut evaluated = false;
            if let Some(s) = props.and_then(|p| p.get(k)) {
                evaluated = true;
                self.node(s, v, &here)?;
            }
            for (p, s) in patterns.into_iter().flatten() {
                if self.matches(p, k, &here)? {
                    evaluated = true;
                    self.node(s, v, &here)?;
                }
            }
            if !evaluated {
                if let Some(extra) = obj.get("additionalProperties") {
                    if extra == &Value::Bool(false) {
                        return fail(&here, "must not be present (additionalProperties is false)");
                    }
                    self.node(extra, v, &here)?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::uses_part;
    use crate::json;

    /// Schemas with a `pattern`, `patternProperties` or `format` anywhere need the part; others not.
    #[test]
    fn uses_part_finds_the_keywords_anywhere() {
        let deep = |k: &str| json!({"type": "object", "properties": {"a": {"type": "array", "items": [{"anyOf": [{"type": "string", k: "x"}]}]}}});
        for k in ["pattern", "patternProperties", "format"] {
            assert!(uses_part(&deep(k)), "{k}");
        }
        assert!(!uses_part(&deep("maxLength")));
        assert!(!uses_part(
            &json!({"type": "object", "properties": {"title": {"type": "string", "maxLength": 10}}, "required": ["title"]})
        ));
        assert!(!uses_part(&json!("pattern")));
    }
}
