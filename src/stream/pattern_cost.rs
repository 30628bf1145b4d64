//! An upper bound on the work of matching a JSON Schema `pattern` (ECMA-262, `u` flag) against a
//! string of `n` code points with a backtracking engine — V8's Irregexp in the page, `regress`
//! natively — so that a hostile Model cannot hang the page or node validating its documents
//! (ReDoS: `(a|a)*b`, `.*.*.*x`). Neither engine can be interrupted once a match runs, so the
//! bound is computed first and a match whose bound passes [`BUDGET_BITS`] is refused with
//! `TOO_LARGE` instead of run.
//!
//! Written here rather than taken from a crate: the ReDoS checkers of the field (safe-regex,
//! recheck) are JavaScript or JVM code, decide "safe or not" without the string length (so they
//! either pass `.*.*.*x` or refuse common patterns), and none covers both engines. This is a
//! one-pass parser of the pattern with no tables (a few KB of wasm).
//!
//! The bound follows the paths a backtracking matcher can take from one start position, with two
//! counts per piece of pattern: `S`, the ways it can succeed, and `T`, the steps all attempts take.
//! A character or class: S = T = 1. A sequence `a b`: S = S_a·S_b, T = T_a + S_a·T_b — except
//! that a run like `[a-z]+` followed by a piece that cannot start with any of its characters
//! succeeds with that piece in one way only. An alternation adds, unless its branches start with
//! disjoint characters and none is empty (then at most one gets past its first character). A
//! repetition of a piece that succeeds one way has one way per repeat count; of a piece with
//! several, `S^iterations`. The cost is T, times `n + 1` start positions unless the pattern is
//! anchored with `^`. Anything this parser does not follow costs infinity: the pattern was
//! already compiled by the real engine when the Model was checked, so that only happens for syntax
//! read differently here, and refusing is the safe side.

use crate::error::Result;

/// log2 of the largest bound a match may have. The bound runs 30–100 times above the time
/// `regress` takes on the worst patterns measured, at ~0.02–0.03 ns per unit of bound (`(a|a)*b`
/// on 22 characters: bound 2^34, 0.43 s; `.*.*.*x` on 400: 2^37.6, 3.2 s; a release build on
/// this project's 2-core VM, `cargo test --release --lib calib -- --ignored --nocapture`):
/// 2^32 keeps one match near a tenth of a second there; V8 compiles its regexes to machine code.
pub const BUDGET_BITS: u32 = 32;

/// Group nesting beyond this costs infinity (and bounds this parser's recursion).
const MAX_NESTING: usize = 64;
/// Character sets with more ranges than this are treated as "any character".
const MAX_RANGES: usize = 64;

/// log2 of the bound on the work of matching `pattern` against a string of `n` code points;
/// `f64::INFINITY` when the pattern is not understood. In the npm package this is in the lazily
/// loaded part, needed only by schemas with a `pattern` (`PART_NOT_LOADED` until it is loaded:
/// [`crate::part`]).
pub fn cost_bits(pattern: &str, n: usize) -> Result<f64> {
    Ok(cost_bits_in_part(
        crate::part::require("schema patterns")?,
        pattern,
        n,
    ))
}

/// The part's root for [`cost_bits`] (never inlined: found by name).
#[inline(never)]
fn cost_bits_in_part(_: crate::part::Loaded, pattern: &str, n: usize) -> f64 {
    let chars: Vec<char> = pattern.chars().collect();
    let mut p = Parser {
        s: &chars,
        i: 0,
        n: n as f64,
        depth: 0,
    };
    let Some((info, anchored)) = p.disjunction() else {
        return f64::INFINITY;
    };
    if p.i != chars.len() {
        return f64::INFINITY;
    }
    let starts = if anchored { 0.0 } else { lg(p.n + 1.0) };
    info.t + starts
}

/// Whether matching `pattern` against `n` code points stays within [`BUDGET_BITS`].
pub fn within_budget(pattern: &str, n: usize) -> Result<bool> {
    Ok(cost_bits(pattern, n)? <= f64::from(BUDGET_BITS))
}

/// Code points that can begin a non-empty match.
#[derive(Clone, Debug)]
enum Set {
    Ranges(Vec<(u32, u32)>),
    Any,
}

impl Set {
    fn none() -> Set {
        Set::Ranges(Vec::new())
    }

    fn one(c: u32) -> Set {
        Set::Ranges(vec![(c, c)])
    }

