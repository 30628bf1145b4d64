//! Ed25519 verification (RFC 8032 §5.1.7), one signature at a time or many at once.
//!
//! Why our own, on curve25519-dalek's primitives, rather than ed25519-dalek's `verify_strict` and
//! `verify_batch`: batch verification is only sound with the *cofactored* equation
//! `[8][s]B = [8]R + [8][k]A` (a random linear combination cannot see a small-order difference),
//! so one signature checked alone and the same signature checked in a batch agree only when both
//! use it; ed25519-dalek checks single signatures without the cofactor and batches without it
//! too, with coefficients derived from the inputs. The cofactored equation is RFC 8032's own rule
//! (the cofactorless one is "sufficient, but not required"), and the one the JS SDK's verifier
//! (noble's `zip215` default) uses. Encodings stay as strict as `verify_strict`: `s` canonical
//! (below ℓ), `R` a canonical encoding, `R` and `A` not of small order. For a signature made by
//! any RFC 8032 signer the two equations agree; they differ only for one built on purpose by
//! the key's holder with a small-order component, which no one else can make.
//!
//! The batch (speed): a stream's events are mostly signed by one key, so the batch sums each
//! key's terms into one coefficient — a batch of n signatures by one key is one double-scalar
//! multiplication and a sum of n multiples of the `R`s with 128-bit coefficients, where n single
//! checks are n double-scalar multiplications (BENCHMARKS.md).

use crate::codec::sha2::Sha512;
use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;

use crate::error::{Error, Result};
use std::cell::{Cell, OnceCell};
use std::rc::Rc;
use std::sync::OnceLock;

fn does_not_verify() -> Error {
    Error::BadSignature("EdDSA signature does not verify".into())
}

/// An Ed25519 public key ready to verify with: `−A`, and its odd multiples `[1](−A), [3](−A) …
/// [63](−A)` that [`double_base`] adds, built on the first single check and kept with the key
/// (`did::key::ed25519_key` keeps the last key's; a batch builds its own, one key at a time).
/// From the key's third single check on, also the odd multiples of `[2¹⁶](−A)`, `[2³²](−A)` …
/// `[2²⁴⁰](−A)`, so that its checks take a sixteenth of the doublings ([`double_base`]).
#[derive(Clone)]
pub(crate) struct KeyPoint(Rc<KeyTables>);

struct KeyTables {
    neg_a: EdwardsPoint,
    low: OnceCell<Odd<KEY_ODD>>,
    high: OnceCell<Vec<Odd<KEY_ODD>>>,
    checks: Cell<u32>,
}

impl KeyPoint {
    /// The tables of this key's next single check and how many of them count: `−A`'s multiples,
    /// and from its third check on the fifteen others too (building them is 255 doublings and
    /// 465 additions, about two checks' work; each check after it takes less than half the time,
    /// `node bench/ab-pair.mjs`). A key met once or twice pays nothing for them.
    fn tables(&self) -> ([&Odd<KEY_ODD>; PARTS], usize) {
        let t = &*self.0;
        let checks = t.checks.get();
        t.checks.set(checks.saturating_add(1));
        let low = t.low.get_or_init(|| odd_multiples(&t.neg_a));
        let mut out = [low; PARTS];
        if checks < 2 {
            return (out, 1);
        }
        let high = t.high.get_or_init(|| high_parts(&t.neg_a));
        for (slot, h) in out.iter_mut().skip(1).zip(high) {
            *slot = h;
        }
        (out, PARTS)
    }
}

/// `P, 3P, 5P, …, (2N − 1)P`: the magnitudes of a width-`w` NAF's digits (`N = 2^(w−2)`).
type Odd<const N: usize> = [EdwardsPoint; N];

/// A key's tables: width-7 NAF digits (32 odd multiples, 5 KB a table).
const KEY_ODD: usize = 32;
/// B's tables, kept for the process: width-8 NAF digits (64 odd multiples, 10 KB a table): one
/// addition in 9 bits of `s` where the key's take one in 8.
const BASE_ODD: usize = 64;

