//! CIDs and unsigned varints as bytes, written and read by our own code.
//!
//! Why not `Cid::to_bytes` / `Cid::read_bytes` / `TryFrom<&[u8]>`: the `cid` crate writes and reads
//! through `std::io`, whose errors `unwrap` and the crate's `Debug` print — that linked the text of
//! every `io::ErrorKind` and the crate's error names into the page's wasm for paths that cannot
//! fail on byte slices. What is accepted is the crate's rule (tests/cbor_interop.rs and the unit
//! tests below compare): a CIDv0 is the 34 bytes `0x12 0x20 ‖ digest`, a CIDv1 is `1 ‖ codec ‖
//! multihash` with minimal varints and a digest of at most 64 bytes; bytes after the CID are left
//! to the caller. One difference, on purpose: a 10-byte varint whose last byte overflows 64 bits
//! is refused (the crate drops the extra bits, so such a CID does not write back as read).

use crate::codec::Ipld;
use cid::multihash::Multihash;
use cid::{Cid, Version};
use serde::{Serialize, Serializer};

/// An unsigned LEB128 varint from the front of `b`: its value and length. Minimal encodings
/// only (no trailing zero byte), at most 64 bits (the 10th byte may only be 0 or 1).
pub fn read_varint(b: &[u8]) -> Option<(u64, usize)> {
    let mut n: u64 = 0;
    for (i, &byte) in b.iter().enumerate().take(10) {
        let k = u64::from(byte & 0x7f);
        if i == 9 && k > 1 {
            return None;
        }
        n |= k << (7 * i);
        if byte & 0x80 == 0 {
            return (byte != 0 || i == 0).then_some((n, i + 1));
        }
    }
    None
}

/// `v` as an unsigned LEB128 varint, appended to `out`.
pub fn write_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// The binary form of `cid` (what `Cid::to_bytes` gives).
pub fn cid_bytes(cid: &Cid) -> Vec<u8> {
    let mut out = Vec::with_capacity(cid.hash().size() as usize + 8);
    write_cid(&mut out, cid);
    out
}

/// [`cid_bytes`] appended to `out` (StreamIDs, CommitIDs, EventIDs and CAR sections write the
/// CID after other bytes).
pub fn write_cid(out: &mut Vec<u8>, cid: &Cid) {
    let mh = cid.hash();
    if cid.version() == Version::V1 {
        write_varint(out, 1);
        write_varint(out, cid.codec());
    }
    write_varint(out, mh.code());
    write_varint(out, u64::from(mh.size()));
    out.extend_from_slice(mh.digest());
}

/// A CID from the front of `b`: the CID and how many bytes it took, or why it is none.
pub fn read_cid(b: &[u8]) -> Result<(Cid, usize), &'static str> {
    const VARINT: &str = "not a valid varint";
    const SHORT: &str = "the bytes end before the CID does";
    let (version, n1) = read_varint(b).ok_or(VARINT)?;
    let (codec, n2) = read_varint(&b[n1..]).ok_or(VARINT)?;
    let mut at = n1 + n2;
    if (version, codec) == (0x12, 0x20) {
        let digest = b.get(at..at + 32).ok_or(SHORT)?;
        let mh = Multihash::wrap(0x12, digest).map_err(|_| "not a valid multihash")?;
        let cid = Cid::new_v0(mh).map_err(|_| "not a valid CIDv0")?;
        return Ok((cid, at + 32));
    }
    match version {
        0 => return Err("CIDv0 cannot be written as CIDv1"),
        1 => {}
        _ => return Err("unknown CID version"),
    }
    let (code, n3) = read_varint(&b[at..]).ok_or("not a valid multihash")?;
    at += n3;
    let (size, n4) = read_varint(&b[at..]).ok_or("not a valid multihash")?;
    at += n4;
    if size > 64 {
        return Err("not a valid multihash");
    }
    let digest = b.get(at..at + size as usize).ok_or(SHORT)?;
    let mh = Multihash::wrap(code, digest).map_err(|_| "not a valid multihash")?;
    Ok((Cid::new_v1(codec, mh), at + size as usize))
}

/// A CID as serde's link (the `cid` crate's newtype of its bytes, which our DAG-CBOR encoder
/// writes as tag 42) from [`cid_bytes`]: `Cid`'s own `Serialize` calls its `std::io` writer.
/// For `#[serde(serialize_with = "…")]` on `Cid` fields; [`Link`] and [`IpldRef`] wrap values.
pub fn link<S: Serializer>(cid: &Cid, s: S) -> Result<S::Ok, S::Error> {
    struct Bytes<'a>(&'a [u8]);
    impl Serialize for Bytes<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(self.0)
        }
    }
    s.serialize_newtype_struct(
        cid::serde::CID_SERDE_PRIVATE_IDENTIFIER,
        &Bytes(&cid_bytes(cid)),
    )
}

