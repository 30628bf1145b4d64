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

/// An Ed25519 public key ready to verify with: `−A`, and its multiples `[1](−A) … [32](−A)` that
/// [`double_base`] adds, built on the first single check and kept with the key
/// (`did::key::ed25519_key` keeps the last key's; a batch builds its own, one key at a time).
/// From the key's second single check on, also the multiples of `[2⁵⁴](−A)`, `[2¹⁰⁸](−A)`,
/// `[2¹⁶²](−A)` and `[2²¹⁶](−A)`, so that its checks take a fifth of the doublings
/// ([`double_base`]).
#[derive(Clone)]
pub(crate) struct KeyPoint(Rc<KeyTables>);

struct KeyTables {
    neg_a: EdwardsPoint,
    low: OnceCell<Multiples>,
    high: OnceCell<[Multiples; PARTS - 1]>,
    checks: Cell<u32>,
}

impl KeyPoint {
    /// The tables of this key's next single check and how many of them count: `−A`'s multiples,
    /// and from its second check on the four others too (building them is 216 doublings and 124
    /// additions, about one check's work; each check after it takes a third less time,
    /// `node bench/ab-pair.mjs`). A key met once pays nothing for them.
    fn tables(&self) -> ([&Multiples; PARTS], usize) {
        let t = &*self.0;
        let checks = t.checks.get();
        t.checks.set(checks.saturating_add(1));
        let low = t.low.get_or_init(|| multiples(&t.neg_a));
        let mut out = [low; PARTS];
        if checks == 0 {
            return (out, 1);
        }
        let high = t.high.get_or_init(|| high_parts(&t.neg_a));
        for (slot, h) in out.iter_mut().skip(1).zip(high) {
            *slot = h;
        }
        (out, PARTS)
    }
}

/// `P, 2P, …, 32P`: the magnitudes of signed radix-64 digits.
type Multiples = [EdwardsPoint; 32];

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

fn prepare(pk: &[u8; 32], msg: &[u8], sig: &[u8]) -> Result<Prepared> {
    let sig: &[u8; 64] = sig
        .try_into()
        .map_err(|_| Error::BadSignature("EdDSA signature is not 64 bytes".into()))?;
    let (r_bytes, s_bytes) = sig.split_at(32);
    let r_bytes: [u8; 32] = r_bytes.try_into().unwrap_or_default();
    let s: Option<Scalar> =
        Scalar::from_canonical_bytes(s_bytes.try_into().unwrap_or_default()).into();
    let s = s.ok_or_else(does_not_verify)?;
    if !canonical_y(&r_bytes) {
        return Err(does_not_verify());
    }
    let r = CompressedEdwardsY(r_bytes)
        .decompress()
        .filter(|r| !r.is_small_order())
        .ok_or_else(does_not_verify)?;
    let mut h = Sha512::new();
    h.update(&r_bytes);
    h.update(pk);
    h.update(msg);
    let k = Scalar::from_bytes_mod_order_wide(&h.finalize());
    Ok(Prepared { neg_r: -r, s, k })
}

/// `[k]P + [s]B` from `P`'s multiples `[1]P … [32]P` (and, when `p` holds [`PARTS`] tables, those
/// of `[2⁵⁴]P`, `[2¹⁰⁸]P` … too), variable-time (every input is public).
/// Our own (bytes): curve25519-dalek's `vartime_double_scalar_mul_basepoint` reads a 7.7 KB
/// constant table of B's odd multiples (linked by its `precomputed-tables` feature, which signing
/// needs for its run-time basepoint table), and curve points do not compress: the table was
/// ~7.6 KB of the gzipped wasm. Here B's multiples are computed once, at run time, and a key's
/// when it is first checked alone ([`KeyPoint`]) or per batch. dalek's only public doubling is `mul_by_cofactor` (three at a
/// time), so both scalars are read as signed radix-64 digits, six doublings apart.
///
/// Speed: doublings are most of the work. Given the tables of `P`'s and `B`'s multiples at
/// `2⁵⁴` apart (`64⁹`), each scalar's 43 digits are read as five runs of 9 (the last holds 7),
/// added in the same pass: 9 rounds of six doublings instead of 43, for the same number of
/// additions. `p` is one table or [`PARTS`]; B's other tables are built by the first check that
/// uses them.
fn double_base(k: &Scalar, p: &[&Multiples], s: &Scalar) -> EdwardsPoint {
    static B_LOW: OnceLock<Multiples> = OnceLock::new();
    static B_HIGH: OnceLock<[Multiples; PARTS - 1]> = OnceLock::new();
    debug_assert!(matches!(p.len(), 1 | PARTS));
    let split = p.len() == PARTS;
    let rounds = if split { SPLIT } else { DIGITS };
    let b_low = B_LOW.get_or_init(|| multiples(&ED25519_BASEPOINT_POINT));
    let b_high: &[Multiples] = if split {
        B_HIGH.get_or_init(|| high_parts(&ED25519_BASEPOINT_POINT))
    } else {
        &[]
    };
    // B's tables count the parts: the zip takes only `P`'s first table unless split.
    let b = std::iter::once(b_low).chain(b_high);
    let (k, s) = (signed_digits(k), signed_digits(s));
    let mut t = EdwardsPoint::default();
    for i in (0..rounds).rev() {
        t = t.mul_by_cofactor().mul_by_cofactor();
        for (j, (p, b)) in p.iter().zip(b.clone()).enumerate() {
            let at = j * SPLIT + i;
            add_multiple(&mut t, p, k.get(at).copied().unwrap_or(0));
            add_multiple(&mut t, b, s.get(at).copied().unwrap_or(0));
        }
    }
    t
}