    fn add(&mut self, other: &Set) {
        match (&mut *self, other) {
            (Set::Any, _) => {}
            (_, Set::Any) => *self = Set::Any,
            (Set::Ranges(a), Set::Ranges(b)) => {
                a.extend_from_slice(b);
                if a.len() > MAX_RANGES {
                    *self = Set::Any;
                }
            }
        }
    }

    fn meets(&self, other: &Set) -> bool {
        match (self, other) {
            (Set::Ranges(a), Set::Ranges(b)) => a
                .iter()
                .any(|&(lo, hi)| b.iter().any(|&(l, h)| lo <= h && l <= hi)),
            (Set::Ranges(a), Set::Any) | (Set::Any, Set::Ranges(a)) => !a.is_empty(),
            (Set::Any, Set::Any) => true,
        }
    }
}

/// What the bound needs of a piece of pattern (S and T as log2).
#[derive(Clone, Debug)]
struct Info {
    /// log2 of the ways it can succeed from one position (0: at most one).
    s: f64,
    /// log2 of the steps of all its attempts from one position.
    t: f64,
    /// Whether it can match the empty string.
    nullable: bool,
    /// Code points that can begin a non-empty match.
    first: Set,
    /// One character of `first` exactly (a character, class or `.`).
    single: bool,
    /// A variable repetition of a `single` piece: the characters of its run.
    run: Option<Set>,
}

impl Info {
    fn char_set(first: Set) -> Info {
        Info {
            s: 0.0,
            t: 0.0,
            nullable: false,
            first,
            single: true,
            run: None,
        }
    }

    /// Zero-width (assertions, the empty sequence): its own attempts take `t`.
    fn empty(t: f64) -> Info {
        Info {
            s: 0.0,
            t,
            nullable: true,
            first: Set::none(),
            single: false,
            run: None,
        }
    }
}

const DIGIT: &[(u32, u32)] = &[(0x30, 0x39)];
const WORD: &[(u32, u32)] = &[(0x30, 0x39), (0x41, 0x5a), (0x5f, 0x5f), (0x61, 0x7a)];
const SPACE: &[(u32, u32)] = &[
    (0x09, 0x0d),
    (0x20, 0x20),
    (0xa0, 0xa0),
    (0x1680, 0x1680),
    (0x2000, 0x200a),
    (0x2028, 0x2029),
    (0x202f, 0x202f),
    (0x205f, 0x205f),
    (0x3000, 0x3000),
    (0xfeff, 0xfeff),
];

/// log2(x) for x ≥ 1, exact at powers of two and at most 0.09 above elsewhere (its fraction
/// read linearly from the mantissa): libm's log2 and exp2 would add ~1 KB of wasm for a bound.
fn lg(x: f64) -> f64 {
    if x.is_nan() || x <= 1.0 {
        return 0.0;
    }
    if x == f64::INFINITY {
        return x;
    }
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as f64 - 1023.0;
    let frac = (bits & ((1 << 52) - 1)) as f64 / (1u64 << 52) as f64;
    // log2(1 + f) ≤ f + 0.0861 on [0, 1).
    if frac == 0.0 {
        exp
    } else {
        exp + frac + 0.0861
    }
}

