//! Model definitions (ceramic-sdk model-protocol codecs and assertions; protocol.md §5.1).

use crate::codec::Value;
use serde::Serialize;

use crate::codec::json::{strings, Members};

use super::schema::{check_schema, PatternMatcher};
use crate::error::{Error, Result};
use crate::ids::{StreamId, StreamType};

/// How documents of a model relate to accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum AccountRelation {
    /// Any number of documents per account (signed init, random `unique`).
    List,
    /// One document per account (deterministic init).
    Single,
    /// Interfaces: no documents.
    None,
    /// One document per account and set of field values (deterministic init).
    Set {
        /// The fields whose values make a document unique.
        fields: Vec<String>,
    },
}

/// A relation of a model field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Relation {
    /// The field holds an account DID (not checked).
    Account,
    /// The field holds a document's StreamID, of `model` if given.
    Document {
        /// The related model (`null` in v2: any).
        model: Option<String>,
    },
}

// The definition is read by hand (`codec::json::Members`, which says why); the two tagged
// enums above take what serde's internally tagged enums took from objects: the tag, the
// variant's own fields, and other members ignored (as the SDK's exact codecs drop them). Serde's
// sequence form (`["list"]`) is refused, as the SDK's codecs refuse it.

impl AccountRelation {
    fn from_json(v: &Value, what: &str) -> Result<Self> {
        let m = Members::of(v, what).map_err(|e| bad(e.to_string()))?;
        Ok(
            match m.string("type").map_err(|e| bad(e.to_string()))?.as_str() {
                "list" => AccountRelation::List,
                "single" => AccountRelation::Single,
                "none" => AccountRelation::None,
                "set" => AccountRelation::Set {
                    fields: strings(m.req("fields").map_err(|e| bad(e.to_string()))?).ok_or_else(
                        || bad(format!("{what}.fields: not an array of field names")),
                    )?,
                },
                other => {
                    return Err(bad(format!(
                        "{what}: unknown type {}, expected list, single, none or set",
                        crate::codec::quoted(other)
                    )))
                }
            },
        )
    }
}

impl Relation {
    fn from_json(v: &Value, what: &str) -> Result<Self> {
        let m = Members::of(v, what).map_err(|e| bad(e.to_string()))?;
        match m.string("type").map_err(|e| bad(e.to_string()))?.as_str() {
            "account" => Ok(Relation::Account),
            "document" => Ok(Relation::Document {
                model: m.opt_string("model").map_err(|e| bad(e.to_string()))?,
            }),
            other => Err(bad(format!(
                "{what}: unknown type {}, expected account or document",
                crate::codec::quoted(other)
            ))),
        }
    }
}

/// A Model's definition (its init event's content), as read and checked; the definition's JSON is
/// the content itself.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelDefinition {
    /// `"1.0"` or `"2.0"`.
    pub version: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// v2: whether this is an interface.
    pub interface: Option<bool>,
    /// v2: the interfaces it implements.
    pub implements: Option<Vec<String>>,
    /// The JSON schema of document content.
    pub schema: Value,
    /// v2: top-level fields that may not change after creation.
    pub immutable_fields: Option<Vec<String>>,
    /// Account relation.
    pub account_relation: AccountRelation,
    /// Relations of fields, by field name in order. A list, not a map: a map type of its own
    /// would link its code for this one key/value type (a `BTreeMap`'s was ~1.8 K gzip).
    pub relations: Option<Vec<(String, Relation)>>,
    /// Views (not checked beyond their shape): the definition's JSON object.
    pub views: Option<crate::codec::Map<String, Value>>,
}

/// A Model: its StreamID and checked definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// The Model's StreamID.
    pub id: StreamId,
    /// The definition.
    pub definition: ModelDefinition,
}

fn bad(m: impl Into<String>) -> Error {
    Error::InvalidModel(m.into())
}

const VIEW_TYPES: &[&str] = &[
    "documentAccount",
    "documentVersion",
    "relationDocument",
    "relationFrom",
    "relationCountFrom",
    "relationSetFrom",
];