/// A public key's point, or why it cannot verify anything: `INVALID_KEY` when the bytes are no
/// curve point, `BAD_SIGNATURE` when the point is of small order (no signature by it counts).
pub(crate) fn key_point(pk: &[u8; 32]) -> Result<KeyPoint> {
    let point = CompressedEdwardsY(*pk).decompress().ok_or_else(|| {
        Error::InvalidKey("Ed25519 public key: not the encoding of a curve point".into())
    })?;
    if point.is_small_order() {
        return Err(does_not_verify());
    }
    Ok(KeyPoint(Rc::new(KeyTables {
        neg_a: -point,
        low: OnceCell::new(),
        high: OnceCell::new(),
        checks: Cell::new(0),
    })))
}

/// A signature whose encodings are checked and whose challenge is computed: what is left is the
/// group equation. `R` is kept negated: every equation adds `−R`, and with no point subtraction
/// in the wasm curve25519-dalek's `Sub` (1.6 KB, the addition's twin) is not linked.
struct Prepared {
    neg_r: EdwardsPoint,
    s: Scalar,
    k: Scalar,
}

/// The encoding of `y` is canonical when `y < p = 2^255 − 19` (the sign bit aside). The other
/// non-canonical form, `x = 0` with the sign bit set, only encodes small-order points.
fn canonical_y(bytes: &[u8; 32]) -> bool {
    !(bytes[31] & 0x7f == 0x7f && bytes[1..31].iter().all(|b| *b == 0xff) && bytes[0] >= 0xed)
}

/// Whether a canonical encoding (`y < p`) is of a point of small order, by its bytes: a point of
/// small order is one of the eight torsion points, and `y` names a point up to the sign of `x`,
/// which does not change its order. Speed: comparing five values of `y` instead of three
/// doublings of the decompressed point (2 % of `verifyStream`); bytes: the five `y`s rather
/// than dalek's `EIGHT_TORSION` (1.3 KB of field elements, +0.5 K gzip). A test derives them
/// from `EIGHT_TORSION`.
fn small_order_y(bytes: &[u8; 32]) -> bool {
    let mut y = *bytes;
    y[31] &= 0x7f;
    SMALL_ORDER_YS.contains(&y)
}

/// `y` of the torsion points: 0 (order 4), 1 (the identity), `p − 1` (order 2), and the two of
/// the points of order 8.
const SMALL_ORDER_YS: [[u8; 32]; 5] = {
    let mut p_minus_1 = [0xff; 32];
    p_minus_1[0] = 0xec;
    p_minus_1[31] = 0x7f;
    let mut one = [0; 32];
    one[0] = 1;
    [
        [0; 32],
        one,
        p_minus_1,
        [
            0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef,
            0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88,
            0x6d, 0x53, 0xfc, 0x05,
        ],
        [
            0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10,
            0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77,
            0x92, 0xac, 0x03, 0x7a,
        ],
    ]
};

fn prepare(pk: &[u8; 32], msg: &[u8], sig: &[u8]) -> Result<Prepared> {
    let sig: &[u8; 64] = sig
        .try_into()
        .map_err(|_| Error::BadSignature("EdDSA signature is not 64 bytes".into()))?;
    let (r_bytes, s_bytes) = sig.split_at(32);
    let r_bytes: [u8; 32] = r_bytes.try_into().unwrap_or_default();
    let s: Option<Scalar> =
        Scalar::from_canonical_bytes(s_bytes.try_into().unwrap_or_default()).into();
    let s = s.ok_or_else(does_not_verify)?;
    if !canonical_y(&r_bytes) || small_order_y(&r_bytes) {
        return Err(does_not_verify());
    }
    let r = CompressedEdwardsY(r_bytes)
        .decompress()
        .ok_or_else(does_not_verify)?;
    let mut h = Sha512::new();
    h.update(&r_bytes);
    h.update(pk);
    h.update(msg);
    let k = Scalar::from_bytes_mod_order_wide(&h.finalize());
    Ok(Prepared { neg_r: -r, s, k })
}