struct Parser<'a> {
    s: &'a [char],
    i: usize,
    n: f64,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// Alternatives; also whether every one of them starts with `^`.
    fn disjunction(&mut self) -> Option<(Info, bool)> {
        let (mut acc, mut anchored) = self.alternative()?;
        let mut disjoint = !acc.nullable;
        let mut count = 1.0f64;
        while self.eat('|') {
            let (alt, a) = self.alternative()?;
            anchored &= a;
            disjoint &= !alt.nullable && !acc.first.meets(&alt.first);
            count += 1.0;
            acc.s = acc.s.max(alt.s);
            acc.t = acc.t.max(alt.t);
            acc.nullable |= alt.nullable;
            acc.first.add(&alt.first);
            acc.single = false;
            acc.run = None;
        }
        // A sum of `count` terms is at most `count` times the largest; where at most one branch
        // gets past its first character at any position, only the largest succeeds.
        if !disjoint {
            acc.s += lg(count);
        }
        acc.t += lg(count);
        Some((acc, anchored))
    }

    fn alternative(&mut self) -> Option<(Info, bool)> {
        let anchored = self.peek() == Some('^');
        let mut acc = Info::empty(0.0);
        let mut terms = 0u32;
        let mut last: Option<Info> = None;
        // T of a sequence: each term is attempted once per way its prefix succeeds, and fails
        // at once where it cannot start: a sum of at most 2 · terms products, the largest kept.
        let mut t = 0.0f64;
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let term = self.term()?;
            let mut s = acc.s;
            if let Some(run) = last.as_ref().and_then(|l| l.run.as_ref().map(|r| (l.s, r))) {
                // Only the longest run can be followed by a piece that cannot start with one of
                // its characters: the shorter counts fail at that piece's first character.
                if !term.nullable && !run.1.meets(&term.first) {
                    s -= run.0;
                }
            }
            t = t.max(acc.s).max(s + term.t);
            acc.s = s + term.s;
            if acc.nullable {
                acc.first.add(&term.first);
            }
            acc.nullable &= term.nullable;
            terms += 1;
            last = Some(term);
        }
        if terms == 1 {
            if let Some(only) = last {
                acc = only;
            }
        } else {
            acc.t = t + lg(2.0 * f64::from(terms));
            acc.single = false;
            acc.run = None;
        }
        Some((acc, anchored))
    }

    fn term(&mut self) -> Option<Info> {
        let atom = self.atom()?;
        let (lo, hi) = match self.peek() {
            Some('{') => match self.braces() {
                Some(q) => q,
                // A `{` that is not a quantifier is the character itself (outside `u` mode).
                None => return Some(atom),
            },
            Some(c @ ('*' | '+' | '?')) => {
                self.i += 1;
                match c {
                    '*' => (0.0, None),
                    '+' => (1.0, None),
                    _ => (0.0, Some(1.0)),
                }
            }
            _ => return Some(atom),
        };
        self.eat('?'); // lazy: the same paths in another order
        Some(self.repeat(atom, lo, hi))
    }

    /// `{n}`, `{n,}` or `{n,m}` at the cursor, consumed through its `}` when it is one.
    fn braces(&mut self) -> Option<(f64, Option<f64>)> {
        let start = self.i;
        self.i += 1;
        let q = match (self.number(), self.peek()) {
            (Some(lo), Some('}')) => Some((lo, Some(lo))),
            (Some(lo), Some(',')) => {
                self.i += 1;
                match (self.number(), self.peek()) {
                    (hi, Some('}')) => Some((lo, hi)),
                    _ => None,
                }
            }
            _ => None,
        };
        if q.is_some() {
            self.i += 1;
        } else {
            self.i = start;
        }
        q
    }

    fn number(&mut self) -> Option<f64> {
        let start = self.i;
        let mut v = 0f64;
        while let Some(d) = self.peek().and_then(|c| c.to_digit(10)) {
            v = v * 10.0 + f64::from(d);
            self.i += 1;
        }
        (self.i > start).then_some(v)
    }

    fn repeat(&self, c: Info, lo: f64, hi: Option<f64>) -> Info {
        // Iterations past `lo` must consume a character (ECMA-262's empty check), so there are
        // at most lo + n; an iteration of a piece that cannot match empty consumes one at least,
        // so at most n + 1 of them get past their first character.
        let most = hi.unwrap_or(f64::INFINITY).min(lo + self.n);
        let busy = if c.nullable {
            most
        } else {
            most.min(self.n + 1.0)
        };
        let counts = lg(most - lo + 1.0);
        // Ways: one per count, times the piece's ways for each iteration.
        let s = counts + busy * c.s;
        // Steps: every successful prefix of iterations attempts one more.
        let t = lg(busy + 1.0) + busy * c.s + c.t;
        Info {
            s,
            t,
            nullable: c.nullable || lo == 0.0,
            run: (c.single && hi != Some(lo)).then(|| c.first.clone()),
            first: c.first,
            single: false,
        }
    }

    fn atom(&mut self) -> Option<Info> {
        let c = self.peek()?;
        self.i += 1;
        match c {
            '^' | '$' => Some(Info::empty(0.0)),
            '.' => Some(Info::char_set(Set::Any)),
            '[' => self.class().map(Info::char_set),
            '\\' => self.escape(),
            '(' => self.group(),
            '*' | '+' | '?' | ')' | '|' => None,
            c => Some(Info::char_set(Set::one(c as u32))),
        }
    }

    fn group(&mut self) -> Option<Info> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return None;
        }
        let mut assertion = false;
        if self.eat('?') {
            match self.peek()? {
                ':' => self.i += 1,
                '=' | '!' => {
                    self.i += 1;
                    assertion = true;
                }
                '<' if matches!(self.s.get(self.i + 1), Some('=' | '!')) => {
                    self.i += 2;
                    assertion = true;
                }
                '<' => {
                    // A named group: skip the name.
                    while self.peek()? != '>' {
                        self.i += 1;
                    }
                    self.i += 1;
                }
                _ => return None,
            }
        }
        let (inner, _) = self.disjunction()?;
        if !self.eat(')') {
            return None;
        }
        self.depth -= 1;
        Some(if assertion {
            // Zero-width and atomic: one way, its body's steps.
            Info::empty(inner.t)
        } else {
            Info {
                single: false,
                run: None,
                ..inner
            }
        })
    }

    /// After a `\` outside a class.
    fn escape(&mut self) -> Option<Info> {
        let c = self.peek()?;
        match c {
            'b' | 'B' => {
                self.i += 1;
                Some(Info::empty(0.0))
            }
            '1'..='9' => {
                // A backreference: one way to match, up to n characters compared.
                self.number();
                Some(self.backreference())
            }
            'k' => {
                self.i += 1;
                if self.eat('<') {
                    while self.peek()? != '>' {
                        self.i += 1;
                    }
                    self.i += 1;
                }
                Some(self.backreference())
            }
            _ => self.class_escape().map(Info::char_set),
        }
    }

    fn backreference(&self) -> Info {
        Info {
            s: 0.0,
            t: lg(self.n + 1.0),
            nullable: true,
            first: Set::Any,
            single: false,
            run: None,
        }
    }

    /// An escape that stands for characters (in or outside a class), after the `\`.
    fn class_escape(&mut self) -> Option<Set> {
        let c = self.peek()?;
        self.i += 1;
        let set = |r: &[(u32, u32)]| Set::Ranges(r.to_vec());
        Some(match c {
            'd' => set(DIGIT),
            'w' => set(WORD),
            's' => set(SPACE),
            'D' | 'W' | 'S' => Set::Any,
            'p' | 'P' => {
                if self.eat('{') {
                    while self.peek()? != '}' {
                        self.i += 1;
                    }
                    self.i += 1;
                }
                Set::Any
            }
            't' => Set::one(9),
            'n' => Set::one(10),
            'v' => Set::one(11),
            'f' => Set::one(12),
            'r' => Set::one(13),
            '0' => Set::one(0),
            'c' => {
                let l = self.peek()?;
                self.i += 1;
                Set::one(l as u32 % 32)
            }
            'x' => Set::one(self.hex(2)?),
            'u' => {
                if self.eat('{') {
                    let start = self.i;
                    while self.peek()?.is_ascii_hexdigit() {
                        self.i += 1;
                    }
                    let digits: String = self.s[start..self.i].iter().collect();
                    if !self.eat('}') {
                        return None;
                    }
                    Set::one(u32::from_str_radix(&digits, 16).ok()?)
                } else {
                    // A surrogate pair `\uD83D\uDE00` is one code point; any value serves here.
                    Set::Ranges(vec![(self.hex(4)?, 0x10ffff)])
                }
            }
            c => Set::one(c as u32),
        })
    }

    fn hex(&mut self, len: usize) -> Option<u32> {
        let digits: String = self.s.get(self.i..self.i + len)?.iter().collect();
        self.i += len;
        u32::from_str_radix(&digits, 16).ok()
    }

    /// After a `[`, through its `]`.
    fn class(&mut self) -> Option<Set> {
        let negated = self.eat('^');
        let mut set = Set::none();
        loop {
            let c = self.peek()?;
            self.i += 1;
            let item = match c {
                ']' => break,
                '\\' if self.peek() == Some('b') => {
                    self.i += 1;
                    Set::one(8)
                }
                '\\' if self.peek() == Some('-') => {
                    self.i += 1;
                    Set::one('-' as u32)
                }
                '\\' => self.class_escape()?,
                c => Set::one(c as u32),
            };
            // A range `a-z` (a `-` before `]` is the character).
            if self.peek() == Some('-') && self.s.get(self.i + 1).is_some_and(|&c| c != ']') {
                self.i += 1;
                let hi = match self.peek()? {
                    '\\' => {
                        self.i += 1;
                        self.class_escape()?
                    }
                    c => {
                        self.i += 1;
                        Set::one(c as u32)
                    }
                };
                match (item, hi) {
                    (Set::Ranges(a), Set::Ranges(b)) if a.len() == 1 && b.len() == 1 => {
                        set.add(&Set::Ranges(vec![(a[0].0, b[0].1.max(a[0].0))]))
                    }
                    _ => set = Set::Any,
                }
                continue;
            }
            set.add(&item);
        }
        Some(if negated { Set::Any } else { set })
    }
}