/// How many runs [`double_base`] splits a scalar's digits into, and the digits of each run. Each
/// part is a table of 32 points (5 KB) per key kept and for B; `verifyEvent` by one key, against
/// two parts: three 11 % faster, four 6 % faster still, five 3 % (`node bench/ab-pair.mjs`).
const PARTS: usize = 5;
const SPLIT: usize = DIGITS.div_ceil(PARTS);

/// The multiples of `[64^(SPLIT·j)]P` for `j = 1 … PARTS − 1` (`64^SPLIT = 8^(2·SPLIT)`).
fn high_parts(p: &EdwardsPoint) -> [Multiples; PARTS - 1] {
    let mut q = *p;
    std::array::from_fn(|_| {
        q = (0..2 * SPLIT).fold(q, |q, _| q.mul_by_cofactor());
        multiples(&q)
    })
}

/// Signed radix-64 digits of a reduced scalar: 43 × 6 bits ≥ 255 leaves no carry out of the
/// top digit (bits 252 and up hold at most 1, plus a carry of 1).
const DIGITS: usize = 43;

fn multiples(p: &EdwardsPoint) -> Multiples {
    let mut acc = *p;
    std::array::from_fn(|i| {
        if i > 0 {
            acc += p;
        }
        acc
    })
}

/// `t += [d]P` with `table[i] = [i + 1]P`, for a digit `−32 ≤ d < 32` (the mask keeps every
/// index in the table: no bounds check, no digit skipped).
fn add_multiple(t: &mut EdwardsPoint, table: &Multiples, d: i8) {
    if d != 0 {
        let p = &table[(usize::from(d.unsigned_abs()) - 1) & 31];
        if d > 0 {
            *t += p;
        } else {
            *t += -p;
        }
    }
}

/// A reduced scalar (below ℓ < 2²⁵³) as signed radix-64 digits, least significant first:
/// `Σ dᵢ·64ⁱ` with `−32 ≤ dᵢ < 32`.
fn signed_digits(x: &Scalar) -> [i8; DIGITS] {
    let bytes = x.as_bytes();
    let byte = |i: usize| u32::from(bytes.get(i).copied().unwrap_or(0));
    let mut out = [0i8; DIGITS];
    let mut carry = 0i32;
    for (i, d) in out.iter_mut().enumerate() {
        let (at, shift) = ((i * 6) / 8, (i * 6) % 8);
        let v = ((byte(at) | byte(at + 1) << 8) >> shift & 63) as i32 + carry;
        carry = (v + 32) >> 6;
        *d = (v - (carry << 6)) as i8;
    }
    out
}

/// `[8]([s]B − [k]A − R)` is the identity.
fn equation_holds(neg_a: &[&Multiples], p: &Prepared) -> bool {
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
            let table = multiples(&key.neg_a);
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
            sum += double_base(c, &[&multiples(&key.neg_a)], &b);
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
            total += total; // 128 doublings in all: dalek's own doubling is not public
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
            // The key's first check used `−A`'s table alone, the later ones all five parts
            // (corruptions refused by their encodings reach no check).
            assert!(a.0.checks.get() > 40);
            assert!(verify(&pk, &a, &msg, &sig).is_ok(), "key {i}, split");
        }
    }

    /// Our double-base multiplication equals curve25519-dalek's on random and edge scalars
    /// (0, 1, ℓ − 1, runs of digits at the ends of the radix's range, 2²⁵² …).
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
            let low = multiples(&a);
            assert_eq!(double_base(k, &[&low], s), expected, "scalars {i}");
            let high = high_parts(&a);
            let split: Vec<&Multiples> = std::iter::once(&low).chain(&high).collect();
            assert_eq!(double_base(k, &split, s), expected, "split {i}");
            let digits = signed_digits(k);
            let mut back = Scalar::ZERO;
            for d in digits.iter().rev() {
                back = back * Scalar::from(64u8) + Scalar::from(d.unsigned_abs());
                if *d < 0 {
                    back -= Scalar::from(2 * d.unsigned_abs());
                }
            }
            assert_eq!(back, *k, "digits {i}");
            assert!(digits.iter().all(|d| (-32..32).contains(d)));
        }
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
