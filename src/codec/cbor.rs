//! Canonical DAG-CBOR through serde: our own encoder and decoder.
//!
//! Why our own rather than `serde_ipld_dagcbor` (with `cbor4ii` under it): bytes and time on the
//! page (BENCHMARKS.md). That crate inlines its whole map decoder into a separate copy for every
//! struct type it decodes (~3 KB each, 62 KB of the wasm in all), and its encoder gives every map
//! entry its own buffer to sort them. Here the generic part of each serde method is a short
//! dispatch to the visitor; the CBOR work — heads, the canonical-form checks, key order, sorting a
//! map's entries — is done once, in non-generic functions. Encoding writes into one buffer and
//! sorts a map's entries in place, and only when they were written out of order.
//!
//! The rules are DAG-CBOR's, as ceramic-one and the JS SDK apply them: shortest heads, definite
//! lengths, text-string map keys sorted length-first then bytewise (no repeats), floats only as
//! 64-bit and finite, `-0.0` written as `0.0`, tag 42 (CIDs, with their leading zero byte) the only
//! tag, `false`/`true`/`null` the only simple values. The decoder refuses what the encoder would
//! not write; `tests/cbor_interop.rs` checks both against `serde_ipld_dagcbor`.

use std::fmt;

use crate::codec::Ipld;

use serde::de::{self, value::BorrowedStrDeserializer, Visitor};
use serde::ser::{self, Serialize};

/// The newtype name under which the `cid` crate passes a CID through serde.
const CID: &str = cid::serde::CID_SERDE_PRIVATE_IDENTIFIER;
/// Nesting deeper than this is refused (as `serde_ipld_dagcbor` did): untrusted input must not
/// exhaust the stack.
const MAX_DEPTH: u32 = 256;

/// Why a value could not be encoded or decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CborError {
    /// CBOR that is not in DAG-CBOR's one canonical form: keys out of order or repeated, longer
    /// heads than needed, indefinite lengths.
    NotCanonical(&'static str),
    /// Not DAG-CBOR: truncated, trailing bytes, types or tags DAG-CBOR does not have, text that is
    /// not UTF-8, nesting too deep; or a value that cannot be written (a NaN, a non-text key).
    Invalid(&'static str),
    /// Well-formed DAG-CBOR of another shape than the type expects (serde's messages: a missing
    /// field, a wrong type).
    Shape(String),
}

impl fmt::Display for CborError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CborError::NotCanonical(m) | CborError::Invalid(m) => f.write_str(m),
            CborError::Shape(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for CborError {}

impl de::Error for CborError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        CborError::Shape(msg.to_string())
    }
    super::invalid_type_and_value!(CborError::Shape);
}

impl ser::Error for CborError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        CborError::Shape(msg.to_string())
    }
}

type Result<T, E = CborError> = std::result::Result<T, E>;

const UINT: u8 = 0;
const NINT: u8 = 1;
const BYTES: u8 = 2;
const TEXT: u8 = 3;
const ARRAY: u8 = 4;
const MAP: u8 = 5;
const TAG: u8 = 6;
const FALSE: u8 = 0xf4;
const TRUE: u8 = 0xf5;
const NULL: u8 = 0xf6;
const F64: u8 = 0xfb;

/// A CBOR head (major type and argument) in its shortest form: the bytes and their count.
fn head_bytes(major: u8, arg: u64) -> ([u8; 9], usize) {
    let mut b = [0u8; 9];
    let m = major << 5;
    let n = if arg < 24 {
        b[0] = m | arg as u8;
        return (b, 1);
    } else if arg <= 0xff {
        b[0] = m | 24;
        1
    } else if arg <= 0xffff {
        b[0] = m | 25;
        2
    } else if arg <= 0xffff_ffff {
        b[0] = m | 26;
        4
    } else {
        b[0] = m | 27;
        8
    };
    b[1..=n].copy_from_slice(&arg.to_be_bytes()[8 - n..]);
    (b, n + 1)
}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

/// Encode `value` as canonical DAG-CBOR.
pub fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>> {
    let mut e = Encoder {
        out: Vec::with_capacity(256),
        marks: Vec::new(),
        cid: false,
    };
    value.serialize(&mut e)?;
    Ok(e.out)
}

