//! The IPLD data model: what a DAG-CBOR block decodes to before it is read as a typed value.
//!
//! Ours rather than `ipld_core::Ipld` for bytes: its maps are `BTreeMap<String, Ipld>`, whose
//! insertion, removal, cloning and iteration code (~4.4 K raw in the wasm, measured with twiggy)
//! came on top of the same code for `serde_json`'s maps (since replaced too: `codec::value`). A map here is a vector of entries in the
//! order they were added — a decoded block's are in canonical order already, and every writer
//! sorts its keys (`cbor::Encoder`) — with unique keys and lookups by scanning (the maps that are
//! read field by field are an event's or a CACAO's, a handful of keys).

use cid::Cid;

/// An IPLD value.
#[derive(Clone, Debug, PartialEq)]
pub enum Ipld {
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer (DAG-CBOR's range is −2^64 … 2^64 − 1).
    Integer(i128),
    /// A float.
    Float(f64),
    /// A text string.
    String(String),
    /// A byte string.
    Bytes(Vec<u8>),
    /// A list.
    List(Vec<Ipld>),
    /// A map with text keys.
    Map(IpldMap),
    /// A link (CBOR tag 42).
    Link(Cid),
}

/// A map of IPLD values by text key: unique keys, in the order they were added.
#[derive(Clone, Debug, Default)]
pub struct IpldMap(Vec<(String, Ipld)>);

impl IpldMap {
    /// An empty map.
    pub fn new() -> Self {
        Self(Vec::new())
    }

    /// A map of entries whose keys are known to be distinct (a decoded block's, checked in
    /// canonical order as it was read; a JSON object's): no check, no copy. Crate-private: a
    /// repeated key would be written twice, non-canonically.
    pub(crate) fn from_unique(entries: Vec<(String, Ipld)>) -> Self {
        Self(entries)
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.0.iter().position(|(k, _)| k == key)
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&Ipld> {
        self.position(key).map(|i| &self.0[i].1)
    }

    /// Whether `key` has a value.
    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    /// Sets `key` to `value`; the value it had, if any.
    pub fn insert(&mut self, key: String, value: Ipld) -> Option<Ipld> {
        match self.position(&key) {
            Some(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            None => {
                self.0.push((key, value));
                None
            }
        }
    }

    /// Removes `key`; the value it had, if any.
    pub fn remove(&mut self, key: &str) -> Option<Ipld> {
        self.position(key).map(|i| self.0.remove(i).1)
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is no entry.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The entries.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Ipld)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    /// The keys.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(k, _)| k)
    }

    /// The values.
    pub fn values(&self) -> impl Iterator<Item = &Ipld> {
        self.0.iter().map(|(_, v)| v)
    }
}

/// `map[key]`, as a `BTreeMap` answers it: panics when the key is absent (for tests and known
/// shapes; the package's own code reads with [`IpldMap::get`]).
impl std::ops::Index<&str> for IpldMap {
    type Output = Ipld;
    fn index(&self, key: &str) -> &Ipld {
        self.get(key).expect("no such key in the map")
    }
}

/// Equal when they map the same keys to equal values, in any order.
impl PartialEq for IpldMap {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl<'a> IntoIterator for &'a IpldMap {
    type Item = (&'a String, &'a Ipld);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, Ipld)>,
        fn(&'a (String, Ipld)) -> (&'a String, &'a Ipld),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

/// Written as DAG-CBOR writes it (links as tag 42: [`super::cidbytes::IpldRef`]).
impl serde::Serialize for Ipld {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        super::cidbytes::IpldRef(self).serialize(s)
    }
}

impl IntoIterator for IpldMap {
    type Item = (String, Ipld);
    type IntoIter = std::vec::IntoIter<(String, Ipld)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl FromIterator<(String, Ipld)> for IpldMap {
    /// Later entries replace earlier ones of the same key, as in a `BTreeMap`.
    fn from_iter<I: IntoIterator<Item = (String, Ipld)>>(entries: I) -> Self {
        let mut map = Self::new();
        for (k, v) in entries {
            map.insert(k, v);
        }
        map
    }
}

impl<const N: usize> From<[(String, Ipld); N]> for IpldMap {
    fn from(entries: [(String, Ipld); N]) -> Self {
        entries.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_map_keeps_one_value_a_key_and_compares_in_any_order() {
        let mut m = IpldMap::from([("b".into(), Ipld::Integer(1)), ("a".into(), Ipld::Null)]);
        assert_eq!(
            m.insert("b".into(), Ipld::Integer(2)),
            Some(Ipld::Integer(1))
        );
        assert_eq!(m.len(), 2);
        assert_eq!(m.get("b"), Some(&Ipld::Integer(2)));
        assert!(m.contains_key("a") && !m.contains_key("c"));
        let other = IpldMap::from([("a".into(), Ipld::Null), ("b".into(), Ipld::Integer(2))]);
        assert_eq!(m, other);
        assert_eq!(m.remove("a"), Some(Ipld::Null));
        assert_ne!(m, other);
        assert_eq!(m.keys().collect::<Vec<_>>(), ["b"]);
    }

    #[test]
    fn floats_compare_as_values() {
        assert_eq!(Ipld::Float(1.5), Ipld::Float(1.5));
        assert_ne!(Ipld::Float(1.5), Ipld::Float(2.5));
    }
}