impl ModelDefinition {
    /// Parse a definition from JSON content.
    pub fn from_json(content: &Value) -> Result<Self> {
        let e = |e: crate::codec::json::JsonError| bad(e.to_string());
        let m = Members::of(content, "definition").map_err(e)?;
        Ok(ModelDefinition {
            version: m.string("version").map_err(e)?,
            name: m.string("name").map_err(e)?,
            description: m.opt_string("description").map_err(e)?,
            interface: m.opt_bool("interface").map_err(e)?,
            implements: m.opt_strings("implements").map_err(e)?,
            schema: m.req("schema").map_err(e)?.clone(),
            immutable_fields: m.opt_strings("immutableFields").map_err(e)?,
            account_relation: AccountRelation::from_json(
                m.req("accountRelation").map_err(e)?,
                "definition.accountRelation",
            )?,
            relations: match m.opt_object("relations").map_err(e)? {
                None => None,
                Some(r) => {
                    let mut relations = Vec::new();
                    for (k, v) in r {
                        relations
                            .push((k.clone(), Relation::from_json(v, "definition.relations")?));
                    }
                    Some(relations)
                }
            },
            views: m.opt_object("views").map_err(e)?.cloned(),
        })
    }

    /// Whether this is an interface.
    pub fn is_interface(&self) -> bool {
        self.interface == Some(true)
    }

    /// The `(major, minor)` version.
    pub fn version(&self) -> Result<(u32, u32)> {
        let parse = || {
            let (a, b) = self.version.split_once('.')?;
            let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            (digits(a) && digits(b)).then(|| Some((a.parse().ok()?, b.parse().ok()?)))?
        };
        parse().ok_or_else(|| {
            bad(format!(
                "version {} is not major.minor",
                crate::codec::quoted(&self.version)
            ))
        })
    }

