//! CIDs to positions: a small open-addressing hash table of our own for the places that look
//! events and blocks up by CID (a CAR's blocks, a stream's events, a subscription's streams).
//!
//! Written here rather than using `std::collections::HashMap`: this was the last map of the wasm
//! that needed `hashbrown` and SipHash (~5 K of code). A CID's digest is already a hash of the
//! block's bytes, so a cheap FNV-1a over it spreads keys well; a key crafted to collide (an
//! identity multihash, or a ground digest prefix) only makes probing longer, and every table
//! here is bounded by the limits of what it indexes (a CAR's 4,096 blocks, a stream's events).

use cid::Cid;

/// A map from CIDs to `usize`, in insertion order; the first value given for a CID stays.
#[derive(Debug, Clone, Default)]
pub struct CidIndex {
    entries: Vec<(Cid, usize)>,
    /// Positions in `entries` plus one; 0 is an empty slot. Its length is 0 or a power of two
    /// at least twice the number of entries.
    slots: Vec<u32>,
}

fn hash(cid: &Cid) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ cid.codec();
    for &b in cid.hash().digest() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl CidIndex {
    /// An empty index with room for `n` CIDs before it grows.
    pub fn with_capacity(n: usize) -> Self {
        let mut index = CidIndex::default();
        index.entries.reserve(n);
        index.resize((2 * n).next_power_of_two().max(8));
        index
    }

    /// How many CIDs it holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The slot holding `cid`, or the empty slot where it would go (the table is never full).
    fn slot(&self, cid: &Cid) -> usize {
        let mask = self.slots.len() - 1;
        let mut at = hash(cid) as usize & mask;
        loop {
            match self.slots[at] {
                0 => return at,
                e if self.entries[e as usize - 1].0 == *cid => return at,
                _ => at = (at + 1) & mask,
            }
        }
    }

    /// The value of `cid`, if present.
    pub fn get(&self, cid: &Cid) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        match self.slots[self.slot(cid)] {
            0 => None,
            e => Some(self.entries[e as usize - 1].1),
        }
    }

    /// Whether `cid` is present.
    pub fn contains(&self, cid: &Cid) -> bool {
        self.get(cid).is_some()
    }

    /// Add `cid` with `value` unless present: `None` when added, else the value it already has.
    pub fn insert_new(&mut self, cid: Cid, value: usize) -> Option<usize> {
        if (self.entries.len() + 1) * 2 > self.slots.len() {
            self.resize((self.slots.len() * 2).max(8));
        }
        let at = self.slot(&cid);
        match self.slots[at] {
            0 => {
                self.entries.push((cid, value));
                self.slots[at] = self.entries.len() as u32;
                None
            }
            e => Some(self.entries[e as usize - 1].1),
        }
    }

    fn resize(&mut self, size: usize) {
        self.slots = vec![0; size];
        let mask = size - 1;
        for (i, (cid, _)) in self.entries.iter().enumerate() {
            let mut at = hash(cid) as usize & mask;
            while self.slots[at] != 0 {
                at = (at + 1) & mask;
            }
            self.slots[at] = i as u32 + 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cid(i: u32) -> Cid {
        crate::codec::dagcbor::sha256_cid(0x71, &i.to_be_bytes())
    }

    #[test]
    fn finds_what_it_holds_and_keeps_the_first_value() {
        let mut index = CidIndex::default();
        assert_eq!(index.get(&cid(0)), None);
        for i in 0..5000 {
            assert_eq!(index.insert_new(cid(i), i as usize), None);
        }
        for i in 0..5000 {
            assert_eq!(index.insert_new(cid(i), 9), Some(i as usize));
            assert_eq!(index.get(&cid(i)), Some(i as usize));
        }
        assert_eq!(index.len(), 5000);
        assert!(!index.contains(&cid(5000)));
        // The same digest under another codec is another CID.
        let raw = Cid::new_v1(0x55, *cid(1).hash());
        assert_eq!(index.get(&raw), None);
        assert_eq!(CidIndex::with_capacity(3).get(&cid(1)), None);
    }

    #[test]
    fn identity_multihash_keys() {
        // Identity multihashes: digests the writer chooses, keys like any other.
        let mut index = CidIndex::with_capacity(4);
        let keys: Vec<Cid> = (0..300u32)
            .map(|i| {
                let mh = cid::multihash::Multihash::<64>::wrap(0, &i.to_le_bytes()).unwrap();
                Cid::new_v1(0x71, mh)
            })
            .collect();
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(index.insert_new(*k, i), None);
        }
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(index.get(k), Some(i));
        }
    }
}
