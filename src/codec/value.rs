//! A JSON value: `serde_json::Value`'s variants and the part of its API the package uses, with
//! an object's members in a vector sorted by key instead of a `BTreeMap`.
//!
//! Why our own (bytes, BENCHMARKS.md): serde_json's `Map` is a `BTreeMap<String, Value>`, whose
//! insertion, rebalancing on removal, cloning and iteration code was 7.6 K of the main wasm
//! (twiggy). Here an object is one `Vec<(String, Value)>`, sorted by key bytes (the order
//! serde_json's `BTreeMap` iterates in, so every JSON text, patch and check comes out the same),
//! keys unique: lookups by binary search, an insertion or removal moves the entries after it.
//! The objects the package reads are small (an event's content, a schema's keywords); JSON text
//! is read by building the entries first and sorting them once ([`Map::from_entries`]), so a
//! large object costs one sort, not one move per member.
//!
//! Numbers are `serde_json::Number` (its code was already linked: the writer prints it). Text is
//! read by `codec::json::parse_str` and written through serde (`codec::json::text`).

use std::fmt;
use std::ops::{Index, IndexMut};

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
pub use serde_json::Number;

/// A JSON value.
#[derive(Clone, PartialEq, Default)]
pub enum Value {
    /// `null`.
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number (an integer that fits `u64`/`i64`, else a finite double).
    Number(Number),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object.
    Object(Map<String, Value>),
}

/// A JSON object: members sorted by key (byte order), each key once. The type parameters are
/// there so that code written for `serde_json::Map<String, Value>` reads the same; only
/// `Map<String, Value>` has methods.
#[derive(Clone, PartialEq)]
pub struct Map<K = String, V = Value>(Vec<(K, V)>);

impl Default for Map<String, Value> {
    fn default() -> Self {
        Map(Vec::new())
    }
}

impl Map<String, Value> {
    /// An empty object.
    pub fn new() -> Self {
        Map(Vec::new())
    }

    /// An object from members in any order; a repeated key gives `Err` with that key (the
    /// first in sorted order).
    pub fn from_entries(mut entries: Vec<(String, Value)>) -> Result<Self, String> {
        // `sort_unstable_by`, not `codec::sort_by_bytes`: the standard library's size-optimised
        // unstable sort is ~0.3 K of wasm per element type, the generic `sort_by_bytes` (its key
        // copies and reordering) was 1.4 K for this one (twiggy). Keys are unique once accepted,
        // so stability does not matter.
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        if let Some(w) = entries.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(w[0].0.clone());
        }
        Ok(Map(entries))
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    /// How many members.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.find(key).ok().map(|i| &self.0[i].1)
    }

    /// The value of `key`, to change.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.find(key).ok().map(move |i| &mut self.0[i].1)
    }

    /// Whether `key` is a member.
    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// Set `key` to `value`; the value it had, if any.
    pub fn insert(&mut self, key: String, value: Value) -> Option<Value> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    /// Remove `key`; its value, if it was a member.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.find(key).ok().map(|i| self.0.remove(i).1)
    }

    /// Remove every member.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// Keep only the members for which `keep` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&String, &mut Value) -> bool) {
        self.0.retain_mut(|(k, v)| keep(k, v));
    }

    /// The members, by key.
    pub fn iter(&self) -> Iter<'_> {
        Iter(self.0.iter())
    }

    /// The members, by key, their values to change.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&String, &mut Value)> {
        self.0.iter_mut().map(|(k, v)| (&*k, v))
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(k, _)| k)
    }

    /// The values, in the keys' order.
    pub fn values(&self) -> impl Iterator<Item = &Value> {
        self.0.iter().map(|(_, v)| v)
    }
}

/// The members of a [`Map`], by key.
pub struct Iter<'a>(std::slice::Iter<'a, (String, Value)>);

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a String, &'a Value);
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (k, v))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(k, v)| (k, v))
    }
}