/// `[k]P + [s]B` from `P`'s odd multiples (and, when `p` holds [`PARTS`] tables, those of
/// `[2¹⁶]P`, `[2³²]P` … too), variable-time (every input is public).
/// Our own (bytes): curve25519-dalek's `vartime_double_scalar_mul_basepoint` reads a 7.7 KB
/// constant table of B's odd multiples (linked by its `precomputed-tables` feature, which signing
/// needs for its run-time basepoint table), and curve points do not compress: the table was
/// ~7.6 KB of the gzipped wasm. Here B's multiples are computed once, at run time, and a key's
/// when it is first checked alone ([`KeyPoint`]) or per batch.
///
/// Both scalars are read in non-adjacent form (width 7 for `k`, 8 for `s`): a digit is zero but
/// for about one bit in 8 (9), so a check is ~60 additions and one doubling per bit (dalek's
/// `group::Group::double`). Speed: given the tables of `P`'s and `B`'s multiples at `2¹⁶`
/// apart, each scalar's 256 digit positions are read as sixteen runs of 16, added in the same
/// pass: 16 doublings instead of 253, for the same additions. `p` is one table or [`PARTS`];
/// B's other tables are built by the first check that uses them.
fn double_base(k: &Scalar, p: &[&Odd<KEY_ODD>], s: &Scalar) -> EdwardsPoint {
    static B_LOW: OnceLock<Odd<BASE_ODD>> = OnceLock::new();
    static B_HIGH: OnceLock<Vec<Odd<BASE_ODD>>> = OnceLock::new();
    debug_assert!(matches!(p.len(), 1 | PARTS));
    let split = p.len() == PARTS;
    let rounds = if split { SPLIT } else { BITS };
    let b_low = B_LOW.get_or_init(|| odd_multiples(&ED25519_BASEPOINT_POINT));
    let b_high: &[Odd<BASE_ODD>] = if split {
        B_HIGH.get_or_init(|| high_parts(&ED25519_BASEPOINT_POINT))
    } else {
        &[]
    };
    // B's tables count the parts: the zip takes only `P`'s first table unless split.
    let b = std::iter::once(b_low).chain(b_high);
    let (k, s) = (naf(k, 7), naf(s, 8));
    let mut t = EdwardsPoint::default();
    for i in (0..rounds).rev() {
        t = double(&t);
        for (j, (p, b)) in p.iter().zip(b.clone()).enumerate() {
            let at = j * SPLIT + i;
            add_odd(&mut t, p, k.get(at).copied().unwrap_or(0));
            add_odd(&mut t, b, s.get(at).copied().unwrap_or(0));
        }
    }
    t
}

/// How many runs [`double_base`] splits a scalar's digits into, and the bits of each run. Each
/// part is a table for the key kept (5 KB: 80 KB in all) and for B (10 KB: 160 KB);
/// `verifyEvent` by one key, against five parts: eight 4 % faster, twelve 3 % faster still,
/// sixteen 3.4 % more (`node bench/ab-pair.mjs`).
const PARTS: usize = 16;
const SPLIT: usize = BITS.div_ceil(PARTS);

/// The odd multiples of `[2^(SPLIT·j)]P` for `j = 1 … PARTS − 1`, on the heap: B's are 150 KB,
/// more than a page's wasm stack should hold (a debug build, which copies such values, overflowed
/// it), built one table at a time.
fn high_parts<const N: usize>(p: &EdwardsPoint) -> Vec<Odd<N>> {
    let mut q = *p;
    (1..PARTS)
        .map(|_| {
            q = (0..SPLIT).fold(q, |q, _| double(&q));
            odd_multiples(&q)
        })
        .collect()
}

/// Digit positions of a scalar's non-adjacent form: a reduced scalar (below ℓ < 2²⁵³) has
/// none from bit 254 on.
const BITS: usize = 256;

/// `[2]P`: curve25519-dalek's doubling, public through its `group` feature (its own
/// `mul_by_cofactor` is three of them).
fn double(p: &EdwardsPoint) -> EdwardsPoint {
    group::Group::double(p)
}

fn odd_multiples<const N: usize>(p: &EdwardsPoint) -> Odd<N> {
    let two = double(p);
    let mut acc = *p;
    std::array::from_fn(|i| {
        if i > 0 {
            acc += two;
        }
        acc
    })
}

