//! ECDSA verification on P-256 and secp256k1, and secp256k1 public-key recovery, for ceramic-wasm.
//!
//! Only did:keys other than Ed25519 (ES256, ES256K JWS) and two CACAO kinds (eip191 recovers a
//! secp256k1 key, webauthn:p256 verifies a P-256 signature) need these curves. ceramic-wasm links
//! this crate; in its npm package the code lands in the lazily loaded part, a second wasm module
//! cut from the main one and fetched the first time a call needs it (`src/part.rs` in ceramic-wasm).
//!
//! Written here rather than taken from the `p256` and `k256` crates, which this crate used before
//! (and which its tests check it against): they were 130 KB of the second module's 157 KB of wasm
//! (62 KB gzip) — constant-time field and scalar arithmetic specialised per curve, signing, key
//! generation — where verifying and recovering need neither secrets nor speed. Every input here
//! is public, so the arithmetic is variable-time: one Montgomery multiplication for all four
//! moduli (each curve's field and group order), affine-to-Jacobian point arithmetic, and Shamir's
//! trick for `u1·G + u2·Q`.

mod field;

use field::{Modulus, U256};

/// The two curves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    /// NIST P-256 (ES256).
    P256,
    /// secp256k1 (ES256K, Ethereum).
    Secp256k1,
}

/// Why a verification failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The public key is not a SEC1 point on the curve.
    InvalidKey,
    /// The signature is not 64 bytes `r ‖ s` with both in range.
    MalformedSignature,
    /// The signature does not verify.
    Mismatch,
}

/// A short Weierstrass curve y² = x³ + ax + b over the field `p`, of prime order `n`.
struct Params {
    p: Modulus,
    n: Modulus,
    /// `a` and `b`, in Montgomery form mod `p`.
    a: U256,
    b: U256,
    /// a = 0 (secp256k1); otherwise a = -3 (P-256), which the doubling formula relies on.
    a_is_zero: bool,
    /// The generator.
    g: Affine,
    /// How `DecompactPoint` picks y for a SEC1 "compact" point (tag 0x05): the `k256` crate takes
    /// the even y, the generic `primeorder` one (P-256) the smaller of y and p − y.
    compact_even: bool,
}

/// An affine point, its coordinates in Montgomery form (never the point at infinity).
type Affine = (U256, U256);

/// A Jacobian point (X, Y, Z), x = X/Z², y = Y/Z³; Z = 0 is the point at infinity.
#[derive(Clone, Copy)]
struct Jacobian {
    x: U256,
    y: U256,
    z: U256,
}

fn hex(s: &str) -> U256 {
    field::from_be_hex(s)
}

fn params(curve: Curve) -> Params {
    match curve {
        Curve::P256 => {
            let p = Modulus::new(hex(
                "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
            ));
            let n = Modulus::new(hex(
                "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551",
            ));
            let a = p.mont(&hex(
                "ffffffff00000001000000000000000000000000fffffffffffffffffffffffc",
            ));
            let b = p.mont(&hex(
                "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b",
            ));
            let g = (
                p.mont(&hex(
                    "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296",
                )),
                p.mont(&hex(
                    "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
                )),
            );
            Params {
                p,
                n,
                a,
                b,
                a_is_zero: false,
                g,
                compact_even: false,
            }
        }
        Curve::Secp256k1 => {
            let p = Modulus::new(hex(
                "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f",
            ));
            let n = Modulus::new(hex(
                "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
            ));
            let b = p.mont(&field::small(7));
            let g = (
                p.mont(&hex(
                    "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
                )),
                p.mont(&hex(
                    "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8",
                )),
            );
            Params {
                p,
                n,
                a: field::ZERO,
                b,
                a_is_zero: true,
                g,
                compact_even: true,
            }
        }
    }
}

impl Params {
    /// x³ + ax + b (Montgomery form).
    fn rhs(&self, x: &U256) -> U256 {
        let p = &self.p;
        let x3 = p.mul(&p.mul(x, x), x);
        p.add(&p.add(&x3, &p.mul(&self.a, x)), &self.b)
    }