#[cfg(test)]
mod tests {
    // The whole crate (no part to wait for) answers `Ok` always.
    fn cost_bits(p: &str, n: usize) -> f64 {
        super::cost_bits(p, n).unwrap()
    }
    fn within_budget(p: &str, n: usize) -> bool {
        super::within_budget(p, n).unwrap()
    }

    #[test]
    fn common_patterns_pass_at_realistic_lengths() {
        for (p, n) in [
            ("^did:[a-z0-9]+:[A-Za-z0-9._:%-]+$", 10_000),
            ("^0x[0-9a-fA-F]{40}$", 1_000_000),
            ("^[a-z]+$", 1_000_000),
            ("^(\\d{1,3}\\.){3}\\d{1,3}$", 100_000),
            ("^https?://[^\\s]+$", 100_000),
            ("^[\\w.+-]+@[\\w-]+\\.[\\w.-]+$", 2_000),
            ("(foo|bar)+", 10_000),
            ("^(\\w|-)+$", 100_000),
            ("\\S", 1_000_000),
            ("^\\p{L}+$", 100_000),
            ("^#[0-9a-f]{6}$", 1_000_000),
            ("^(?:[a-z0-9-]+\\.)*[a-z0-9-]+$", 100),
        ] {
            assert!(within_budget(p, n), "{p} at {n}: {}", cost_bits(p, n));
        }
    }