/// `t += [d]P` with `table[i] = [2i + 1]P`, for an odd digit `|d| < 2N` or 0 (the mask keeps
/// every index in the table: no bounds check).
fn add_odd<const N: usize>(t: &mut EdwardsPoint, table: &Odd<N>, d: i8) {
    if d != 0 {
        let p = &table[(usize::from(d.unsigned_abs()) >> 1) & (N - 1)];
        if d > 0 {
            *t += p;
        } else {
            *t += -p;
        }
    }
}

/// A scalar's width-`w` non-adjacent form, least significant first: `Σ dᵢ·2ⁱ` with each `dᵢ`
/// zero or odd, `|dᵢ| < 2^(w−1)`, and at least `w − 1` zeros after each nonzero digit
/// (`2 ≤ w ≤ 8`; one copy for both widths, bytes).
fn naf(x: &Scalar, w: usize) -> [i8; BITS] {
    let mut limbs = [0u64; 5];
    for (l, c) in limbs.iter_mut().zip(x.as_bytes().chunks_exact(8)) {
        *l = u64::from_le_bytes(c.try_into().unwrap_or_default());
    }
    // The low bits of the scalar from bit `at` on (`at < BITS`: the next limb is the fifth).
    let bits = |at: usize| -> u64 {
        let (i, shift) = (at / 64, at % 64);
        let low = limbs.get(i).copied().unwrap_or(0) >> shift;
        let high = limbs.get(i + 1).copied().unwrap_or(0);
        if shift == 0 {
            low
        } else {
            low | high << (64 - shift)
        }
    };
    let mut out = [0i8; BITS];
    // `carry` is 1 when a negative digit below left `2^at` to add.
    let (mut at, mut carry) = (0, 0u64);
    while at < BITS {
        let v = (bits(at) & ((1 << w) - 1)) + carry;
        if v & 1 == 0 {
            // Bit and carry alike: a zero digit, and the carry (if any) moves up one bit.
            at += 1;
            continue;
        }
        let digit = v as i64 - if v >> (w - 1) == 0 { 0 } else { 1 << w };
        carry = u64::from(digit < 0);
        if let Some(d) = out.get_mut(at) {
            *d = digit as i8;
        }
        at += w;
    }
    out
}

/// `[8]([s]B − [k]A − R)` is the identity.
fn equation_holds(neg_a: &[&Odd<KEY_ODD>], p: &Prepared) -> bool {
    (double_base(&p.k, neg_a, &p.s) + p.neg_r)
        .mul_by_cofactor()
        .is_identity()
}

/// Verify one signature by the key `pk` (its point `a`) over `msg`.
pub(crate) fn verify(pk: &[u8; 32], a: &KeyPoint, msg: &[u8], sig: &[u8]) -> Result<()> {
    let p = prepare(pk, msg, sig)?;
    let (tables, n) = a.tables();
    if equation_holds(tables.get(..n).unwrap_or(&[]), &p) {
        Ok(())
    } else {
        Err(does_not_verify())
    }
}

/// Many Ed25519 signatures checked at once: the verifier adds each one (checking its encodings
/// at once, failing as a single check would), and [`Ed25519Batch::check`]
/// settles the group equations of all of them together. When the batch fails, each signature
/// is checked alone to name those that do not verify, so the outcome is the one the single
/// checks would give.
#[derive(Default)]
pub struct Ed25519Batch {
    keys: Vec<BatchKey>,
    items: Vec<Item>,
}

struct BatchKey {
    bytes: [u8; 32],
    /// `−A`; its multiples are built where a check needs them (memory stays 160 bytes a key
    /// however many keys a batch has).
    neg_a: EdwardsPoint,
    label: String,
}

struct Item {
    key: usize,
    tag: usize,
    sig: Prepared,
}