    /// The point with this x (canonical bytes, < p) and y's parity; `None` if x is no point's.
    fn decompress(&self, x: &U256, odd: bool) -> Option<Affine> {
        let p = &self.p;
        if !p.contains(x) {
            return None;
        }
        let xm = p.mont(x);
        let ym = p.sqrt(&self.rhs(&xm))?;
        let y = p.plain(&ym);
        if field::is_odd(&y) == odd {
            Some((xm, ym))
        } else if field::is_zero(&y) {
            // y = 0 has no odd twin (and no point of these prime-order curves has it).
            None
        } else {
            Some((xm, p.neg(&ym)))
        }
    }

    /// A SEC1-encoded public key (compressed 0x02/0x03, uncompressed 0x04, compact 0x05), as the
    /// `p256`/`k256` crates read it; the point at infinity is no key.
    fn key(&self, bytes: &[u8]) -> Option<Affine> {
        let p = &self.p;
        match (bytes.first()?, bytes.len()) {
            (2 | 3, 33) => self.decompress(&field::from_be(&bytes[1..]), bytes[0] == 3),
            (5, 33) => {
                let (x, y) = self.decompress(&field::from_be(&bytes[1..]), false)?;
                if self.compact_even {
                    return Some((x, y));
                }
                let neg = p.neg(&y);
                let smaller = field::lt(&p.plain(&neg), &p.plain(&y));
                Some((x, if smaller { neg } else { y }))
            }
            (4, 65) => {
                let (x, y) = (field::from_be(&bytes[1..33]), field::from_be(&bytes[33..]));
                if !p.contains(&x) || !p.contains(&y) {
                    return None;
                }
                let (x, y) = (p.mont(&x), p.mont(&y));
                (p.mul(&y, &y) == self.rhs(&x)).then_some((x, y))
            }
            _ => None,
        }
    }

    fn jacobian(&self, (x, y): Affine) -> Jacobian {
        Jacobian {
            x,
            y,
            z: self.p.one(),
        }
    }

    fn infinity(&self) -> Jacobian {
        Jacobian {
            x: self.p.one(),
            y: self.p.one(),
            z: field::ZERO,
        }
    }

    /// 2P in Jacobian coordinates: S = 4XY², M = 3X² + aZ⁴, X3 = M² - 2S, Y3 = M(S - X3) - 8Y⁴,
    /// Z3 = 2YZ; with a = 0 (secp256k1) M is 3X², with a = -3 (P-256) 3(X - Z²)(X + Z²): seven or
    /// eight multiplications.
    fn double(&self, q: &Jacobian) -> Jacobian {
        let p = &self.p;
        if field::is_zero(&q.z) || field::is_zero(&q.y) {
            return self.infinity();
        }
        let yy = p.mul(&q.y, &q.y);
        let yyyy = p.mul(&yy, &yy);
        let s = p.mul(&q.x, &yy);
        let s = p.add(&s, &s);
        let s = p.add(&s, &s);
        let t = if self.a_is_zero {
            p.mul(&q.x, &q.x)
        } else {
            let zz = p.mul(&q.z, &q.z);
            p.mul(&p.sub(&q.x, &zz), &p.add(&q.x, &zz))
        };
        let m = p.add(&p.add(&t, &t), &t);
        let x3 = p.sub(&p.mul(&m, &m), &p.add(&s, &s));
        let y8 = p.add(&yyyy, &yyyy);
        let y8 = p.add(&y8, &y8);
        let y8 = p.add(&y8, &y8);
        let y3 = p.sub(&p.mul(&m, &p.sub(&s, &x3)), &y8);
        let yz = p.mul(&q.y, &q.z);
        Jacobian {
            x: x3,
            y: y3,
            z: p.add(&yz, &yz),
        }
    }