impl<'a> IntoIterator for &'a Map<String, Value> {
    type Item = (&'a String, &'a Value);
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl IntoIterator for Map<String, Value> {
    type Item = (String, Value);
    type IntoIter = std::vec::IntoIter<(String, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// Later members win over earlier ones with the same key, as `serde_json::Map`'s `collect`.
/// Member by member (each insertion moves the members after it): for the package's own small
/// objects; members from untrusted input go through [`Map::from_entries`], sorted once.
impl FromIterator<(String, Value)> for Map<String, Value> {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        let mut map = Map::new();
        map.extend(iter);
        map
    }
}

impl Extend<(String, Value)> for Map<String, Value> {
    fn extend<I: IntoIterator<Item = (String, Value)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<const N: usize> From<[(String, Value); N]> for Map<String, Value> {
    fn from(entries: [(String, Value); N]) -> Self {
        entries.into_iter().collect()
    }
}

impl Index<&str> for Map<String, Value> {
    type Output = Value;
    /// Panics when `key` is not a member (as `serde_json::Map`'s).
    fn index(&self, key: &str) -> &Value {
        self.get(key).expect("no such key in the map")
    }
}

impl IndexMut<&str> for Map<String, Value> {
    /// Panics when `key` is not a member (as `serde_json::Map`'s).
    fn index_mut(&mut self, key: &str) -> &mut Value {
        self.get_mut(key).expect("no such key in the map")
    }
}

impl Value {
    /// The object, if this is one.
    pub fn as_object(&self) -> Option<&Map<String, Value>> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The object, to change, if this is one.
    pub fn as_object_mut(&mut self) -> Option<&mut Map<String, Value>> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The array, if this is one.
    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The array, to change, if this is one.
    pub fn as_array_mut(&mut self) -> Option<&mut Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number, if this is one.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The number as `u64`, if it is one that fits.
    pub fn as_u64(&self) -> Option<u64> {
        self.as_number()?.as_u64()
    }

    /// The number as `i64`, if it is one that fits.
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number()?.as_i64()
    }

    /// The number as `f64`, if this is a number.
    pub fn as_f64(&self) -> Option<f64> {
        self.as_number()?.as_f64()
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Whether this is a boolean.
    pub fn is_boolean(&self) -> bool {
        matches!(self, Value::Bool(_))
    }

    /// Whether this is a number.
    pub fn is_number(&self) -> bool {
        matches!(self, Value::Number(_))
    }

    /// Whether this is an integer that fits `u64`.
    pub fn is_u64(&self) -> bool {
        self.as_number().is_some_and(Number::is_u64)
    }

    /// Whether this is an integer that fits `i64`.
    pub fn is_i64(&self) -> bool {
        self.as_number().is_some_and(Number::is_i64)
    }

    /// Whether this is a number that is not an integer of `u64` or `i64`.
    pub fn is_f64(&self) -> bool {
        self.as_number().is_some_and(Number::is_f64)
    }

    /// Whether this is a string.
    pub fn is_string(&self) -> bool {
        matches!(self, Value::String(_))
    }

    /// Whether this is an array.
    pub fn is_array(&self) -> bool {
        matches!(self, Value::Array(_))
    }

    /// Whether this is an object.
    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    /// The member `key` of an object (`None` for other values).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?.get(key)
    }

    /// The member `key` of an object, to change.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.as_object_mut()?.get_mut(key)
    }

    /// The value, leaving `null` in its place.
    pub fn take(&mut self) -> Value {
        std::mem::take(self)
    }

    /// The value a JSON Pointer names (RFC 6901), as [`super::json::pointer`].
    pub fn pointer(&self, pointer: &str) -> Option<&Value> {
        super::json::pointer(self, pointer)
    }
}

static NULL: Value = Value::Null;

/// `value["key"]`: the member, or `null` when there is none or this is not an object (as
/// `serde_json::Value`'s).
impl Index<&str> for Value {
    type Output = Value;
    fn index(&self, key: &str) -> &Value {
        self.get(key).unwrap_or(&NULL)
    }
}

impl Index<&String> for Value {
    type Output = Value;
    fn index(&self, key: &String) -> &Value {
        &self[key.as_str()]
    }
}

impl IndexMut<&String> for Value {
    fn index_mut(&mut self, key: &String) -> &mut Value {
        &mut self[key.as_str()]
    }
}

/// `value[i]`: the item, or `null` when there is none or this is not an array.
impl Index<usize> for Value {
    type Output = Value;
    fn index(&self, i: usize) -> &Value {
        self.as_array().and_then(|a| a.get(i)).unwrap_or(&NULL)
    }
}

/// `value["key"] = …`: `null` becomes an empty object first, and a missing member is added as
/// `null` (as `serde_json::Value`'s). Panics on other values.
impl IndexMut<&str> for Value {
    fn index_mut(&mut self, key: &str) -> &mut Value {
        if self.is_null() {
            *self = Value::Object(Map::new());
        }
        let Value::Object(map) = self else {
            panic!("cannot index a non-object JSON value with a key")
        };
        if !map.contains_key(key) {
            map.insert(key.to_string(), Value::Null);
        }
        map.get_mut(key).expect("just inserted")
    }
}

/// `value[i] = …`: panics when this is not an array or `i` is past its end (as
/// `serde_json::Value`'s).
impl IndexMut<usize> for Value {
    fn index_mut(&mut self, i: usize) -> &mut Value {
        self.as_array_mut()
            .and_then(|a| a.get_mut(i))
            .expect("no such item in the JSON value")
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_string())
    }
}