impl Ed25519Batch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of signatures added.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// No signature added yet.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Add the signature `sig` by `pk` over `msg`, to be checked by [`Ed25519Batch::check`].
    /// `label` names the signer in the error if it fails (the did:key); `tag` is returned with
    /// that error (say, the index of the event it signs). Encoding errors are returned here.
    pub(crate) fn add(
        &mut self,
        pk: &[u8; 32],
        point: &KeyPoint,
        label: &str,
        msg: &[u8],
        sig: &[u8],
        tag: usize,
    ) -> Result<()> {
        let sig = prepare(pk, msg, sig)?;
        // The key among the last few added (a stream's events are mostly by one or two keys),
        // else a new entry: a key entered twice only splits its sum, so the search stays short
        // (no map: bytes) whatever the number of keys.
        let recent = self.keys.len().saturating_sub(8);
        let key = match self.keys[recent..].iter().rposition(|k| k.bytes == *pk) {
            Some(i) => recent + i,
            None => {
                self.keys.push(BatchKey {
                    bytes: *pk,
                    neg_a: point.0.neg_a,
                    label: label.to_string(),
                });
                self.keys.len() - 1
            }
        };
        self.items.push(Item { key, tag, sig });
        Ok(())
    }

    /// Check every signature added: the tags of those that do not verify, in the order added,
    /// each with its `BAD_SIGNATURE` error; empty when all verify. Fails only when the platform
    /// gives no random numbers (`RANDOM`).
    pub fn check(self) -> Result<Vec<(usize, Error)>> {
        if self.items.is_empty() {
            return Ok(Vec::new());
        }
        // With about as many keys as signatures there is nothing to sum: each key's term costs
        // what a single check does, and the single checks also say which fail.
        let holds = if self.keys.len() * 2 > self.items.len() {
            self.single_checks()
        } else if self.sum_holds()? {
            return Ok(Vec::new());
        } else {
            // Only now, each alone: the batch says some signature fails, not which.
            self.single_checks()
        };
        Ok(self
            .items
            .iter()
            .zip(holds)
            .filter(|(_, holds)| !holds)
            .map(|(bad, _)| {
                let label = &self.keys[bad.key].label;
                let e = format!("EdDSA signature does not verify for {label}");
                (bad.tag, Error::BadSignature(e))
            })
            .collect())
    }

    /// Each signature's own equation, in the order added; each key's multiples built once, one
    /// key at a time.
    fn single_checks(&self) -> Vec<bool> {
        let mut by_key = vec![Vec::new(); self.keys.len()];
        for (i, item) in self.items.iter().enumerate() {
            if let Some(list) = by_key.get_mut(item.key) {
                list.push(i);
            }
        }
        let mut holds = vec![false; self.items.len()];
        for (key, items) in self.keys.iter().zip(&by_key) {
            let table = odd_multiples(&key.neg_a);
            for &i in items {
                if let (Some(item), Some(h)) = (self.items.get(i), holds.get_mut(i)) {
                    *h = equation_holds(&[&table], &item.sig);
                }
            }
        }
        holds
    }

    /// `[8]([Σ zᵢsᵢ]B − Σ_keys [Σ zᵢkᵢ]A − Σ [zᵢ]Rᵢ)` is the identity, for random 128-bit zᵢ
    /// unknown to whoever made the signatures (from the platform's secure random source).
    fn sum_holds(&self) -> Result<bool> {
        let mut random = vec![0u8; 16 * self.items.len()];
        getrandom::fill(&mut random).map_err(|e| Error::Random(e.to_string()))?;
        let z: Vec<u128> = random
            .chunks_exact(16)
            .map(|c| u128::from_le_bytes(c.try_into().unwrap_or_default()))
            .collect();
        let mut b = Scalar::ZERO;
        let mut per_key = vec![Scalar::ZERO; self.keys.len()];
        for (item, z) in self.items.iter().zip(&z) {
            let z = Scalar::from(*z);
            b += z * item.sig.s;
            per_key[item.key] += z * item.sig.k;
        }
        // [b]B − Σ [cⱼ]Aⱼ, by the double-scalar multiplication single checks use.
        let mut sum = EdwardsPoint::default();
        for (key, c) in self.keys.iter().zip(&per_key) {
            sum += double_base(c, &[&odd_multiples(&key.neg_a)], &b);
            b = Scalar::ZERO;
        }
        let neg_rs: Vec<EdwardsPoint> = self.items.iter().map(|i| i.sig.neg_r).collect();
        Ok((sum + sum_of_multiples(&neg_rs, &z))
            .mul_by_cofactor()
            .is_identity())
    }
}