/// [`link`] for an optional CID.
pub fn opt_link<S: Serializer>(cid: &Option<Cid>, s: S) -> Result<S::Ok, S::Error> {
    match cid {
        Some(c) => s.serialize_some(&Link(c)),
        None => s.serialize_none(),
    }
}

/// [`link`] for a list of CIDs.
pub fn links<S: Serializer>(cids: &[Cid], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(cids.iter().map(Link))
}

/// A CID that serializes through [`link`].
pub struct Link<'a>(pub &'a Cid);

impl Serialize for Link<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        link(self.0, s)
    }
}

/// An `Ipld` value that serializes as `Ipld`'s own `Serialize` does, but its links through
/// [`link`].
pub struct IpldRef<'a>(pub &'a Ipld);

impl Serialize for IpldRef<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Ipld::Null => s.serialize_none(),
            Ipld::Bool(b) => s.serialize_bool(*b),
            Ipld::Integer(i) => s.serialize_i128(*i),
            Ipld::Float(f) => s.serialize_f64(*f),
            Ipld::String(t) => s.serialize_str(t),
            Ipld::Bytes(b) => s.serialize_bytes(b),
            Ipld::List(l) => s.collect_seq(l.iter().map(IpldRef)),
            Ipld::Map(m) => s.collect_map(m.iter().map(|(k, v)| (k, IpldRef(v)))),
            Ipld::Link(c) => link(c, s),
        }
    }
}

/// [`IpldRef`] for `#[serde(serialize_with = "…")]`.
pub fn ipld<S: Serializer>(v: &Ipld, s: S) -> Result<S::Ok, S::Error> {
    IpldRef(v).serialize(s)
}

/// [`ipld`] for an optional value.
pub fn opt_ipld<S: Serializer>(v: &Option<Ipld>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_some(&IpldRef(v)),
        None => s.serialize_none(),
    }
}

/// [`ipld`] for an optional map of values.
pub fn opt_ipld_map<S: Serializer>(
    v: &Option<crate::codec::IpldMap>,
    s: S,
) -> Result<S::Ok, S::Error> {
    struct MapRef<'a>(&'a crate::codec::IpldMap);
    impl Serialize for MapRef<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_map(self.0.iter().map(|(k, v)| (k, IpldRef(v))))
        }
    }
    match v {
        Some(m) => s.serialize_some(&MapRef(m)),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // the cid crate is the reference here
mod tests {
    use super::*;

    /// Same verdict and value as the `cid` crate on CID-shaped random bytes; and written back
    /// as the crate writes them.
    #[test]
    fn reads_and_writes_as_the_cid_crate() {
        let mut x: u64 = 0x853c_49e6_748f_ea9b;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut agreed = 0;
        for round in 0..100_000 {
            let r = next();
            let mut b: Vec<u8> = match round % 4 {
                0 => vec![0x12, 0x20],
                1 => vec![0x01, 0x71, 0x12, 0x20],
                2 => vec![
                    0x01,
                    (r >> 8) as u8,
                    (r >> 16) as u8 & 0x81,
                    (r >> 24) as u8 % 70,
                ],
                _ => vec![
                    (r >> 8) as u8 % 3,
                    (r >> 16) as u8,
                    0x80 | (r >> 32) as u8,
                    (r >> 40) as u8,
                ],
            };
            let len = (next() % 72) as usize;
            b.extend((0..len).map(|_| next() as u8));
            let mut theirs = Cid::try_from(b.as_slice()).ok();
            let ours = read_cid(&b).ok();
            // The crate takes a 10-byte varint whose last byte overflows 64 bits (dropping the
            // bits); such a CID does not write back as read, and we refuse it.
            if ours.is_none() && theirs.is_some_and(|t| !b.starts_with(&t.to_bytes())) {
                theirs = None;
            }
            assert_eq!(ours.map(|(c, _)| c), theirs, "{b:02x?}");
            if let (Some((c, n)), Some(t)) = (ours, theirs) {
                assert_eq!(cid_bytes(&c), t.to_bytes());
                assert_eq!(&b[..n], t.to_bytes().as_slice());
                agreed += 1;
            }
        }
        assert!(agreed > 20_000, "{agreed} CIDs read");
    }

    #[test]
    fn varints() {
        for v in [0u64, 1, 127, 128, 300, 1 << 35, u64::MAX] {
            let mut out = Vec::new();
            write_varint(&mut out, v);
            let mut buf = unsigned_varint::encode::u64_buffer();
            assert_eq!(out, unsigned_varint::encode::u64(v, &mut buf));
            assert_eq!(read_varint(&out), Some((v, out.len())));
        }
        assert_eq!(read_varint(&[0x80, 0x00]), None); // not minimal
        assert_eq!(read_varint(&[0x80]), None); // ends early
        assert_eq!(
            read_varint(&[0xff; 9].iter().chain(&[0x02]).copied().collect::<Vec<_>>()),
            None
        );
    }
}