macro_rules! from_integer {
    ($($t:ty)*) => {$(
        impl From<$t> for Value {
            fn from(n: $t) -> Self {
                Value::Number(Number::from(n))
            }
        }
    )*};
}
from_integer!(u8 u16 u32 u64 usize i8 i16 i32 i64 isize);

/// A finite double; NaN and the infinities are `null` (as `serde_json::Value::from`).
impl From<f64> for Value {
    fn from(f: f64) -> Self {
        Number::from_f64(f).map_or(Value::Null, Value::Number)
    }
}

impl From<Number> for Value {
    fn from(n: Number) -> Self {
        Value::Number(n)
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Self {
        Value::Array(items)
    }
}

impl From<Map<String, Value>> for Value {
    fn from(map: Map<String, Value>) -> Self {
        Value::Object(map)
    }
}

/// An array of the items.
impl<T: Into<Value>> FromIterator<T> for Value {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Value::Array(iter.into_iter().map(Into::into).collect())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

impl PartialEq<str> for Value {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == Some(other)
    }
}

impl PartialEq<&str> for Value {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == Some(*other)
    }
}

impl PartialEq<String> for Value {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == Some(other.as_str())
    }
}

impl PartialEq<bool> for Value {
    fn eq(&self, other: &bool) -> bool {
        self.as_bool() == Some(*other)
    }
}

macro_rules! eq_integer {
    ($($t:ty)*) => {$(
        impl PartialEq<$t> for Value {
            fn eq(&self, other: &$t) -> bool {
                match self.as_number() {
                    Some(n) if n.is_i64() => n.as_i64().and_then(|i| <$t>::try_from(i).ok()) == Some(*other),
                    Some(n) => n.as_u64().and_then(|u| <$t>::try_from(u).ok()) == Some(*other),
                    None => false,
                }
            }
        }
    )*};
}
eq_integer!(u8 u16 u32 u64 usize i8 i16 i32 i64 isize);

impl PartialEq<f64> for Value {
    fn eq(&self, other: &f64) -> bool {
        self.as_f64() == Some(*other)
    }
}

macro_rules! eq_reversed {
    ($($t:ty)*) => {$(
        impl PartialEq<Value> for $t {
            fn eq(&self, other: &Value) -> bool {
                other == self
            }
        }
    )*};
}
eq_reversed!(String &str str bool f64 u8 u16 u32 u64 usize i8 i16 i32 i64 isize);

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Number(n) => n.serialize(s),
            Value::String(t) => s.serialize_str(t),
            Value::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Object(map) => map.serialize(s),
        }
    }
}

impl Serialize for Map<String, Value> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.len()))?;
        for (k, v) in self {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// JSON text (compact), as `serde_json::Value`'s `Display` without `{:#}`.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&super::json::text(self))
    }
}

/// The JSON text (for test failures and logs; the package's own messages use [`fmt::Display`]).
impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "json!({self})")
    }
}

impl fmt::Debug for Map<String, Value> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", super::json::text(&Value::Object(self.clone())))
    }
}

/// Through `serde_json::Value` (for Rust callers and tests; the package's own code reads JSON with
/// `codec::json`, so the wasm does not link serde_json's value reader).
impl<'de> serde::Deserialize<'de> for Value {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde_json::Value::deserialize(d).map(Value::from)
    }
}

/// From serde_json's value (tests, the devnode, Rust callers: the wasm never links it).
impl From<serde_json::Value> for Value {
    fn from(v: serde_json::Value) -> Self {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => Value::Number(n),
            serde_json::Value::String(s) => Value::String(s),
            serde_json::Value::Array(a) => Value::Array(a.into_iter().map(Value::from).collect()),
            // Sorted here, not taken in serde_json's order: with its `preserve_order` feature
            // (on for a whole build if any crate in it asks) its maps keep insertion order. Its
            // keys are distinct either way, so `from_entries` cannot refuse them.
            serde_json::Value::Object(m) => Value::Object(
                Map::from_entries(m.into_iter().map(|(k, v)| (k, Value::from(v))).collect())
                    .unwrap_or_default(),
            ),
        }
    }
}