struct Encoder {
    out: Vec<u8>,
    /// Where each entry of the maps being written starts, innermost map last (a stack shared by
    /// all open maps, so a map costs no allocation of its own).
    marks: Vec<usize>,
    /// The next byte string is a CID (the `cid` crate's newtype was entered).
    cid: bool,
}

impl Encoder {
    fn head(&mut self, major: u8, arg: u64) {
        let (b, n) = head_bytes(major, arg);
        self.out.extend_from_slice(&b[..n]);
    }

    fn int(&mut self, v: i64) {
        if v < 0 {
            self.head(NINT, !(v as u64));
        } else {
            self.head(UINT, v as u64);
        }
    }

    fn text(&mut self, s: &str) {
        self.head(TEXT, s.len() as u64);
        self.out.extend_from_slice(s.as_bytes());
    }

    /// Starts a sequence or map: writes the head now when the length is known, else remembers
    /// where to put it.
    fn open(&mut self, major: u8, len: Option<usize>) -> Compound<'_> {
        if let Some(len) = len {
            self.head(major, len as u64);
        }
        Compound {
            start: self.out.len(),
            base: self.marks.len(),
            major,
            len,
            count: 0,
            e: self,
        }
    }
}

/// A sequence or map being written.
struct Compound<'a> {
    e: &'a mut Encoder,
    /// Where its first element or entry starts.
    start: usize,
    /// Its entries' marks are `e.marks[base..]` (maps only).
    base: usize,
    major: u8,
    /// The length announced up front, if any.
    len: Option<usize>,
    count: usize,
}

impl Compound<'_> {
    fn entry(&mut self) {
        self.count += 1;
        let at = self.e.out.len();
        self.e.marks.push(at);
    }

    fn key_written(&self) -> Result<()> {
        let at = self.e.marks[self.e.marks.len() - 1];
        match self.e.out.get(at) {
            Some(b) if b >> 5 == TEXT => Ok(()),
            _ => Err(CborError::Invalid("DAG-CBOR map keys must be strings")),
        }
    }

    /// Ends the sequence or map: checks the count, writes a deferred head and puts a map's
    /// entries in canonical order.
    fn finish(self) -> Result<()> {
        let e = self.e;
        if self.major == MAP {
            let marks = e.marks.split_off(self.base);
            sort_entries(&mut e.out, &marks);
        }
        match self.len {
            Some(len) if len != self.count => Err(CborError::Invalid(
                "a sequence or map had another length than announced",
            )),
            Some(_) => Ok(()),
            None => {
                let (b, n) = head_bytes(self.major, self.count as u64);
                e.out.splice(self.start..self.start, b[..n].iter().copied());
                Ok(())
            }
        }
    }
}

/// Puts the map entries starting at `marks` (each a key and its value, the last one running to
/// the end of `out`) in DAG-CBOR's order. An encoded text key starts with its length, so comparing
/// the encoded entries bytewise orders keys length-first, then bytewise, as DAG-CBOR requires.
fn sort_entries(out: &mut Vec<u8>, marks: &[usize]) {
    if marks.len() < 2 {
        return;
    }
    let end = out.len();
    let range = |i: usize| marks[i]..marks.get(i + 1).copied().unwrap_or(end);
    if (1..marks.len()).all(|i| out[range(i - 1)] < out[range(i)]) {
        return; // already in order: the usual case for maps built from sorted keys
    }
    let mut order: Vec<std::ops::Range<usize>> = (0..marks.len()).map(range).collect();
    let entries = out.split_off(marks[0]);
    let base = marks[0];
    super::sort_by_bytes(&mut order, |r| {
        entries[r.start - base..r.end - base].to_vec()
    });
    for r in order {
        out.extend_from_slice(&entries[r.start - base..r.end - base]);
    }
}