    /// Check every model rule that needs no other stream.
    pub fn validate(&self, matcher: &dyn PatternMatcher) -> Result<()> {
        let version = self.version()?;
        if version > (2, 0) {
            return Err(bad(format!("version {} is newer than 2.0", self.version)));
        }
        if self.name.is_empty() {
            return Err(bad("the name is empty"));
        }
        let v2 = version >= (2, 0);
        if v2 && (self.interface.is_none() || self.implements.is_none()) {
            return Err(bad("a v2 model needs `interface` and `implements`"));
        }
        if !v2
            && !matches!(
                self.account_relation,
                AccountRelation::List | AccountRelation::Single
            )
        {
            return Err(bad("a v1 model's account relation is list or single"));
        }
        for i in self.implements.iter().flatten() {
            model_id(i).map_err(|e| bad(format!("implements {}: {e}", crate::codec::quoted(i))))?;
        }
        if self.schema.get("type") != Some(&Value::String("object".into())) {
            return Err(bad("the schema must be of type object"));
        }
        check_schema(&self.schema, matcher)?;
        closed_objects(&self.schema, "#")?;
        let props = self.schema.get("properties").and_then(Value::as_object);
        if let AccountRelation::Set { fields } = &self.account_relation {
            if fields.is_empty() {
                return Err(bad("a set relation needs fields"));
            }
            let required: Vec<&str> = self
                .schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            for f in fields {
                if !required.contains(&f.as_str()) {
                    return Err(bad(format!(
                        "set field {} is not required by the schema",
                        crate::codec::quoted(f)
                    )));
                }
                let prop = props.and_then(|p| p.get(f)).ok_or_else(|| {
                    bad(format!(
                        "set field {} is not a schema property",
                        crate::codec::quoted(f)
                    ))
                })?;
                let prop = deref(&self.schema, prop);
                let scalar = prop
                    .get("type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| ["boolean", "integer", "number", "string"].contains(&t));
                if !scalar {
                    return Err(bad(format!(
                        "set field {} is not a scalar",
                        crate::codec::quoted(f)
                    )));
                }
            }
        }
        if self.account_relation == AccountRelation::None && !self.is_interface() {
            return Err(bad("only interfaces have account relation none"));
        }
        for (field, rel) in self.relations.iter().flatten() {
            if let Relation::Document { model } = rel {
                match model {
                    Some(m) => {
                        model_id(m).map_err(|e| {
                            bad(format!("relation {}: {e}", crate::codec::quoted(field)))
                        })?;
                    }
                    None if !v2 => {
                        return Err(bad(format!(
                            "relation {} needs a model in v1",
                            crate::codec::quoted(field)
                        )))
                    }
                    None => {}
                }
            }
        }
        for (name, view) in self.views.iter().flatten() {
            let t = view.get("type").and_then(Value::as_str).unwrap_or_default();
            if !VIEW_TYPES.contains(&t) {
                return Err(bad(format!(
                    "view {} has unknown type {}",
                    crate::codec::quoted(name),
                    crate::codec::quoted(t)
                )));
            }
        }
        if self.is_interface() {
            let views = self.views.as_ref().map_or(0, |v| v.len());
            if props.map_or(0, |p| p.len()) + views == 0 {
                return Err(bad("an interface needs at least one property or view"));
            }
        }
        Ok(())
    }
}

fn model_id(s: &str) -> Result<StreamId> {
    let id: StreamId = s.parse()?;
    if id.stream_type() != StreamType::Model {
        return Err(bad(format!("{s} is not a Model StreamID")));
    }
    Ok(id)
}

/// Follow `$ref`s (a few levels) to the schema they name.
fn deref<'a>(root: &'a Value, mut node: &'a Value) -> &'a Value {
    for _ in 0..8 {
        match node
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
        {
            Some(p) => match crate::codec::json::pointer(root, p) {
                Some(t) => node = t,
                None => break,
            },
            None => break,
        }
    }
    node
}

/// Every `type: "object"` node must say `additionalProperties: false`.
fn closed_objects(node: &Value, path: &str) -> Result<()> {
    match node {
        Value::Object(o) => {
            let is_object = match o.get("type") {
                Some(Value::String(t)) => t == "object",
                Some(Value::Array(ts)) => ts.iter().any(|t| t == "object"),
                _ => false,
            };
            if is_object && o.get("additionalProperties") != Some(&Value::Bool(false)) {
                return Err(bad(format!(
                    "schema at {path}: objects must set additionalProperties to false"
                )));
            }
            for (k, v) in o {
                if k != "enum" && k != "const" && k != "default" && k != "examples" {
                    closed_objects(v, &format!("{path}/{k}"))?;
                }
            }
            Ok(())
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| closed_objects(v, &format!("{path}/{i}"))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    /// The hand-written readers take what serde's internally tagged enums took (and what the
    /// SDK's exact codecs take: other fields of a variant without them are dropped).
    #[test]
    fn tagged_enums_read_as_serde_reads_them() {
        for (v, want) in [
            (json!({"type": "list"}), AccountRelation::List),
            (
                json!({"type": "single", "fields": 5}),
                AccountRelation::Single,
            ),
            (json!({"type": "none"}), AccountRelation::None),
            (
                json!({"type": "set", "fields": ["a", "b"]}),
                AccountRelation::Set {
                    fields: vec!["a".into(), "b".into()],
                },
            ),
        ] {
            assert_eq!(AccountRelation::from_json(&v, "r").unwrap(), want);
            assert_eq!(
                Value::from(serde_json::to_value(&want).unwrap())["type"],
                v["type"]
            );
        }
        for v in [
            json!({"type": "set"}),
            json!({"type": "set", "fields": "a"}),
            json!({"type": "set", "fields": [1]}),
            json!({"type": "lists"}),
            json!({"fields": []}),
            json!("list"),
        ] {
            let e = AccountRelation::from_json(&v, "r").unwrap_err();
            assert_eq!(e.code(), "INVALID_MODEL", "{v}");
        }
        for (v, want) in [
            (json!({"type": "account", "model": 5}), Relation::Account),
            (
                json!({"type": "document"}),
                Relation::Document { model: None },
            ),
            (
                json!({"type": "document", "model": null}),
                Relation::Document { model: None },
            ),
            (
                json!({"type": "document", "model": "kh4q"}),
                Relation::Document {
                    model: Some("kh4q".into()),
                },
            ),
        ] {
            assert_eq!(Relation::from_json(&v, "r").unwrap(), want);
        }
        for v in [
            json!({"type": "document", "model": 1}),
            json!({"type": "doc"}),
        ] {
            assert!(Relation::from_json(&v, "r").is_err(), "{v}");
        }
    }

    /// A definition reads its members by name; absent and `null` optional members are `None`,
    /// and a wrong kind names the member.
    #[test]
    fn definition_members() {
        let d = json!({
            "version": "2.0", "name": "N", "interface": false, "implements": [],
            "schema": {"type": "object"}, "accountRelation": {"type": "list"},
            "relations": {"a": {"type": "account"}}, "views": {"v": {"type": "documentAccount"}},
            "description": null, "other": 1
        });
        let m = ModelDefinition::from_json(&d).unwrap();
        assert_eq!(
            (m.name.as_str(), m.description, m.interface),
            ("N", None, Some(false))
        );
        assert_eq!(
            m.relations.unwrap(),
            vec![("a".to_string(), Relation::Account)]
        );
        assert_eq!(m.views.unwrap()["v"], json!({"type": "documentAccount"}));
        let mut bad = d.clone();
        bad["name"] = json!(1);
        let e = ModelDefinition::from_json(&bad).unwrap_err();
        assert!(
            e.to_string()
                .contains("definition.name: a number, expected a string"),
            "{e}"
        );
        bad = d.clone();
        bad.as_object_mut().unwrap().remove("schema");
        let e = ModelDefinition::from_json(&bad).unwrap_err();
        assert!(e.to_string().contains("missing field `schema`"), "{e}");
    }
}