/// To serde_json's value (tests, the devnode, Rust callers: the wasm never links it).
impl From<Value> for serde_json::Value {
    fn from(v: Value) -> Self {
        match v {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(b),
            Value::Number(n) => serde_json::Value::Number(n),
            Value::String(s) => serde_json::Value::String(s),
            Value::Array(a) => serde_json::Value::Array(a.into_iter().map(Into::into).collect()),
            Value::Object(m) => {
                serde_json::Value::Object(m.into_iter().map(|(k, v)| (k, v.into())).collect())
            }
        }
    }
}

/// How [`crate::json!`] turns an interpolated Rust value into a [`Value`]: by reference, cloning
/// (as serde_json's `json!` serializes `&expr`), for the types the package and its tests put in
/// JSON.
pub trait ToValue {
    /// The value as JSON.
    fn to_value(&self) -> Value;
}

impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}

impl ToValue for Map<String, Value> {
    fn to_value(&self) -> Value {
        Value::Object(self.clone())
    }
}

impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::String(self.to_string())
    }
}

impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::String(self.clone())
    }
}

impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Bool(*self)
    }
}

impl ToValue for f64 {
    fn to_value(&self) -> Value {
        Value::from(*self)
    }
}

impl ToValue for Number {
    fn to_value(&self) -> Value {
        Value::Number(self.clone())
    }
}

macro_rules! to_value_integer {
    ($($t:ty)*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value {
                Value::from(*self)
            }
        }
    )*};
}
to_value_integer!(u8 u16 u32 u64 usize i8 i16 i32 i64 isize);

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToValue::to_value)
    }
}

impl<T: ToValue> ToValue for [T] {
    fn to_value(&self) -> Value {
        Value::Array(self.iter().map(ToValue::to_value).collect())
    }
}

impl<T: ToValue, const N: usize> ToValue for [T; N] {
    fn to_value(&self) -> Value {
        self[..].to_value()
    }
}

impl<T: ToValue> ToValue for Vec<T> {
    fn to_value(&self) -> Value {
        self[..].to_value()
    }
}

/// Build a [`Value`] in JSON's syntax, as serde_json's `json!`: `null`, arrays, objects (keys are
/// string literals or any expression giving a `String` or `&str`), and Rust expressions of the
/// types [`ToValue`] knows, taken by reference. Our own (not a wrapper of serde_json's), so that
/// what the package builds this way does not go through `serde_json::Value`.
///
/// ```
/// let n = 2;
/// let v = ceramic_wasm::json!({ "a": [1, "two", null, n], "b": { "c": n > 1 } });
/// assert_eq!(v["a"][3], 2);
/// assert_eq!(v["b"]["c"], true);
/// ```
#[macro_export]
macro_rules! json {
    (null) => {
        $crate::codec::Value::Null
    };
    ([]) => {
        $crate::codec::Value::Array(::std::vec::Vec::new())
    };
    ([ $($items:tt)+ ]) => {
        $crate::codec::Value::Array($crate::__json_items!([] $($items)+))
    };
    ({}) => {
        $crate::codec::Value::Object($crate::codec::Map::new())
    };
    ({ $($members:tt)+ }) => {
        $crate::codec::Value::Object($crate::__json_members!([] () $($members)+))
    };
    ($value:expr) => {
        $crate::codec::value::ToValue::to_value(&$value)
    };
}

/// [`json!`]'s array items: `[done…] rest`, one item at a time (JSON forms before expressions,
/// as `{…}` and `[…]` would also parse as Rust expressions).
#[doc(hidden)]
#[macro_export]
macro_rules! __json_items {
    ([$($done:expr,)*]) => {
        ::std::vec![$($done,)*]
    };
    ([$($done:expr,)*] null $(, $($rest:tt)*)?) => {
        $crate::__json_items!([$($done,)* $crate::json!(null),] $($($rest)*)?)
    };
    ([$($done:expr,)*] [$($inner:tt)*] $(, $($rest:tt)*)?) => {
        $crate::__json_items!([$($done,)* $crate::json!([$($inner)*]),] $($($rest)*)?)
    };
    ([$($done:expr,)*] {$($inner:tt)*} $(, $($rest:tt)*)?) => {
        $crate::__json_items!([$($done,)* $crate::json!({$($inner)*}),] $($($rest)*)?)
    };
    ([$($done:expr,)*] $value:expr $(, $($rest:tt)*)?) => {
        $crate::__json_items!([$($done,)* $crate::json!($value),] $($($rest)*)?)
    };
}