impl<'a> ser::Serializer for &'a mut Encoder {
    type Ok = ();
    type Error = CborError;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    fn is_human_readable(&self) -> bool {
        false
    }
    fn serialize_bool(self, v: bool) -> Result<()> {
        self.out.push(if v { TRUE } else { FALSE });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<()> {
        self.int(v.into());
        Ok(())
    }
    fn serialize_i16(self, v: i16) -> Result<()> {
        self.int(v.into());
        Ok(())
    }
    fn serialize_i32(self, v: i32) -> Result<()> {
        self.int(v.into());
        Ok(())
    }
    fn serialize_i64(self, v: i64) -> Result<()> {
        self.int(v);
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result<()> {
        if v >= 0 {
            self.serialize_u128(v as u128)
        } else if v >= -(1i128 << 64) {
            self.head(NINT, (-1 - v) as u64);
            Ok(())
        } else {
            Err(CborError::Invalid("an integer below -2^64"))
        }
    }
    fn serialize_u8(self, v: u8) -> Result<()> {
        self.head(UINT, v.into());
        Ok(())
    }
    fn serialize_u16(self, v: u16) -> Result<()> {
        self.head(UINT, v.into());
        Ok(())
    }
    fn serialize_u32(self, v: u32) -> Result<()> {
        self.head(UINT, v.into());
        Ok(())
    }
    fn serialize_u64(self, v: u64) -> Result<()> {
        self.head(UINT, v);
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Result<()> {
        let v = u64::try_from(v).map_err(|_| CborError::Invalid("an integer above 2^64 - 1"))?;
        self.head(UINT, v);
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result<()> {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<()> {
        if !v.is_finite() {
            return Err(CborError::Invalid("DAG-CBOR has no NaN or Infinity"));
        }
        // -0.0 is written as 0.0 (`+ 0.0` turns -0.0 into 0.0 and leaves every other value).
        self.out.push(F64);
        self.out.extend_from_slice(&(v + 0.0).to_be_bytes());
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<()> {
        self.text(v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<()> {
        self.text(v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<()> {
        if std::mem::take(&mut self.cid) {
            // Tag 42, then the CID's bytes after a zero byte (the multibase identity prefix).
            self.out.extend_from_slice(&[0xd8, 42]);
            self.head(BYTES, v.len() as u64 + 1);
            self.out.push(0);
        } else {
            self.head(BYTES, v.len() as u64);
        }
        self.out.extend_from_slice(v);
        Ok(())
    }
    fn serialize_none(self) -> Result<()> {
        self.out.push(NULL);
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<()> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<()> {
        self.out.push(NULL);
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<()> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<()> {
        self.text(variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<()> {
        if name == CID {
            self.cid = true;
            value.serialize(&mut *self)?;
            if std::mem::take(&mut self.cid) {
                return Err(CborError::Invalid("a CID must be serialized as bytes"));
            }
            Ok(())
        } else {
            value.serialize(self)
        }
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<()> {
        self.head(MAP, 1);
        self.text(variant);
        value.serialize(self)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Compound<'a>> {
        Ok(self.open(ARRAY, len))
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'a>> {
        Ok(self.open(ARRAY, Some(len)))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Compound<'a>> {
        Ok(self.open(ARRAY, Some(len)))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'a>> {
        self.head(MAP, 1);
        self.text(variant);
        Ok(self.open(ARRAY, Some(len)))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Compound<'a>> {
        Ok(self.open(MAP, len))
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Compound<'a>> {
        Ok(self.open(MAP, Some(len)))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'a>> {
        self.head(MAP, 1);
        self.text(variant);
        Ok(self.open(MAP, Some(len)))
    }
}

impl Compound<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.count += 1;
        value.serialize(&mut *self.e)
    }
    fn field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<()> {
        self.entry();
        self.e.text(key);
        value.serialize(&mut *self.e)
    }
}

impl ser::SerializeSeq for Compound<'_> {
    type Ok = ();
    type Error = CborError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }
    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl ser::SerializeTuple for Compound<'_> {
    type Ok = ();
    type Error = CborError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }
    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for Compound<'_> {
    type Ok = ();
    type Error = CborError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }
    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl ser::SerializeTupleVariant for Compound<'_> {
    type Ok = ();
    type Error = CborError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }
    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = CborError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        self.entry();
        key.serialize(&mut *self.e)?;
        self.key_written()
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        value.serialize(&mut *self.e)
    }
    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl ser::SerializeStruct for Compound<'_> {
    type Ok = ();
    type Error = CborError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        self.field(key, value)
    }
    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl ser::SerializeStructVariant for Compound<'_> {
    type Ok = ();
    type Error = CborError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        self.field(key, value)
    }
    fn end(self) -> Result<()> {
        self.finish()
    }
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

/// Decode one canonical DAG-CBOR value that fills all of `bytes`.
pub fn from_slice<'de, T: de::Deserialize<'de>>(bytes: &'de [u8]) -> Result<T> {
    let mut d = Decoder {
        buf: bytes,
        pos: 0,
        depth: 0,
    };
    let value = T::deserialize(&mut d)?;
    if d.pos != bytes.len() {
        return Err(CborError::Invalid(
            "trailing bytes after the DAG-CBOR value",
        ));
    }
    Ok(value)
}

/// Read `bytes` as one [`Ipld`] value, walking the items directly rather than through serde's
/// `Ipld` visitor: every block is read this way ([`super::fields`]), so it is the hot path, and
/// the visitor would link `cid`'s error texts (with all of `std::io`'s) for a CID check this
/// reader already makes. Same rules and errors as [`from_slice`].
pub fn ipld_from_slice(bytes: &[u8]) -> Result<Ipld> {
    let mut d = Decoder {
        buf: bytes,
        pos: 0,
        depth: 0,
    };
    let value = d.ipld()?;
    if d.pos != bytes.len() {
        return Err(CborError::Invalid(
            "trailing bytes after the DAG-CBOR value",
        ));
    }
    Ok(value)
}

struct Decoder<'de> {
    buf: &'de [u8],
    pos: usize,
    depth: u32,
}

/// One decoded item: a scalar, or the head of an array or map (its length).
enum Item<'de> {
    Uint(u64),
    /// A negative integer `-1 - n`.
    Nint(u64),
    Bytes(&'de [u8]),
    Text(&'de str),
    Array(usize),
    Map(usize),
    /// A CID's bytes (tag 42, without the leading zero byte).
    Link(&'de [u8]),
    Bool(bool),
    Null,
    Float(f64),
}

const EOF: CborError = CborError::Invalid("DAG-CBOR ends in the middle of a value");

impl<'de> Decoder<'de> {
    fn take(&mut self, n: usize) -> Result<&'de [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        let end = end.ok_or(EOF)?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    /// Reads a head: its major type, its additional information and its argument (checked to be
    /// in the shortest form).
    fn head(&mut self) -> Result<(u8, u8, u64)> {
        let b = self.take(1)?[0];
        let (major, info) = (b >> 5, b & 0x1f);
        let (arg, min) = match info {
            0..=23 => (u64::from(info), 0),
            24 => (u64::from(self.take(1)?[0]), 24),
            25 => (u64::from(u16::from_be_bytes(self.array()?)), 1 << 8),
            26 => (u64::from(u32::from_be_bytes(self.array()?)), 1 << 16),
            27 => (u64::from_be_bytes(self.array()?), 1 << 32),
            31 if major != 7 => return Err(CborError::NotCanonical("indefinite-length item")),
            _ => return Err(CborError::Invalid("reserved CBOR head")),
        };
        // Major 7's arguments are the simple values and float bits, not lengths.
        if major != 7 && arg < min {
            return Err(CborError::NotCanonical("CBOR head longer than needed"));
        }
        Ok((major, info, arg))
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    /// A length that the rest of the input can hold (every element takes a byte at least).
    fn len(&self, arg: u64, per_item: u64) -> Result<usize> {
        let left = (self.buf.len() - self.pos) as u64;
        match arg.checked_mul(per_item) {
            Some(n) if n <= left => Ok(arg as usize),
            _ => Err(EOF),
        }
    }

    fn bytes(&mut self, len: u64) -> Result<&'de [u8]> {
        let len = self.len(len, 1)?;
        self.take(len)
    }

    fn item(&mut self) -> Result<Item<'de>> {
        let (major, info, arg) = self.head()?;
        Ok(match major {
            UINT => Item::Uint(arg),
            NINT => Item::Nint(arg),
            BYTES => Item::Bytes(self.bytes(arg)?),
            TEXT => Item::Text(self.text(arg)?),
            ARRAY => Item::Array(self.len(arg, 1)?),
            MAP => Item::Map(self.len(arg, 2)?),
            TAG => {
                if arg != 42 {
                    return Err(CborError::Invalid("DAG-CBOR has no CBOR tag but 42 (CID)"));
                }
                match self.head()? {
                    (BYTES, _, n) => match self.bytes(n)? {
                        [0, cid @ ..] if !cid.is_empty() => Item::Link(cid),
                        _ => return Err(CborError::Invalid("tag 42 holds no CID")),
                    },
                    _ => return Err(CborError::Invalid("tag 42 holds no byte string")),
                }
            }
            _ => match info {
                20 => Item::Bool(false),
                21 => Item::Bool(true),
                22 => Item::Null,
                27 => {
                    let f = f64::from_bits(arg);
                    if !f.is_finite() {
                        return Err(CborError::Invalid("DAG-CBOR has no NaN or Infinity"));
                    }
                    if f == 0.0 && f.is_sign_negative() {
                        return Err(CborError::NotCanonical("-0.0 (DAG-CBOR writes 0.0)"));
                    }
                    Item::Float(f)
                }
                25 | 26 => return Err(CborError::NotCanonical("float shorter than 64 bits")),
                _ => {
                    return Err(CborError::Invalid(
                        "CBOR simple value DAG-CBOR does not have",
                    ))
                }
            },
        })
    }

    fn text(&mut self, arg: u64) -> Result<&'de str> {
        let bytes = self.bytes(arg)?;
        std::str::from_utf8(bytes).map_err(|_| CborError::Invalid("CBOR text is not UTF-8"))
    }

    /// A map key, after `last` in DAG-CBOR's order.
    fn key(&mut self, last: Option<&str>) -> Result<&'de str> {
        let key = match self.head()? {
            (TEXT, _, n) => self.text(n)?,
            _ => return Err(CborError::Invalid("DAG-CBOR map keys must be strings")),
        };
        if let Some(last) = last {
            if (last.len(), last.as_bytes()) >= (key.len(), key.as_bytes()) {
                return Err(CborError::NotCanonical(
                    "map keys out of DAG-CBOR's order or repeated",
                ));
            }
        }
        Ok(key)
    }

    /// One whole value as `Ipld` (see [`ipld_from_slice`]).
    fn ipld(&mut self) -> Result<Ipld> {
        Ok(match self.item()? {
            Item::Uint(n) => Ipld::Integer(n.into()),
            Item::Nint(n) => Ipld::Integer(-1 - i128::from(n)),
            Item::Bytes(b) => Ipld::Bytes(b.to_vec()),
            Item::Text(s) => Ipld::String(s.into()),
            Item::Array(n) => {
                self.enter()?;
                let mut items = Vec::with_capacity(n.min(64));
                for _ in 0..n {
                    items.push(self.ipld()?);
                }
                self.depth -= 1;
                Ipld::List(items)
            }
            Item::Map(n) => {
                self.enter()?;
                // Keys in canonical order (`key` checks it), so distinct.
                let mut entries = Vec::with_capacity(n.min(64));
                let mut last = None;
                for _ in 0..n {
                    let key = self.key(last)?;
                    last = Some(key);
                    entries.push((key.to_string(), self.ipld()?));
                }
                self.depth -= 1;
                Ipld::Map(super::IpldMap::from_unique(entries))
            }
            Item::Link(b) => Ipld::Link(
                super::cidbytes::read_cid(b)
                    .map(|(c, _)| c)
                    .map_err(|e| CborError::Shape(format!("Failed to deserialize CID: {e}")))?,
            ),
            Item::Bool(b) => Ipld::Bool(b),
            Item::Null => Ipld::Null,
            Item::Float(f) => Ipld::Float(f),
        })
    }

    /// Skips a value (checking its form, but not the key order of maps in it).
    fn skip(&mut self) -> Result<()> {
        let mut left: u64 = 1;
        while left > 0 {
            left -= 1;
            match self.item()? {
                Item::Array(n) => left += n as u64,
                Item::Map(n) => left += 2 * n as u64,
                _ => {}
            }
        }
        Ok(())
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(CborError::Invalid("DAG-CBOR nested too deep"));
        }
        Ok(())
    }

    /// Leaves an array or map whose visitor left `left` of its items unread.
    fn leave(&mut self, left: usize) -> Result<()> {
        self.depth -= 1;
        if left != 0 {
            return Err(CborError::Shape(format!("{left} more items than expected")));
        }
        Ok(())
    }
}

impl<'de> de::Deserializer<'de> for &mut Decoder<'de> {
    type Error = CborError;

    fn is_human_readable(&self) -> bool {
        false
    }

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.item()? {
            Item::Uint(n) => visitor.visit_u64(n),
            Item::Nint(n) if n <= i64::MAX as u64 => visitor.visit_i64(-1 - n as i64),
            Item::Nint(n) => visitor.visit_i128(-1 - i128::from(n)),
            Item::Bytes(b) => visitor.visit_borrowed_bytes(b),
            Item::Text(s) => visitor.visit_borrowed_str(s),
            Item::Array(left) => self.visit_seq(left, visitor),
            Item::Map(left) => self.visit_map(left, visitor),
            Item::Link(cid) => visitor.visit_newtype_struct(LinkBytes(cid)),
            Item::Bool(b) => visitor.visit_bool(b),
            Item::Null => visitor.visit_none(),
            Item::Float(f) => visitor.visit_f64(f),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.peek() == Some(NULL) {
            self.pos += 1;
            visitor.visit_none()
        } else {
            self.enter()?;
            let value = visitor.visit_some(&mut *self)?;
            self.leave(0)?;
            Ok(value)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.item()? {
            Item::Null => visitor.visit_unit(),
            _ => Err(CborError::Shape("expected null".into())),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        if name != CID {
            return visitor.visit_newtype_struct(self);
        }
        match self.item()? {
            Item::Link(cid) => visitor.visit_newtype_struct(LinkBytes(cid)),
            _ => Err(CborError::Shape("expected a CID (tag 42)".into())),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        // A unit variant is its name; any other variant a map of one entry: name → value.
        let in_map = match self.peek().map(|b| b >> 5) {
            Some(TEXT) => false,
            _ if self.peek() == Some(0xa1) => {
                self.pos += 1;
                true
            }
            _ => return Err(CborError::Shape("expected an enum variant".into())),
        };
        self.enter()?;
        let value = visitor.visit_enum(Variant { d: self, in_map })?;
        self.leave(0)?;
        Ok(value)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.skip()?;
        visitor.visit_unit()
    }

    // What derived types ask for: one kind of item each. Only `deserialize_any` hands every kind
    // to its visitor; these call one visitor method and build any error without the visitor, so
    // each type's copy of them stays small.

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.item()? {
            Item::Bool(b) => visitor.visit_bool(b),
            other => Err(unexpected(&other, "a boolean")),
        }
    }
    super::deserialize_integers! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
    }
    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.item()? {
            Item::Float(f) => visitor.visit_f64(f),
            other => Err(unexpected(&other, "a float")),
        }
    }
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.item()? {
            Item::Text(s) => visitor.visit_borrowed_str(s),
            other => Err(unexpected(&other, "a string")),
        }
    }
    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }
    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }
    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }
    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.item()? {
            Item::Bytes(b) => visitor.visit_borrowed_bytes(b),
            other => Err(unexpected(&other, "bytes")),
        }
    }
    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_bytes(visitor)
    }
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.item()? {
            Item::Array(left) => self.visit_seq(left, visitor),
            other => Err(unexpected(&other, "a list")),
        }
    }
    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.item()? {
            Item::Map(left) => self.visit_map(left, visitor),
            other => Err(unexpected(&other, "a map")),
        }
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_map(visitor)
    }

    serde::forward_to_deserialize_any! { i128 u128 f32 }
}

