//! 256-bit integers (eight little-endian `u32` limbs: wasm32 multiplies 32 × 32 → 64 bits
//! natively) and arithmetic modulo an odd 256-bit modulus in Montgomery form. Variable-time: every
//! value this crate handles is public (keys, signatures, digests).

/// A 256-bit integer, least significant limb first.
pub type U256 = [u32; 8];

/// Zero.
pub const ZERO: U256 = [0; 8];

/// A small integer.
pub fn small(v: u32) -> U256 {
    let mut r = ZERO;
    r[0] = v;
    r
}

/// Big-endian bytes (exactly 32) as an integer.
pub fn from_be(bytes: &[u8]) -> U256 {
    let mut r = ZERO;
    for (i, chunk) in bytes.rchunks(4).take(8).enumerate() {
        r[i] = chunk.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b));
    }
    r
}

/// The 32 big-endian bytes of an integer.
pub fn to_be(v: &U256) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, limb) in v.iter().enumerate() {
        out[28 - 4 * i..32 - 4 * i].copy_from_slice(&limb.to_be_bytes());
    }
    out
}

/// 64 hex digits, big-endian (the curve constants).
pub fn from_be_hex(s: &str) -> U256 {
    let mut bytes = [0u8; 32];
    for (i, b) in bytes.iter_mut().enumerate() {
        let digit = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
        *b = (digit(s.as_bytes()[2 * i]) << 4) | digit(s.as_bytes()[2 * i + 1]);
    }
    from_be(&bytes)
}

/// Whether `v` is zero.
pub fn is_zero(v: &U256) -> bool {
    v.iter().all(|&l| l == 0)
}

/// Whether `v` is odd.
pub fn is_odd(v: &U256) -> bool {
    v[0] & 1 == 1
}

/// Bit `i` of `v`.
pub fn bit(v: &U256, i: usize) -> bool {
    (v[i / 32] >> (i % 32)) & 1 == 1
}

/// Whether `a < b`.
pub fn lt(a: &U256, b: &U256) -> bool {
    for i in (0..8).rev() {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
    }
    false
}

/// `a + b` and the carry out.
fn add_raw(a: &U256, b: &U256) -> (U256, bool) {
    let mut r = ZERO;
    let mut carry = 0u64;
    for i in 0..8 {
        let v = u64::from(a[i]) + u64::from(b[i]) + carry;
        r[i] = v as u32;
        carry = v >> 32;
    }
    (r, carry == 1)
}

/// `a - b` and the borrow out.
fn sub_raw(a: &U256, b: &U256) -> (U256, bool) {
    let mut r = ZERO;
    let mut borrow = 0i64;
    for i in 0..8 {
        let v = i64::from(a[i]) - i64::from(b[i]) + borrow;
        r[i] = v as u32;
        borrow = v >> 32;
    }
    (r, borrow != 0)
}

/// `a + b`, `None` past 2²⁵⁶.
pub fn add_no_wrap(a: &U256, b: &U256) -> Option<U256> {
    match add_raw(a, b) {
        (r, false) => Some(r),
        (_, true) => None,
    }
}

/// An odd modulus with what Montgomery multiplication needs (R = 2²⁵⁶).
pub struct Modulus {
    /// The modulus.
    pub m: U256,
    /// -m⁻¹ mod 2³².
    m0inv: u32,
    /// R² mod m.
    r2: U256,
}

impl Modulus {
    /// The constants of `m` (odd, > 2²⁵⁵).
    pub fn new(m: U256) -> Self {
        // Newton's iteration doubles the correct low bits of m⁻¹ mod 2³² each step: 1 → 32.
        let mut inv = 1u32;
        for _ in 0..5 {
            inv = inv.wrapping_mul(2u32.wrapping_sub(m[0].wrapping_mul(inv)));
        }
        let mut md = Modulus {
            m,
            m0inv: inv.wrapping_neg(),
            r2: ZERO,
        };
        // R² mod m: 1 doubled 512 times, mod m at each step.
        let mut r = small(1);
        for _ in 0..512 {
            r = md.add(&r, &r);
        }
        md.r2 = r;
        md
    }