/// [`json!`]'s object members: `[done…] (key tokens so far) rest`; a key runs to its `:`, then
/// the value is one JSON form or one expression, up to a `,` or the end.
#[doc(hidden)]
#[macro_export]
macro_rules! __json_members {
    ([$($done:tt)*] ()) => {
        $crate::codec::Map::from_iter([$($done)*])
    };
    ([$($done:tt)*] ($($key:tt)+) : null $(, $($rest:tt)*)?) => {
        $crate::__json_members!([$($done)* (::std::string::String::from($($key)+), $crate::json!(null)),] () $($($rest)*)?)
    };
    ([$($done:tt)*] ($($key:tt)+) : [$($inner:tt)*] $(, $($rest:tt)*)?) => {
        $crate::__json_members!([$($done)* (::std::string::String::from($($key)+), $crate::json!([$($inner)*])),] () $($($rest)*)?)
    };
    ([$($done:tt)*] ($($key:tt)+) : {$($inner:tt)*} $(, $($rest:tt)*)?) => {
        $crate::__json_members!([$($done)* (::std::string::String::from($($key)+), $crate::json!({$($inner)*})),] () $($($rest)*)?)
    };
    ([$($done:tt)*] ($($key:tt)+) : $value:expr $(, $($rest:tt)*)?) => {
        $crate::__json_members!([$($done)* (::std::string::String::from($($key)+), $crate::json!($value)),] () $($($rest)*)?)
    };
    ([$($done:tt)*] ($($key:tt)*) $next:tt $($rest:tt)*) => {
        $crate::__json_members!([$($done)*] ($($key)* $next) $($rest)*)
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Members iterate in serde_json's order (its `BTreeMap`: byte order of keys), whatever
    /// order they were added in; insert, remove and lookups agree with serde_json's `Map`.
    #[test]
    fn map_keeps_serde_jsons_order_and_answers() {
        let keys = ["b", "", "ab", "a", "ba", "é", "Z", "a\u{0}", "~1"];
        let mut ours = Map::new();
        let mut theirs = serde_json::Map::new();
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(
                ours.insert(k.to_string(), Value::from(i)).is_some(),
                theirs
                    .insert(k.to_string(), serde_json::Value::from(i))
                    .is_some()
            );
        }
        assert!(ours.insert("ab".into(), Value::from(99)).is_some());
        theirs.insert("ab".into(), 99.into());
        assert_eq!(ours.remove("ba"), Some(Value::from(4)));
        theirs.remove("ba");
        assert_eq!(ours.remove("nope"), None);
        let order: Vec<&String> = ours.keys().collect();
        assert_eq!(order, theirs.keys().collect::<Vec<_>>());
        for k in keys {
            assert_eq!(
                ours.get(k).cloned().map(serde_json::Value::from),
                theirs.get(k).cloned()
            );
        }
        let v = Value::Object(ours.clone());
        assert_eq!(
            serde_json::Value::from(v.clone()),
            serde_json::Value::Object(theirs.clone())
        );
        assert_eq!(
            super::super::json::text(&v),
            serde_json::to_string(&theirs).unwrap()
        );
        assert_eq!(Value::from(serde_json::Value::Object(theirs)), v);
    }

    #[test]
    fn from_entries_sorts_and_refuses_a_repeated_key() {
        let e = |k: &str| (k.to_string(), Value::Null);
        let m = Map::from_entries(vec![e("b"), e("a"), e("c")]).unwrap();
        assert_eq!(m.keys().collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(
            Map::from_entries(vec![e("b"), e("a"), e("b")]),
            Err("b".to_string())
        );
    }

    #[test]
    fn index_answers_null_and_index_mut_adds() {
        let mut v = crate::json!({"a": [1, {"b": true}]});
        assert_eq!(v["a"][1]["b"], true);
        assert!(v["x"].is_null() && v["a"][9].is_null() && v["a"]["b"].is_null());
        v["c"] = Value::from("d");
        assert_eq!(v, crate::json!({"a": [1, {"b": true}], "c": "d"}));
    }
}