    /// P + Q ("add-2007-bl"), with the cases the formula does not cover: either is infinity,
    /// P = Q (a doubling), P = -Q (infinity).
    fn add(&self, a: &Jacobian, b: &Jacobian) -> Jacobian {
        let p = &self.p;
        if field::is_zero(&a.z) {
            return *b;
        }
        if field::is_zero(&b.z) {
            return *a;
        }
        let z1z1 = p.mul(&a.z, &a.z);
        let z2z2 = p.mul(&b.z, &b.z);
        let u1 = p.mul(&a.x, &z2z2);
        let u2 = p.mul(&b.x, &z1z1);
        let s1 = p.mul(&p.mul(&a.y, &b.z), &z2z2);
        let s2 = p.mul(&p.mul(&b.y, &a.z), &z1z1);
        let h = p.sub(&u2, &u1);
        let r = p.sub(&s2, &s1);
        if field::is_zero(&h) {
            return if field::is_zero(&r) {
                self.double(a)
            } else {
                self.infinity()
            };
        }
        let i = p.add(&h, &h);
        let i = p.mul(&i, &i);
        let j = p.mul(&h, &i);
        let r = p.add(&r, &r);
        let v = p.mul(&u1, &i);
        let x3 = p.sub(&p.sub(&p.mul(&r, &r), &j), &p.add(&v, &v));
        let s1j = p.mul(&s1, &j);
        let y3 = p.sub(&p.mul(&r, &p.sub(&v, &x3)), &p.add(&s1j, &s1j));
        let t = p.add(&a.z, &b.z);
        let z3 = p.mul(&p.sub(&p.sub(&p.mul(&t, &t), &z1z1), &z2z2), &h);
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// u1·G + u2·Q (Shamir's trick; scalars as plain integers).
    fn mul_add(&self, u1: &U256, u2: &U256, q: Affine) -> Jacobian {
        let g = self.jacobian(self.g);
        let q = self.jacobian(q);
        let gq = self.add(&g, &q);
        let mut acc = self.infinity();
        for bit in (0..256).rev() {
            acc = self.double(&acc);
            match (field::bit(u1, bit), field::bit(u2, bit)) {
                (true, true) => acc = self.add(&acc, &gq),
                (true, false) => acc = self.add(&acc, &g),
                (false, true) => acc = self.add(&acc, &q),
                (false, false) => {}
            }
        }
        acc
    }

    /// The affine x and y of a point (plain integers), `None` for infinity.
    fn affine(&self, q: &Jacobian) -> Option<(U256, U256)> {
        let p = &self.p;
        if field::is_zero(&q.z) {
            return None;
        }
        let zi = p.inv(&q.z);
        let zi2 = p.mul(&zi, &zi);
        let x = p.mul(&q.x, &zi2);
        let y = p.mul(&q.y, &p.mul(&zi2, &zi));
        Some((p.plain(&x), p.plain(&y)))
    }

    /// `r` and `s` of a raw 64-byte signature, each in [1, n - 1].
    fn scalars(&self, sig: &[u8]) -> Option<(U256, U256)> {
        if sig.len() != 64 {
            return None;
        }
        let (r, s) = (field::from_be(&sig[..32]), field::from_be(&sig[32..]));
        let ok = |v: &U256| !field::is_zero(v) && self.n.contains(v);
        (ok(&r) && ok(&s)).then_some((r, s))
    }

    /// A 32-byte digest as a scalar: its integer reduced mod n (n > 2²⁵⁵ for both curves, so
    /// one subtraction at most).
    fn digest_scalar(&self, prehash: &[u8; 32]) -> U256 {
        self.n.reduce_once(&field::from_be(prehash))
    }
}

/// Verify `sig` (raw 64-byte `r ‖ s`; high-S accepted, as ceramic-one and js-did accept it) by the
/// SEC1 public key `key` over the SHA-256 digest `prehash` of the message.
pub fn verify_prehash(
    curve: Curve,
    key: &[u8],
    prehash: &[u8; 32],
    sig: &[u8],
) -> Result<(), Failure> {
    let c = params(curve);
    let q = c.key(key).ok_or(Failure::InvalidKey)?;
    let (r, s) = c.scalars(sig).ok_or(Failure::MalformedSignature)?;
    let n = &c.n;
    let z = c.digest_scalar(prehash);
    let w = n.inv(&n.mont(&s));
    let u1 = n.plain(&n.mul(&n.mont(&z), &w));
    let u2 = n.plain(&n.mul(&n.mont(&r), &w));
    let (x, _) = c.affine(&c.mul_add(&u1, &u2, q)).ok_or(Failure::Mismatch)?;
    if n.reduce_once(&x) == r {
        Ok(())
    } else {
        Err(Failure::Mismatch)
    }
}

/// The uncompressed SEC1 secp256k1 public key (65 bytes) that made the signature `rs` (64 bytes)
/// with recovery id `v` (0–3: bit 0 the parity of R's y, bit 1 whether R's x is r + n) over the
/// 32-byte `prehash` (a digest of another length is not a case here: the `k256` crate read one
/// as its bits); `None` when no key did.
pub fn recover_secp256k1(prehash: &[u8; 32], rs: &[u8], v: u8) -> Option<Vec<u8>> {
    let c = params(Curve::Secp256k1);
    let (r, s) = c.scalars(rs)?;
    if v > 3 {
        return None;
    }
    let x = if v & 2 == 2 {
        field::add_no_wrap(&r, &c.n.m)?
    } else {
        r
    };
    let big_r = c.decompress(&x, v & 1 == 1)?;
    let n = &c.n;
    let z = c.digest_scalar(prehash);
    let r_inv = n.inv(&n.mont(&r));
    let u1 = n.plain(&n.neg(&n.mul(&n.mont(&z), &r_inv)));
    let u2 = n.plain(&n.mul(&n.mont(&s), &r_inv));
    let (x, y) = c.affine(&c.mul_add(&u1, &u2, big_r))?;
    let mut out = Vec::with_capacity(65);
    out.push(4);
    out.extend_from_slice(&field::to_be(&x));
    out.extend_from_slice(&field::to_be(&y));
    Some(out)
}

/// Checked against the `p256` and `k256` crates (what this crate used before): the same verdicts
/// on signatures they make, on damaged ones, on random bytes, and on keys in every SEC1 form.
#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    /// The crates' verdict, as this crate computed it before it had its own arithmetic.
    fn reference_verify(curve: Curve, key: &[u8], msg: &[u8], sig: &[u8]) -> Result<(), Failure> {
        match curve {
            Curve::P256 => {
                use p256::ecdsa::signature::Verifier;
                let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(key)
                    .map_err(|_| Failure::InvalidKey)?;
                let sig = p256::ecdsa::Signature::from_slice(sig)
                    .map_err(|_| Failure::MalformedSignature)?;
                key.verify(msg, &sig.normalize_s())
                    .map_err(|_| Failure::Mismatch)
            }
            Curve::Secp256k1 => {
                use k256::ecdsa::signature::Verifier;
                let key = k256::ecdsa::VerifyingKey::from_sec1_bytes(key)
                    .map_err(|_| Failure::InvalidKey)?;
                let sig = k256::ecdsa::Signature::from_slice(sig)
                    .map_err(|_| Failure::MalformedSignature)?;
                key.verify(msg, &sig.normalize_s())
                    .map_err(|_| Failure::Mismatch)
            }
        }
    }