    /// Whether `v < m` (a canonical residue).
    pub fn contains(&self, v: &U256) -> bool {
        lt(v, &self.m)
    }

    /// `v mod m` for `v < 2m`.
    pub fn reduce_once(&self, v: &U256) -> U256 {
        if self.contains(v) {
            *v
        } else {
            sub_raw(v, &self.m).0
        }
    }

    /// `a + b mod m` (both < m).
    pub fn add(&self, a: &U256, b: &U256) -> U256 {
        let (s, carry) = add_raw(a, b);
        if carry || !self.contains(&s) {
            sub_raw(&s, &self.m).0
        } else {
            s
        }
    }

    /// `a - b mod m` (both < m).
    pub fn sub(&self, a: &U256, b: &U256) -> U256 {
        match sub_raw(a, b) {
            (d, true) => add_raw(&d, &self.m).0,
            (d, false) => d,
        }
    }

    /// `-a mod m` (a < m).
    pub fn neg(&self, a: &U256) -> U256 {
        if is_zero(a) {
            ZERO
        } else {
            sub_raw(&self.m, a).0
        }
    }

    /// Montgomery product `a·b·R⁻¹ mod m` (both < m), word by word (CIOS).
    pub fn mul(&self, a: &U256, b: &U256) -> U256 {
        let mut t = [0u32; 10];
        for &bi in b {
            let mut c = 0u64;
            for j in 0..8 {
                let v = u64::from(t[j]) + u64::from(a[j]) * u64::from(bi) + c;
                t[j] = v as u32;
                c = v >> 32;
            }
            let v = u64::from(t[8]) + c;
            t[8] = v as u32;
            t[9] = (v >> 32) as u32;
            let q = t[0].wrapping_mul(self.m0inv);
            let mut c = (u64::from(t[0]) + u64::from(q) * u64::from(self.m[0])) >> 32;
            for j in 1..8 {
                let v = u64::from(t[j]) + u64::from(q) * u64::from(self.m[j]) + c;
                t[j - 1] = v as u32;
                c = v >> 32;
            }
            let v = u64::from(t[8]) + c;
            t[7] = v as u32;
            t[8] = t[9] + (v >> 32) as u32;
        }
        let mut r = ZERO;
        r.copy_from_slice(&t[..8]);
        if t[8] != 0 || !self.contains(&r) {
            r = sub_raw(&r, &self.m).0;
        }
        r
    }

    /// `a` (< m) in Montgomery form.
    pub fn mont(&self, a: &U256) -> U256 {
        self.mul(a, &self.r2)
    }

    /// `a` out of Montgomery form.
    pub fn plain(&self, a: &U256) -> U256 {
        self.mul(a, &small(1))
    }

    /// 1 in Montgomery form.
    pub fn one(&self) -> U256 {
        self.mont(&small(1))
    }

    /// `a^e` (a in Montgomery form, e a plain integer), square and multiply.
    fn pow(&self, a: &U256, e: &U256) -> U256 {
        let mut r = self.one();
        for i in (0..256).rev() {
            r = self.mul(&r, &r);
            if bit(e, i) {
                r = self.mul(&r, a);
            }
        }
        r
    }

    /// `a⁻¹` (Montgomery form in and out; m prime, a ≠ 0): a^(m-2).
    pub fn inv(&self, a: &U256) -> U256 {
        self.pow(a, &sub_raw(&self.m, &small(2)).0)
    }

    /// A square root of `a` (Montgomery form) for m ≡ 3 (mod 4): a^((m+1)/4), if `a` has one.
    pub fn sqrt(&self, a: &U256) -> Option<U256> {
        let (e, _) = add_raw(&self.m, &small(1));
        let mut q = ZERO;
        for i in 0..8 {
            let hi = if i < 7 { e[i + 1] << 30 } else { 0 };
            q[i] = (e[i] >> 2) | hi;
        }
        let c = self.pow(a, &q);
        (self.mul(&c, &c) == *a).then_some(c)
    }
}