    #[test]
    fn backtracking_patterns_are_bounded_by_length() {
        // Exponential: refused past a few characters (the bound of a repeated piece with several
        // ways is loose: each iteration is counted with the whole string available).
        for p in [
            "(a|a)*b",
            "(a+)+b",
            "^(\\w|\\d)+$",
            "(x+x+)+y",
            "^([a-z]+ ?)*$",
        ] {
            assert!(within_budget(p, 2), "{p}: {}", cost_bits(p, 2));
            assert!(!within_budget(p, 40), "{p}: {}", cost_bits(p, 40));
        }
        // Polynomial: refused at lengths where the match would take seconds.
        for p in [".*.*.*x", "a.*b.*c", "i...*..*....*.ggg"] {
            assert!(within_budget(p, 50), "{p}");
            assert!(!within_budget(p, 2_000), "{p}: {}", cost_bits(p, 2_000));
        }
        // Exponential in the pattern's own repeat count: refused even on the empty string,
        // where `(a?){40}` has one way.
        assert!(!within_budget("(a?|b?){200}c", 0));
        assert!(within_budget("(a?){40}a{40}", 0));
        assert!(!within_budget("(a?){40}a{40}", 40));
    }

    #[test]
    fn unparsed_syntax_costs_infinity() {
        for p in ["(a", "a)", "[a", "(?<n", "(((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((a)))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))"] {
            assert_eq!(cost_bits(p, 1), f64::INFINITY, "{p}");
        }
    }
}
#[cfg(all(test, not(target_arch = "wasm32")))]
mod calib {
    #[test]
    #[ignore]
    fn calibrate() {
        for (p, text) in [
            ("(a|a)*b", "a".repeat(20)),
            ("(a|a)*b", "a".repeat(22)),
            (".*.*.*x", "y".repeat(200)),
            (".*.*.*x", "y".repeat(400)),
            ("i...*..*....*.ggg", "i".repeat(200)),
            ("(foo|bar)+", "q".repeat(10000)),
            ("(\\w+)*!", "a".repeat(20)),
        ] {
            let re = regress::Regex::with_flags(p, "u").unwrap();
            let t = std::time::Instant::now();
            let m = re.find(&text).is_some();
            let el = t.elapsed().as_secs_f64();
            let bits = super::cost_bits(p, text.chars().count()).unwrap();
            println!(
                "{p} n={} match={m} {:.4}s bound 2^{bits:.1} => {:.2} ns/step",
                text.len(),
                el,
                el * 1e9 / bits.exp2()
            );
        }
    }
}