/// `Σ [zᵢ]Pᵢ` for 128-bit `zᵢ`, by Pippenger's bucket method with unsigned digits of the width
/// that costs fewest additions. Our own (bytes): curve25519-dalek's `vartime_multiscalar_mul` does
/// the same for 256-bit scalars but adds 10 KB gzip to the wasm at the opt-level its hot code is
/// built with, where this, built small, calls only its point addition.
fn sum_of_multiples(points: &[EdwardsPoint], z: &[u128]) -> EdwardsPoint {
    let n = points.len();
    // Additions for a width: a pass over the points and the buckets' running sums, per window.
    let cost = |c: usize| 128usize.div_ceil(c) * (n + (2 << c));
    let c = (1..=12).min_by_key(|c| cost(*c)).unwrap_or(4);
    let mut buckets = vec![EdwardsPoint::default(); (1 << c) - 1];
    let mut total = EdwardsPoint::default();
    for w in (0..128usize.div_ceil(c)).rev() {
        for _ in 0..c {
            total = double(&total);
        }
        buckets.fill(EdwardsPoint::default());
        for (p, z) in points.iter().zip(z) {
            let digit = (z >> (w * c)) as usize & ((1 << c) - 1);
            if digit != 0 {
                buckets[digit - 1] += p;
            }
        }
        // Σ d·bucket[d] as the sum of the running sums from the top bucket down.
        let mut running = EdwardsPoint::default();
        for b in buckets.iter().rev() {
            running += b;
            total += running;
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::constants::EIGHT_TORSION;
    use ed25519_dalek::{Signer as _, SigningKey};

    fn keypair(i: u8) -> (SigningKey, [u8; 32], KeyPoint) {
        let sk = SigningKey::from_bytes(&[i.wrapping_mul(29).wrapping_add(3); 32]);
        let pk = sk.verifying_key().to_bytes();
        let point = key_point(&pk).unwrap();
        (sk, pk, point)
    }

    /// Honest signatures and every single-bit corruption of some of them: ours agrees with
    /// ed25519-dalek's `verify_strict`, alone (a key's first check and its later ones, which take
    /// another path through `double_base`) and in batches.
    #[test]
    fn agrees_with_verify_strict() {
        for i in 0..24u8 {
            let (sk, pk, a) = keypair(i);
            let msg = vec![i; usize::from(i) * 5];
            let sig = sk.sign(&msg).to_bytes();
            assert!(verify(&pk, &a, &msg, &sig).is_ok());
            for bit in (0..512).step_by(7) {
                let mut bad = sig;
                bad[bit / 8] ^= 1 << (bit % 8);
                let strict = sk
                    .verifying_key()
                    .verify_strict(&msg, &ed25519_dalek::Signature::from_bytes(&bad))
                    .is_ok();
                assert_eq!(
                    verify(&pk, &a, &msg, &bad).is_ok(),
                    strict,
                    "key {i} bit {bit}"
                );
                let mut batch = Ed25519Batch::new();
                match batch.add(&pk, &a, "k", &msg, &bad, 1) {
                    Ok(()) => assert_eq!(batch.check().unwrap().is_empty(), strict),
                    Err(e) => {
                        assert!(!strict);
                        assert_eq!(e.code(), "BAD_SIGNATURE");
                    }
                }
            }
            // The key's first two checks used `−A`'s table alone, the later ones all the parts
            // (corruptions refused by their encodings reach no check).
            assert!(a.0.checks.get() > 40);
            assert!(verify(&pk, &a, &msg, &sig).is_ok(), "key {i}, split");
        }
    }

    /// Our double-base multiplication equals curve25519-dalek's on random and edge scalars
    /// (0, 1, ℓ − 1, bit patterns that make long runs of NAF digits and carries, 2²⁵² …).
    #[test]
    fn double_base_agrees_with_dalek() {
        let l_minus_1 = -Scalar::ONE;
        let mut scalars = vec![Scalar::ZERO, Scalar::ONE, l_minus_1, Scalar::from(4u8)];
        let mut top = [0u8; 32];
        top[31] = 0x10; // 2^252
        scalars.push(Scalar::from_bytes_mod_order(top));
        for pattern in [0x44u8, 0xbb, 0xff, 0x92, 0x49, 0x24] {
            scalars.push(Scalar::from_bytes_mod_order([pattern; 32]));
        }
        let mut seed = [7u8; 64];
        for _ in 0..60 {
            seed = crate::codec::sha2::sha512(&seed);
            scalars.push(Scalar::from_bytes_mod_order_wide(&seed));
        }
        for (i, k) in scalars.iter().enumerate() {
            let s = &scalars[(i * 7 + 3) % scalars.len()];
            let a = EdwardsPoint::mul_base(&scalars[(i * 5 + 1) % scalars.len()]);
            let expected = EdwardsPoint::vartime_double_scalar_mul_basepoint(k, &a, s);
            let low = odd_multiples(&a);
            assert_eq!(double_base(k, &[&low], s), expected, "scalars {i}");
            let high = high_parts(&a);
            let split: Vec<&Odd<KEY_ODD>> = std::iter::once(&low).chain(&high).collect();
            assert_eq!(double_base(k, &split, s), expected, "split {i}");
            assert_naf::<7>(k);
            assert_naf::<8>(k);
        }
    }

    /// The digits add up to the scalar, each zero or odd below `2^(W−1)` in magnitude, nonzero
    /// ones at least `W` positions apart, none from bit 254 on (where `double_base` reads none).
    fn assert_naf<const W: usize>(x: &Scalar) {
        let digits = naf(x, W);
        let mut back = Scalar::ZERO;
        for d in digits.iter().rev() {
            back = back + back + Scalar::from(d.unsigned_abs());
            if *d < 0 {
                back -= Scalar::from(2 * d.unsigned_abs());
            }
        }
        assert_eq!(back, *x, "width {W}");
        let nonzero: Vec<usize> = (0..BITS).filter(|i| digits[*i] != 0).collect();
        assert!(nonzero.windows(2).all(|w| w[1] - w[0] >= W));
        assert!(nonzero
            .iter()
            .all(|i| digits[*i] % 2 != 0 && i32::from(digits[*i]).abs() < 1 << (W - 1)));
        assert!(nonzero.last().is_none_or(|i| *i < 254));
    }

    #[test]
    fn a_batch_names_the_first_bad_signature_among_many_keys() {
        let mut batch = Ed25519Batch::new();
        let mut bad_at = Vec::new();
        for n in 0..40usize {
            let (sk, pk, a) = keypair((n % 3) as u8);
            let msg = n.to_le_bytes();
            let mut sig = sk.sign(&msg).to_bytes();
            if n == 17 || n == 31 {
                sig[40] ^= 0x10; // s changes (and stays canonical): the equation fails
                bad_at.push(n);
            }
            let label = format!("key{}", n % 3);
            batch.add(&pk, &a, &label, &msg, &sig, n).unwrap();
        }
        assert_eq!(batch.len(), 40);
        let failures = batch.check().unwrap();
        assert_eq!(failures.iter().map(|f| f.0).collect::<Vec<_>>(), bad_at);
        let err = &failures[0].1;
        assert_eq!(err.code(), "BAD_SIGNATURE");
        assert_eq!(
            err.to_string(),
            format!(
                "bad signature: EdDSA signature does not verify for key{}",
                bad_at[0] % 3
            )
        );

        let mut good = Ed25519Batch::new();
        assert!(good.is_empty());
        for n in 0..300usize {
            let (sk, pk, a) = keypair(7);
            let msg = n.to_be_bytes();
            good.add(&pk, &a, "k", &msg, &sk.sign(&msg).to_bytes(), n)
                .unwrap();
        }
        assert!(good.check().unwrap().is_empty());
        assert!(Ed25519Batch::new().check().unwrap().is_empty());
    }

    /// A signature whose `R` carries a small-order component, made by the key's holder: the
    /// cofactored equation (RFC 8032 §5.1.7, and the JS SDK's rule) accepts it alone and in a
    /// batch alike, where ed25519-dalek's cofactorless `verify_strict` refuses it.
    #[test]
    fn the_cofactored_equation_alone_and_in_a_batch() {
        let seed = [9u8; 32];
        let h: [u8; 64] = crate::codec::sha2::sha512(&seed);
        let mut lower = [0u8; 32];
        lower.copy_from_slice(&h[..32]);
        let a = Scalar::from_bytes_mod_order(curve25519_dalek::scalar::clamp_integer(lower));
        let big_a = EdwardsPoint::mul_base(&a);
        let pk = big_a.compress().to_bytes();
        let msg = b"torsion";
        let r = Scalar::from(123_456_789u64);
        let big_r = EdwardsPoint::mul_base(&r) + EIGHT_TORSION[1];
        let r_bytes = big_r.compress().to_bytes();
        let mut hk = Sha512::new();
        hk.update(&r_bytes);
        hk.update(&pk);
        hk.update(msg);
        let k = Scalar::from_bytes_mod_order_wide(&hk.finalize());
        let s = r + k * a;
        let mut sig = [0u8; 64];
        sig[..32].copy_from_slice(&r_bytes);
        sig[32..].copy_from_slice(s.as_bytes());

        let dalek = ed25519_dalek::VerifyingKey::from_bytes(&pk).unwrap();
        assert!(dalek
            .verify_strict(msg, &ed25519_dalek::Signature::from_bytes(&sig))
            .is_err());
        let point = key_point(&pk).unwrap();
        assert!(verify(&pk, &point, msg, &sig).is_ok());
        // In a batch (with honest signatures by the same key, so that the sum is taken).
        let honest = SigningKey::from_bytes(&seed);
        assert_eq!(honest.verifying_key().to_bytes(), pk);
        let mut batch = Ed25519Batch::new();
        batch.add(&pk, &point, "k", msg, &sig, 0).unwrap();
        for n in 1..4usize {
            let m = n.to_le_bytes();
            let honest_sig = honest.sign(&m).to_bytes();
            batch.add(&pk, &point, "k", &m, &honest_sig, n).unwrap();
        }
        assert!(batch.check().unwrap().is_empty());

        // The small-order test by bytes agrees with the decompressed point's, for the torsion
        // points (either sign of x, x = 0 with the sign bit set too) and for others; its five
        // values of y are those of the torsion points.
        let mut ys: Vec<[u8; 32]> = EIGHT_TORSION
            .iter()
            .map(|t| {
                let mut y = t.compress().to_bytes();
                y[31] &= 0x7f;
                y
            })
            .collect();
        ys.sort();
        ys.dedup();
        let mut ours = SMALL_ORDER_YS.to_vec();
        ours.sort();
        assert_eq!(ys, ours);
        for t in EIGHT_TORSION {
            for sign in [0, 0x80] {
                let mut bytes = t.compress().to_bytes();
                bytes[31] |= sign;
                let point = CompressedEdwardsY(bytes).decompress().unwrap();
                assert!(point.is_small_order() && small_order_y(&bytes));
            }
        }
        for n in 1..50u64 {
            let bytes = EdwardsPoint::mul_base(&Scalar::from(n))
                .compress()
                .to_bytes();
            assert!(!small_order_y(&bytes));
            let mixed = (EdwardsPoint::mul_base(&Scalar::from(n))
                + EIGHT_TORSION[(n % 8) as usize])
                .compress()
                .to_bytes();
            assert!(!small_order_y(&mixed));
        }

        // Small-order R, small-order keys, non-canonical s and R: refused, as by verify_strict.
        let mut small_r = sig;
        small_r[..32].copy_from_slice(&EIGHT_TORSION[1].compress().to_bytes());
        assert!(verify(&pk, &point, msg, &small_r).is_err());
        assert_eq!(
            key_point(&EIGHT_TORSION[2].compress().to_bytes())
                .err()
                .map(|e| e.code()),
            Some("BAD_SIGNATURE")
        );
        let mut big_s = sig;
        big_s[63] |= 0xf0;
        assert!(verify(&pk, &point, msg, &big_s).is_err());
        let mut y_over_p = [0xffu8; 32];
        y_over_p[31] = 0x7f;
        assert!(!canonical_y(&y_over_p));
        y_over_p[0] = 0xec;
        assert!(canonical_y(&y_over_p));
        assert_eq!(
            verify(&pk, &point, msg, &sig[..63])
                .unwrap_err()
                .to_string(),
            "bad signature: EdDSA signature is not 64 bytes"
        );
    }
}