impl<'de> Decoder<'de> {
    fn visit_seq<V: Visitor<'de>>(&mut self, left: usize, visitor: V) -> Result<V::Value> {
        self.enter()?;
        let mut seq = Seq { d: self, left };
        let value = visitor.visit_seq(&mut seq)?;
        let left = seq.left;
        self.leave(left)?;
        Ok(value)
    }

    fn visit_map<V: Visitor<'de>>(&mut self, left: usize, visitor: V) -> Result<V::Value> {
        self.enter()?;
        let mut map = Map {
            d: self,
            left,
            last: None,
        };
        let value = visitor.visit_map(&mut map)?;
        let left = map.left;
        self.leave(left)?;
        Ok(value)
    }

    fn integer<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        match self.item()? {
            Item::Uint(n) => visitor.visit_u64(n),
            Item::Nint(n) if n <= i64::MAX as u64 => visitor.visit_i64(-1 - n as i64),
            other => Err(unexpected(&other, "an integer")),
        }
    }
}

/// A wrong kind of item for the type being decoded.
fn unexpected(found: &Item<'_>, expected: &str) -> CborError {
    let found = match found {
        Item::Uint(_) | Item::Nint(_) => "an integer",
        Item::Bytes(_) => "bytes",
        Item::Text(_) => "a string",
        Item::Array(_) => "a list",
        Item::Map(_) => "a map",
        Item::Link(_) => "a CID",
        Item::Bool(_) => "a boolean",
        Item::Null => "null",
        Item::Float(_) => "a float",
    };
    CborError::Shape(format!("invalid type: {found}, expected {expected}"))
}