    fn reference_recover(prehash: &[u8], rs: &[u8], v: u8) -> Option<Vec<u8>> {
        let sig = k256::ecdsa::Signature::from_slice(rs).ok()?;
        let id = k256::ecdsa::RecoveryId::from_byte(v)?;
        let key = k256::ecdsa::VerifyingKey::recover_from_prehash(prehash, &sig, id).ok()?;
        Some(key.to_sec1_point(false).as_bytes().to_vec())
    }

    fn ours(curve: Curve, key: &[u8], msg: &[u8], sig: &[u8]) -> Result<(), Failure> {
        verify_prehash(curve, key, &Sha256::digest(msg).into(), sig)
    }

    /// xorshift64*: reproducible inputs without a dependency.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn bytes(&mut self, n: usize) -> Vec<u8> {
            (0..n).map(|_| self.next() as u8).collect()
        }
    }

    /// A key's SEC1 forms (compressed, uncompressed, compact) and a signature of `msg`.
    fn signed(curve: Curve, seed: &[u8], msg: &[u8]) -> Option<(Vec<Vec<u8>>, Vec<u8>)> {
        // Each crate's own types; what follows is the same for both.
        let (compressed, uncompressed, sig) = match curve {
            Curve::P256 => {
                use p256::ecdsa::signature::Signer;
                let sk = p256::ecdsa::SigningKey::from_slice(seed).ok()?;
                let pk = sk.verifying_key();
                let sig: p256::ecdsa::Signature = sk.sign(msg);
                let point = |c| pk.to_sec1_point(c).as_bytes().to_vec();
                (point(true), point(false), sig.to_bytes().to_vec())
            }
            Curve::Secp256k1 => {
                use k256::ecdsa::signature::Signer;
                let sk = k256::ecdsa::SigningKey::from_slice(seed).ok()?;
                let pk = sk.verifying_key();
                let sig: k256::ecdsa::Signature = sk.sign(msg);
                let point = |c| pk.to_sec1_point(c).as_bytes().to_vec();
                (point(true), point(false), sig.to_bytes().to_vec())
            }
        };
        let mut compact = compressed.clone();
        compact[0] = 5;
        Some((vec![compressed, uncompressed, compact], sig))
    }

    /// n - s: the high-S twin of a signature.
    fn high_s(curve: Curve, sig: &[u8]) -> Vec<u8> {
        let s = field::from_be(&sig[32..]);
        let mut out = sig[..32].to_vec();
        out.extend_from_slice(&field::to_be(&params(curve).n.neg(&s)));
        out
    }

    #[test]
    fn same_verdicts_as_the_crates() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for curve in [Curve::P256, Curve::Secp256k1] {
            let mut verified = 0;
            for round in 0..150 {
                let seed = rng.bytes(32);
                let msg = rng.bytes(1 + round % 90);
                let Some((forms, sig)) = signed(curve, &seed, &msg) else {
                    continue;
                };
                let mut other = msg.clone();
                other[0] ^= 1;
                let mut bad_sig = sig.clone();
                bad_sig[(rng.next() % 64) as usize] ^= 1 << (rng.next() % 8);
                let random_sig = rng.bytes(64);
                let mut bad_key = forms[(rng.next() % 3) as usize].clone();
                let at = 1 + (rng.next() as usize) % (bad_key.len() - 1);
                bad_key[at] ^= 1 << (rng.next() % 8);
                let random_key = {
                    let len = if rng.next() % 2 == 0 { 33 } else { 65 };
                    let mut k = rng.bytes(len);
                    k[0] = if k.len() == 65 {
                        4
                    } else {
                        [2, 3, 5][(rng.next() % 3) as usize]
                    };
                    k
                };
                let cases: Vec<(Vec<u8>, Vec<u8>, Vec<u8>)> = forms
                    .iter()
                    .flat_map(|k| {
                        [
                            (k.clone(), msg.clone(), sig.clone()),
                            (k.clone(), msg.clone(), high_s(curve, &sig)),
                            (k.clone(), other.clone(), sig.clone()),
                            (k.clone(), msg.clone(), bad_sig.clone()),
                            (k.clone(), msg.clone(), random_sig.clone()),
                        ]
                    })
                    .chain([
                        (bad_key.clone(), msg.clone(), sig.clone()),
                        (random_key.clone(), msg.clone(), sig.clone()),
                        (forms[0][..32].to_vec(), msg.clone(), sig.clone()),
                        (forms[0].clone(), msg.clone(), sig[..63].to_vec()),
                    ])
                    .collect();
                for (k, m, s) in cases {
                    let want = reference_verify(curve, &k, &m, &s);
                    assert_eq!(
                        ours(curve, &k, &m, &s),
                        want,
                        "{curve:?} key {} msg {} sig {}",
                        hex::encode(&k),
                        hex::encode(&m),
                        hex::encode(&s)
                    );
                    verified += usize::from(want.is_ok());
                }
            }
            // The valid cases did verify (compressed and uncompressed keys, low and high S, per
            // round; a compact key names the signer's point or its negation).
            assert!(verified >= 150 * 4, "{curve:?}: {verified}");
        }
    }

    #[test]
    fn edge_scalars_and_keys() {
        for curve in [Curve::P256, Curve::Secp256k1] {
            let c = params(curve);
            let (forms, sig) = signed(curve, &[7; 32], b"hello").unwrap();
            let n = field::to_be(&c.n.m);
            let mut n_minus_1 = c.n.m;
            n_minus_1[0] -= 1;
            let n_minus_1 = field::to_be(&n_minus_1);
            let p = field::to_be(&c.p.m);
            let gx = field::to_be(&c.p.plain(&c.g.0));
            let gy = field::to_be(&c.p.plain(&c.g.1));
            let sigs = [
                [&[0u8; 32][..], &sig[32..]].concat(),
                [&sig[..32], &[0u8; 32][..]].concat(),
                [&n[..], &sig[32..]].concat(),
                [&sig[..32], &n[..]].concat(),
                [&n_minus_1[..], &n_minus_1[..]].concat(),
                [&[0xff; 32][..], &sig[32..]].concat(),
            ];
            let keys = [
                forms[0].clone(),
                vec![0],
                [&[2u8][..], &p[..]].concat(),
                [&[4u8][..], &gx[..], &gy[..]].concat(),
                [&[2u8][..], &gx[..]].concat(),
                [&[5u8][..], &gx[..]].concat(),
                [&[4u8][..], &gx[..], &p[..]].concat(),
                [&[6u8][..], &gx[..], &gy[..]].concat(),
                vec![],
            ];
            for k in &keys {
                for s in sigs.iter().chain([&sig]) {
                    assert_eq!(
                        ours(curve, k, b"hello", s),
                        reference_verify(curve, k, b"hello", s),
                        "{curve:?} key {} sig {}",
                        hex::encode(k),
                        hex::encode(s)
                    );
                }
            }
        }
    }

    #[test]
    fn recovers_as_the_crate() {
        let mut rng = Rng(0x1234_5678_9abc_def1);
        let mut recovered = 0;
        for _ in 0..150 {
            let sk = match k256::ecdsa::SigningKey::from_slice(&rng.bytes(32)) {
                Ok(k) => k,
                Err(_) => continue,
            };
            let prehash: [u8; 32] = rng.bytes(32).try_into().unwrap();
            let (sig, id) = sk.sign_prehash_recoverable(&prehash);
            let want = sk.verifying_key().to_sec1_point(false).as_bytes().to_vec();
            assert_eq!(
                recover_secp256k1(&prehash, &sig.to_bytes(), id.to_byte()),
                Some(want)
            );
            recovered += 1;
            let random = rng.bytes(64);
            for v in 0..5 {
                for rs in [
                    &sig.to_bytes()[..],
                    &random[..],
                    &high_s(Curve::Secp256k1, &sig.to_bytes())[..],
                ] {
                    assert_eq!(
                        recover_secp256k1(&prehash, rs, v),
                        reference_recover(&prehash, rs, v),
                        "rs {} v {v}",
                        hex::encode(rs)
                    );
                }
            }
        }
        assert!(recovered > 140);
        // r + n past the field (bit 1 of v): no point, as the crate says.
        let mut rs = vec![0xff; 32];
        rs.extend_from_slice(&[1; 32]);
        assert_eq!(
            recover_secp256k1(&[1; 32], &rs, 2),
            reference_recover(&[1; 32], &rs, 2)
        );
    }
}