struct Seq<'a, 'de> {
    d: &'a mut Decoder<'de>,
    left: usize,
}

impl<'de> de::SeqAccess<'de> for Seq<'_, 'de> {
    type Error = CborError;
    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(&mut *self.d).map(Some)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

struct Map<'a, 'de> {
    d: &'a mut Decoder<'de>,
    left: usize,
    last: Option<&'de str>,
}

impl<'de> de::MapAccess<'de> for Map<'_, 'de> {
    type Error = CborError;
    fn next_key_seed<K: de::DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        let key = self.d.key(self.last)?;
        self.last = Some(key);
        seed.deserialize(BorrowedStrDeserializer::new(key))
            .map(Some)
    }
    fn next_value_seed<V: de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        seed.deserialize(&mut *self.d)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

struct Variant<'a, 'de> {
    d: &'a mut Decoder<'de>,
    in_map: bool,
}

impl<'de, 'a> de::EnumAccess<'de> for Variant<'a, 'de> {
    type Error = CborError;
    type Variant = Self;
    fn variant_seed<V: de::DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self)> {
        let name = seed.deserialize(&mut *self.d)?;
        Ok((name, self))
    }
}

impl<'de> de::VariantAccess<'de> for Variant<'_, 'de> {
    type Error = CborError;
    fn unit_variant(self) -> Result<()> {
        if self.in_map {
            return Err(CborError::Shape(
                "a unit variant is written as its name".into(),
            ));
        }
        Ok(())
    }
    fn newtype_variant_seed<T: de::DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        self.value()?;
        seed.deserialize(self.d)
    }
    fn tuple_variant<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value> {
        self.value()?;
        de::Deserializer::deserialize_any(self.d, visitor)
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.value()?;
        de::Deserializer::deserialize_any(self.d, visitor)
    }
}

impl Variant<'_, '_> {
    fn value(&self) -> Result<()> {
        if self.in_map {
            Ok(())
        } else {
            Err(CborError::Shape(
                "a variant with a value is written as a map".into(),
            ))
        }
    }
}

/// A CID's bytes handed to the `cid` crate's visitor.
struct LinkBytes<'de>(&'de [u8]);

impl<'de> de::Deserializer<'de> for LinkBytes<'de> {
    type Error = CborError;
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_borrowed_bytes(self.0)
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Ipld;
    use std::collections::BTreeMap;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }
    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn heads_are_shortest() {
        for (v, h) in [
            (0u64, "00"),
            (23, "17"),
            (24, "1818"),
            (255, "18ff"),
            (256, "190100"),
            (65535, "19ffff"),
            (65536, "1a00010000"),
            (u64::from(u32::MAX), "1affffffff"),
            (1 << 32, "1b0000000100000000"),
            (u64::MAX, "1bffffffffffffffff"),
        ] {
            assert_eq!(hex(&to_vec(&v).unwrap()), h);
            assert_eq!(from_slice::<u64>(&unhex(h)).unwrap(), v);
        }
        for (v, h) in [
            (-1i64, "20"),
            (-24, "37"),
            (-25, "3818"),
            (i64::MIN, "3b7fffffffffffffff"),
        ] {
            assert_eq!(hex(&to_vec(&v).unwrap()), h);
            assert_eq!(from_slice::<i64>(&unhex(h)).unwrap(), v);
        }
        assert_eq!(hex(&to_vec(&-(1i128 << 64)).unwrap()), "3bffffffffffffffff");
        assert_eq!(
            ipld_from_slice(&unhex("3bffffffffffffffff")).unwrap(),
            Ipld::Integer(-(1i128 << 64))
        );
        for h in [
            "1817",
            "190017",
            "1a000000ff",
            "1b00000000ffffffff",
            "5801ff",
            "7801",
            "9801",
            "b801",
        ] {
            let e = ipld_from_slice(&unhex(h)).unwrap_err();
            assert!(
                matches!(e, CborError::NotCanonical(_) | CborError::Invalid(_)),
                "{h}: {e:?}"
            );
        }
        assert!(matches!(
            ipld_from_slice(&unhex("1817")),
            Err(CborError::NotCanonical(_))
        ));
        assert!(matches!(
            ipld_from_slice(&unhex("9fff")),
            Err(CborError::NotCanonical(_))
        ));
    }

    #[test]
    fn maps_sort_length_first_and_refuse_disorder() {
        let m: BTreeMap<&str, u8> = [("bb", 1), ("a", 2), ("c", 3), ("aaa", 4)]
            .into_iter()
            .collect();
        let bytes = to_vec(&m).unwrap();
        assert_eq!(
            hex(&bytes),
            "a46161026163036262620163616161 04".replace(' ', "")
        );
        let back: BTreeMap<String, u8> = from_slice(&bytes).unwrap();
        assert_eq!(back.len(), 4);
        // "bb" before "a": out of order; "a" twice: repeated.
        assert!(matches!(
            ipld_from_slice(&unhex("a2626262016161 02".replace(' ', "").as_str())),
            Err(CborError::NotCanonical(_))
        ));
        assert!(matches!(
            ipld_from_slice(&unhex("a2616101616102")),
            Err(CborError::NotCanonical(_))
        ));
        // Non-text keys.
        assert!(matches!(
            ipld_from_slice(&unhex("a10101")),
            Err(CborError::Invalid(_))
        ));
        let m: BTreeMap<u8, u8> = [(1, 1)].into_iter().collect();
        assert!(to_vec(&m).is_err());
    }

    #[test]
    fn floats_links_and_simple_values() {
        assert_eq!(hex(&to_vec(&-0.0f64).unwrap()), "fb0000000000000000");
        assert_eq!(hex(&to_vec(&1.5f64).unwrap()), "fb3ff8000000000000");
        assert!(to_vec(&f64::NAN).is_err());
        assert!(ipld_from_slice(&unhex("fb8000000000000000")).is_err());
        assert!(ipld_from_slice(&unhex("fb7ff8000000000000")).is_err());
        assert!(ipld_from_slice(&unhex("f93c00")).is_err());
        assert!(ipld_from_slice(&unhex("f7")).is_err());
        assert!(ipld_from_slice(&unhex("c11a00000000")).is_err());
        let cid: cid::Cid = "bafyreifu7xdhhlntwnrd7jxpps44wz6acamfcsxazc4oopnmldaotqok2y"
            .parse()
            .unwrap();
        let bytes = to_vec(&Ipld::List(vec![
            Ipld::Link(cid),
            Ipld::Null,
            Ipld::Bool(true),
        ]))
        .unwrap();
        assert!(hex(&bytes).starts_with("83d82a582500"));
        assert_eq!(
            from_slice::<cid::Cid>(&bytes[1..bytes.len() - 2]).unwrap(),
            cid
        );
        let back: Ipld = ipld_from_slice(&bytes).unwrap();
        assert_eq!(
            back,
            Ipld::List(vec![Ipld::Link(cid), Ipld::Null, Ipld::Bool(true)])
        );
        // Tag 42 around anything but a zero-prefixed byte string.
        assert!(ipld_from_slice(&unhex("d82a4100")).is_err());
        assert!(ipld_from_slice(&unhex("d82a6161")).is_err());
    }

    #[test]
    fn truncated_trailing_and_deep_input_are_errors() {
        for h in [
            "",
            "18",
            "5a0000ffff",
            "62ff",
            "820102 03",
            "9bffffffffffffffff",
            "bbffffffffffffffff",
        ] {
            assert!(ipld_from_slice(&unhex(&h.replace(' ', ""))).is_err(), "{h}");
        }
        assert!(ipld_from_slice(&unhex("62c328")).is_err(), "bad UTF-8");
        let mut deep = vec![0x81u8; 100_000];
        deep.push(0);
        assert!(ipld_from_slice(&deep).is_err());
        let mut ok = vec![0x81u8; 200];
        ok.push(0);
        ipld_from_slice(&ok).unwrap();
    }
}
