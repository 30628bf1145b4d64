//! JSON text into `crate::codec::Value`s, and values into serde types: our own reader.
//!
//! Why our own rather than `serde_json`'s deserializer (its `Number` is still used; the value is
//! ours, `codec::value`, and so is the writer, `codec::json_write`): bytes on the page
//! (BENCHMARKS.md). serde_json's `Deserializer` is generic over its reader, so it was linked
//! twice (from `&str` and from `&[u8]`), and every type it fills got its own inlined copy of the
//! whole struct reader (~1.5 KB each, 40 KB of the wasm in all). Here text is read into a `Value` by one non-generic function
//! (an object's repeated key refused), and a `Value` into a type by [`from_value`]; the package's
//! own shapes are read by hand ([`Members`]).
//!
//! What it accepts is RFC 8259 JSON, as `serde_json` does: no trailing commas, comments, NaN or
//! lone surrogates; at most 128 levels of nesting. Numbers become `u64` or `i64` when they are
//! integers that fit, `f64` otherwise (see [`parse_float`] for how exactly).

use std::fmt;

use serde::de::{self, Visitor};

const MAX_DEPTH: u32 = 128;

/// Why JSON text could not be read as the type asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError(String);

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for JsonError {}

impl de::Error for JsonError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        JsonError(msg.to_string())
    }
    super::invalid_type_and_value!(JsonError);
}

type Result<T, E = JsonError> = std::result::Result<T, E>;

/// Read `text` as one JSON value, with nothing but whitespace around it. What the package reads
/// JSON into: a `Value`, built directly (no copy through serde).
pub fn parse_str(text: &str) -> Result<crate::codec::Value> {
    let mut p = Parser {
        s: text,
        pos: 0,
        depth: 0,
    };
    let value = p.value()?;
    p.ws();
    if p.pos != text.len() {
        return Err(p.error("trailing characters"));
    }
    Ok(value)
}

/// [`parse_str`] on bytes, which must be UTF-8.
pub fn parse_slice(bytes: &[u8]) -> Result<crate::codec::Value> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        JsonError(format!(
            "JSON text is not UTF-8 at byte {}",
            e.valid_up_to()
        ))
    })?;
    parse_str(text)
}

/// `value` as compact JSON text, by our writer ([`super::json_write`]): the package's one way to
/// print a `Value` (its `Display` calls it), into a `Vec` like every other JSON text of the package.
pub fn text(value: &crate::codec::Value) -> String {
    // Cannot fail: a `Value`'s keys are strings and its numbers finite.
    super::json_write::to_string(value).unwrap_or_default()
}

/// A JSON Pointer token's text (RFC 6901: `~1` is `/`, `~0` is `~`, in one pass, so `~01` is
/// `~1`). Ours rather than `str::replace`, so that the wasm links no substring searcher (bytes).
/// For the same reason `contains` is byte-wise here and in `stream::formats`: `str::contains(char)`
/// is not inlined at opt-level "z", and its non-ASCII branch links the searcher.
pub fn unescape_token(token: &str) -> std::borrow::Cow<'_, str> {
    if !token.as_bytes().contains(&b'~') {
        return std::borrow::Cow::Borrowed(token);
    }
    let mut out = String::with_capacity(token.len());
    let mut chars = token.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('~', Some('1')) => {
                chars.next();
                out.push('/');
            }
            ('~', Some('0')) => {
                chars.next();
                out.push('~');
            }
            _ => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A JSON Pointer token as an array index: decimal digits, `0` or without a leading zero.
pub fn array_index(token: &str) -> Option<usize> {
    let digits = !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit());
    if !digits || (token.len() > 1 && token.starts_with('0')) {
        return None;
    }
    token.parse().ok()
}

/// The value a JSON Pointer names in `root` (RFC 6901; `""` is `root` itself), as serde_json's
/// `Value::pointer` answers (array indices by [`array_index`]). Our `Value::pointer` calls this.
pub fn pointer<'a>(
    root: &'a crate::codec::Value,
    pointer: &str,
) -> Option<&'a crate::codec::Value> {
    if pointer.is_empty() {
        return Some(root);
    }
    let rest = pointer.strip_prefix('/')?;
    rest.split('/').try_fold(root, |node, token| {
        let token = unescape_token(token);
        match node {
            crate::codec::Value::Object(map) => map.get(token.as_ref()),
            crate::codec::Value::Array(items) => array_index(&token).and_then(|i| items.get(i)),
            _ => None,
        }
    })
}

/// Read `text` as a `T`: [`parse_str`], then the value as a `T` ([`from_value`]).
pub fn from_str<T: de::DeserializeOwned>(text: &str) -> Result<T> {
    from_value(&parse_str(text)?)
}

/// [`from_str`] on bytes, which must be UTF-8.
pub fn from_slice<T: de::DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    from_value(&parse_slice(bytes)?)
}

struct Parser<'de> {
    s: &'de str,
    pos: usize,
    depth: u32,
}

/// One token: a scalar, or the opening bracket of an array or object.
enum Tok<'de> {
    Null,
    Bool(bool),
    Uint(u64),
    Int(i64),
    Float(f64),
    Str(Text<'de>),
    Array,
    Object,
}

/// A string: borrowed from the input when it has no escapes.
enum Text<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl From<Text<'_>> for String {
    fn from(t: Text<'_>) -> String {
        match t {
            Text::Borrowed(s) => s.into(),
            Text::Owned(s) => s,
        }
    }
}

impl<'de> Parser<'de> {
    fn error(&self, what: &str) -> JsonError {
        JsonError(format!("{what} at byte {}", self.pos))
    }

    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.pos).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// After whitespace: is the next byte `b`? Consumes it if so.
    fn eat(&mut self, b: u8) -> bool {
        self.ws();
        let yes = self.peek() == Some(b);
        self.pos += usize::from(yes);
        yes
    }

    fn literal(&mut self, word: &str, tok: Tok<'de>) -> Result<Tok<'de>> {
        if self.s[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(tok)
        } else {
            Err(self.error("expected a JSON value"))
        }
    }

    fn token(&mut self) -> Result<Tok<'de>> {
        self.ws();
        match self.peek() {
            Some(b'n') => self.literal("null", Tok::Null),
            Some(b't') => self.literal("true", Tok::Bool(true)),
            Some(b'f') => self.literal("false", Tok::Bool(false)),
            Some(b'"') => {
                self.pos += 1;
                Ok(Tok::Str(self.string()?))
            }
            Some(b'[') => {
                self.pos += 1;
                Ok(Tok::Array)
            }
            Some(b'{') => {
                self.pos += 1;
                Ok(Tok::Object)
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            None => Err(self.error("JSON text ends where a value should be")),
            _ => Err(self.error("expected a JSON value")),
        }
    }

    /// The rest of a string, after its opening quote.
    fn string(&mut self) -> Result<Text<'de>> {
        let bytes = self.s.as_bytes();
        let start = self.pos;
        let mut owned: Option<String> = None;
        let mut run = start;
        loop {
            let Some(&b) = bytes.get(self.pos) else {
                return Err(self.error("unterminated string"));
            };
            match b {
                b'"' => {
                    let tail = &self.s[run..self.pos];
                    self.pos += 1;
                    return Ok(match owned {
                        None => Text::Borrowed(tail),
                        Some(mut o) => {
                            o.push_str(tail);
                            Text::Owned(o)
                        }
                    });
                }
                b'\\' => {
                    let o = owned.get_or_insert_with(String::new);
                    o.push_str(&self.s[run..self.pos]);
                    let escape = bytes.get(self.pos + 1).copied();
                    self.pos += 2;
                    o.push(match escape {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => self.unicode_escape()?,
                        _ => return Err(self.error("invalid escape in string")),
                    });
                    run = self.pos;
                }
                0..=0x1f => return Err(self.error("control character in string")),
                _ => self.pos += 1,
            }
        }
    }

    fn hex4(&mut self) -> Result<u32> {
        let digits = self
            .s
            .get(self.pos..self.pos + 4)
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| self.error("invalid \\u escape"))?;
        self.pos += 4;
        u32::from_str_radix(digits, 16).map_err(|_| self.error("invalid \\u escape"))
    }

    /// The character of a `\u` escape (its digits next), joining a surrogate pair.
    fn unicode_escape(&mut self) -> Result<char> {
        let hi = self.hex4()?;
        let code = match hi {
            0xd800..=0xdbff => {
                if !self.s[self.pos..].starts_with("\\u") {
                    return Err(self.error("lone leading surrogate in \\u escape"));
                }
                self.pos += 2;
                let lo = self.hex4()?;
                if !(0xdc00..=0xdfff).contains(&lo) {
                    return Err(self.error("lone leading surrogate in \\u escape"));
                }
                0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00)
            }
            0xdc00..=0xdfff => return Err(self.error("lone trailing surrogate in \\u escape")),
            c => c,
        };
        char::from_u32(code).ok_or_else(|| self.error("invalid \\u escape"))
    }

    fn number(&mut self) -> Result<Tok<'de>> {
        let bytes = self.s.as_bytes();
        let start = self.pos;
        let neg = bytes[self.pos] == b'-';
        self.pos += usize::from(neg);
        let digits = |p: &mut Self| {
            let from = p.pos;
            while matches!(p.peek(), Some(b'0'..=b'9')) {
                p.pos += 1;
            }
            p.pos - from
        };
        let int_start = self.pos;
        let int_len = digits(self);
        if int_len == 0 || (int_len > 1 && bytes[int_start] == b'0') {
            return Err(self.error("invalid number"));
        }
        let mut integer = true;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            integer = false;
            if digits(self) == 0 {
                return Err(self.error("invalid number"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            integer = false;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return Err(self.error("invalid number"));
            }
        }
        let text = &self.s[start..self.pos];
        if integer {
            let mut n: u64 = 0;
            let fits = text[usize::from(neg)..].bytes().all(|d| {
                n.checked_mul(10)
                    .and_then(|m| m.checked_add(u64::from(d - b'0')))
                    .map(|m| n = m)
                    .is_some()
            });
            if fits && !neg {
                return Ok(Tok::Uint(n));
            }
            // `-0` is the float -0.0, as serde_json reads it.
            if fits && n != 0 && n <= 1 << 63 {
                return Ok(Tok::Int((n as i64).wrapping_neg()));
            }
        }
        let f = parse_float(text).ok_or_else(|| self.error("number out of range"))?;
        Ok(Tok::Float(f))
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("JSON nested too deep"));
        }
        Ok(())
    }

    /// Between the items of an array or object: `true` at its end (`close` consumed), `false`
    /// when another item follows.
    fn next(&mut self, first: bool, close: u8) -> Result<bool> {
        if self.eat(close) {
            return Ok(true);
        }
        if !first && !self.eat(b',') {
            return Err(self.error("expected `,` or the end of the array or object"));
        }
        if !first {
            self.ws();
            if self.peek() == Some(close) {
                return Err(self.error("trailing comma"));
            }
        }
        Ok(false)
    }

    /// An object key and its colon.
    fn key(&mut self) -> Result<Text<'de>> {
        if !self.eat(b'"') {
            return Err(self.error("expected a string key"));
        }
        let key = self.string()?;
        if !self.eat(b':') {
            return Err(self.error("expected `:`"));
        }
        Ok(key)
    }

    /// One whole value, built directly as a `crate::codec::Value`. An object whose key repeats is
    /// refused: the typed values read from here (JWS headers, node answers, definitions) were
    /// read by serde's derive before, which refused a repeated field, as serde_json's readers
    /// in ceramic-one do.
    fn value(&mut self) -> Result<crate::codec::Value> {
        use crate::codec::Value as V;
        Ok(match self.token()? {
            Tok::Null => V::Null,
            Tok::Bool(b) => V::Bool(b),
            Tok::Uint(n) => V::from(n),
            Tok::Int(n) => V::from(n),
            Tok::Float(f) => crate::codec::Number::from_f64(f).map_or(V::Null, V::Number),
            Tok::Str(t) => V::String(t.into()),
            Tok::Array => {
                self.enter()?;
                let (mut items, mut first) = (Vec::new(), true);
                while !self.next(first, b']')? {
                    first = false;
                    items.push(self.value()?);
                }
                self.depth -= 1;
                V::Array(items)
            }
            Tok::Object => {
                self.enter()?;
                let start = self.pos - 1;
                let (mut entries, mut first) = (Vec::new(), true);
                while !self.next(first, b'}')? {
                    first = false;
                    let key: String = self.key()?.into();
                    entries.push((key, self.value()?));
                }
                self.depth -= 1;
                V::Object(super::Map::from_entries(entries).map_err(|key| {
                    // A key can be megabytes long: its first 64 characters name it.
                    let shown: String = key.chars().take(64).collect();
                    let more = if shown.len() < key.len() { "…" } else { "" };
                    JsonError(format!(
                        "repeated key {}{more} in the object at byte {start}",
                        super::quoted(&shown)
                    ))
                })?)
            }
        })
    }
}

/// Powers of ten a double holds exactly.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// A JSON number (already checked against the grammar) as the nearest double, `None` beyond the
/// doubles' range.
///
/// Exact (correctly rounded) when the digits fit in 2^53 and the power of ten is at most 22 either
/// way (one rounding, Clinger's fast path); when up to 19 digits scaled by 10^-21 to 10^19 fit
/// 128-bit arithmetic (`exact`: where a double's shortest digits can tie); and for every other
/// number written as JavaScript writes doubles (the shortest digits that name one double: the
/// estimate and its neighbours are each printed shortest by `core`, already linked, and the one
/// printed as the input is taken). Other inputs — more digits than a double needs, far exponents —
/// get the estimate, within a few units in the last place, as `serde_json` gives by default. Why
/// not `str::parse::<f64>`: its tables are ~20 KB of wasm.
pub fn parse_float(text: &str) -> Option<f64> {
    let (neg, body) = match text.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, text),
    };
    // An exponent beyond i64 (the grammar was checked: only overflow fails) saturates, and so does
    // the arithmetic below: out of range or zero, as serde_json reads them.
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => {
            let digits = &body[i + 1..];
            let exp = digits.parse::<i64>().unwrap_or(if digits.starts_with('-') {
                i64::MIN
            } else {
                i64::MAX
            });
            (&body[..i], exp)
        }
        None => (body, 0),
    };
    // Significant digits and the power of ten that scales them.
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all = int.bytes().chain(frac.bytes());
    let mut digits: Vec<u8> = all.skip_while(|&d| d == b'0').collect();
    let mut exp10 = exp.saturating_sub(frac.len() as i64);
    while digits.last() == Some(&b'0') {
        digits.pop();
        exp10 = exp10.saturating_add(1);
    }
    if digits.is_empty() {
        return Some(if neg { -0.0 } else { 0.0 });
    }
    // 10^(exp10 + digits) beyond the doubles' range either way (saturating: exponents near
    // i64's ends are untrusted input too).
    let magnitude = exp10.saturating_add(digits.len() as i64);
    if magnitude > 310 {
        return None;
    }
    if magnitude < -330 {
        return Some(if neg { -0.0 } else { 0.0 });
    }
    let sign = if neg { -1.0 } else { 1.0 };
    let mut m: u64 = 0;
    for &d in digits.iter().take(19) {
        m = m * 10 + u64::from(d - b'0');
    }
    let dropped = digits.len().saturating_sub(19) as i64;
    let e = exp10 + dropped; // = magnitude - min(len, 19): within ±350
    if dropped == 0 && m < 1 << 53 && (-22..=22).contains(&e) {
        let f = m as f64;
        let f = if e >= 0 {
            f * POW10[e as usize]
        } else {
            f / POW10[(-e) as usize]
        };
        return Some(sign * f);
    }
    if dropped == 0 {
        if let Some(f) = exact(m, e) {
            return Some(sign * f);
        }
    }
    let mut estimate = scale(m as f64, e);
    if magnitude == 309 && (estimate.is_infinite() || estimate == f64::MAX) {
        // Near the largest double the roundings above can land either side of it: the digits
        // decide. From 2^1024 - 2^970 (half a unit past the largest double, which rounds to even:
        // up) a number is out of range; below it, it is the largest double or one near it (found
        // below). Both digit strings have no trailing zeros and the same magnitude, so comparing
        // them compares the numbers; a tie is out of range.
        const HALF_PAST_MAX: &[u8] = b"179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792";
        if digits.as_slice() >= HALF_PAST_MAX {
            return None;
        }
        estimate = f64::MAX;
    }
    if !estimate.is_finite() {
        return None;
    }
    // The double whose shortest digits are the input's, if one near the estimate is: nearest
    // first, outwards.
    let wanted = (std::str::from_utf8(&digits).ok()?, magnitude);
    let bits = estimate.to_bits();
    for step in 0..33u64 {
        let off = step.div_ceil(2);
        let b = if step % 2 == 1 {
            bits.checked_add(off)
        } else {
            bits.checked_sub(off)
        };
        let Some(candidate) = b.map(f64::from_bits) else {
            continue;
        };
        match shortest_digits(candidate) {
            Some((d, k)) if (d.as_str(), k) == wanted => return Some(sign * candidate),
            _ => {}
        }
    }
    Some(sign * estimate)
}

/// `m × 10^e` correctly rounded (to nearest, ties to even), where 128-bit integers hold enough of
/// it: `e` from 0 to 19 exactly, `e` from -21 to -1 as a quotient of at least 57 bits with the
/// remainder as a sticky bit. This is where a double's shortest digits can sit exactly halfway
/// between two doubles' digits, which the shortest-digits check below cannot settle.
fn exact(m: u64, e: i64) -> Option<f64> {
    let m = u128::from(m);
    if (0..=19).contains(&e) {
        return Some((m * 10u128.pow(e as u32)) as f64);
    }
    if (-21..0).contains(&e) && m != 0 {
        let shift = m.leading_zeros(); // at least 64: the numerator uses all 128 bits
        let n = m << shift;
        let d = 10u128.pow((-e) as u32);
        let q = (n / d) | u128::from(n % d != 0);
        return Some(q as f64 * 2f64.powi(-(shift as i32)));
    }
    None
}

/// `f × 10^e`, by exact powers of ten (a few roundings).
fn scale(mut f: f64, mut e: i64) -> f64 {
    while e > 22 {
        f *= 1e22;
        e -= 22;
    }
    while e < -22 {
        f /= 1e22;
        e += 22;
        if f == 0.0 {
            return f;
        }
    }
    if e >= 0 {
        f * POW10[e as usize]
    } else {
        f / POW10[(-e) as usize]
    }
}

/// The shortest digits that name `f` (positive) and where its decimal point goes:
/// `(digits, k)` with `f ≈ 0.digits × 10^k`.
fn shortest_digits(f: f64) -> Option<(String, i64)> {
    if !(f.is_finite() && f > 0.0) {
        return None;
    }
    let (digits, k) = super::shortest_digits(f);
    Some((digits, k.into()))
}

/// An object key handed to a visitor.
struct Key<'de>(Text<'de>);

impl<'de> de::Deserializer<'de> for Key<'de> {
    type Error = JsonError;
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.0 {
            Text::Borrowed(s) => visitor.visit_borrowed_str(s),
            Text::Owned(s) => visitor.visit_string(s),
        }
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

/// The members of a JSON object, read by hand as typed values.
///
/// Why not `from_value` with serde's derive: each derived type inlines its own struct reader
/// (~1 K of wasm apiece, 17 of them for node answers, JWS headers, Model definitions and the
/// like; BENCHMARKS.md). Other members are ignored, as serde's derive ignores them.
pub struct Members<'a> {
    map: &'a crate::codec::Map<String, crate::codec::Value>,
    what: &'a str,
}

fn kind(v: &crate::codec::Value) -> &'static str {
    use crate::codec::Value as V;
    match v {
        V::Null => "null",
        V::Bool(_) => "a boolean",
        V::Number(_) => "a number",
        V::String(_) => "a string",
        V::Array(_) => "an array",
        V::Object(_) => "an object",
    }
}

impl<'a> Members<'a> {
    /// The members of `value`, which must be an object; `what` names it in errors.
    pub fn of(value: &'a crate::codec::Value, what: &'a str) -> Result<Self> {
        match value {
            crate::codec::Value::Object(map) => Ok(Members { map, what }),
            other => Err(JsonError(format!(
                "{what}: {}, expected an object",
                kind(other)
            ))),
        }
    }

    /// A member, `null` included.
    pub fn get(&self, key: &str) -> Option<&'a crate::codec::Value> {
        self.map.get(key)
    }

    fn wrong(&self, key: &str, v: &crate::codec::Value, expected: &str) -> JsonError {
        JsonError(format!(
            "{}.{key}: {}, expected {expected}",
            self.what,
            kind(v)
        ))
    }

    /// A required member.
    pub fn req(&self, key: &str) -> Result<&'a crate::codec::Value> {
        self.map
            .get(key)
            .ok_or_else(|| JsonError(format!("{}: missing field `{key}`", self.what)))
    }

    /// An optional member: absent or `null` is `None`.
    pub fn opt(&self, key: &str) -> Option<&'a crate::codec::Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// A required string.
    pub fn string(&self, key: &str) -> Result<String> {
        let v = self.req(key)?;
        v.as_str()
            .map(String::from)
            .ok_or_else(|| self.wrong(key, v, "a string"))
    }

    /// An optional string.
    pub fn opt_string(&self, key: &str) -> Result<Option<String>> {
        self.opt(key)
            .map(|v| {
                v.as_str()
                    .map(String::from)
                    .ok_or_else(|| self.wrong(key, v, "a string"))
            })
            .transpose()
    }

    /// An optional boolean.
    pub fn opt_bool(&self, key: &str) -> Result<Option<bool>> {
        self.opt(key)
            .map(|v| v.as_bool().ok_or_else(|| self.wrong(key, v, "a boolean")))
            .transpose()
    }

    /// An optional array of strings.
    pub fn opt_strings(&self, key: &str) -> Result<Option<Vec<String>>> {
        self.opt(key)
            .map(|v| strings(v).ok_or_else(|| self.wrong(key, v, "an array of strings")))
            .transpose()
    }

    /// A required array.
    pub fn array(&self, key: &str) -> Result<&'a Vec<crate::codec::Value>> {
        let v = self.req(key)?;
        v.as_array().ok_or_else(|| self.wrong(key, v, "an array"))
    }

    /// An optional array.
    pub fn opt_array(&self, key: &str) -> Result<Option<&'a Vec<crate::codec::Value>>> {
        self.opt(key)
            .map(|v| v.as_array().ok_or_else(|| self.wrong(key, v, "an array")))
            .transpose()
    }

    /// An optional object.
    pub fn opt_object(
        &self,
        key: &str,
    ) -> Result<Option<&'a crate::codec::Map<String, crate::codec::Value>>> {
        self.opt(key)
            .map(|v| v.as_object().ok_or_else(|| self.wrong(key, v, "an object")))
            .transpose()
    }
}

/// `value` as an array of strings.
pub fn strings(value: &crate::codec::Value) -> Option<Vec<String>> {
    value
        .as_array()?
        .iter()
        .map(|s| s.as_str().map(String::from))
        .collect()
}

/// Read a `crate::codec::Value` as a `T` (serde_json's `from_value`, without cloning the value and
/// with a short dispatch per type, as the text reader above).
pub fn from_value<'de, T: de::Deserialize<'de>>(value: &'de crate::codec::Value) -> Result<T> {
    T::deserialize(ValueDe(value))
}

struct ValueDe<'de>(&'de crate::codec::Value);

fn value_kind(v: &crate::codec::Value) -> &'static str {
    use crate::codec::Value as V;
    match v {
        V::Null => "null",
        V::Bool(_) => "a boolean",
        V::Number(n) if n.is_f64() => "a number",
        V::Number(_) => "an integer",
        V::String(_) => "a string",
        V::Array(_) => "an array",
        V::Object(_) => "an object",
    }
}

impl<'de> ValueDe<'de> {
    fn unexpected(&self, expected: &str) -> JsonError {
        JsonError(format!(
            "invalid type: {}, expected {expected}",
            value_kind(self.0)
        ))
    }

    fn seq<V: Visitor<'de>>(items: &'de [crate::codec::Value], visitor: V) -> Result<V::Value> {
        let mut seq = ValueItems(items.iter());
        let value = visitor.visit_seq(&mut seq)?;
        seq.finished()?;
        Ok(value)
    }

    fn map<V: Visitor<'de>>(
        map: &'de crate::codec::Map<String, crate::codec::Value>,
        visitor: V,
    ) -> Result<V::Value> {
        let mut entries = ValueEntries {
            entries: map.iter(),
            value: None,
        };
        visitor.visit_map(&mut entries)
    }
}

impl<'de> de::Deserializer<'de> for ValueDe<'de> {
    type Error = JsonError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        use crate::codec::Value as J;
        match self.0 {
            J::Null => visitor.visit_unit(),
            J::Bool(b) => visitor.visit_bool(*b),
            J::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => visitor.visit_u64(u),
                (_, Some(i)) => visitor.visit_i64(i),
                _ => visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN)),
            },
            J::String(s) => visitor.visit_borrowed_str(s),
            J::Array(a) => Self::seq(a, visitor),
            J::Object(m) => Self::map(m, visitor),
        }
    }
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.0 {
            crate::codec::Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.0 {
            crate::codec::Value::String(s) => visitor.visit_borrowed_str(s),
            _ => Err(self.unexpected("a string")),
        }
    }
    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }
    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.0 {
            crate::codec::Value::Array(a) => Self::seq(a, visitor),
            _ => Err(self.unexpected("an array")),
        }
    }
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.0 {
            crate::codec::Value::Object(m) => Self::map(m, visitor),
            _ => Err(self.unexpected("an object")),
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
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self.0 {
            crate::codec::Value::String(s) => visitor.visit_enum(ValueVariant(s, None)),
            crate::codec::Value::Object(m) if m.len() == 1 => {
                let (k, v) = m.iter().next().ok_or_else(|| self.unexpected("an enum"))?;
                visitor.visit_enum(ValueVariant(k, Some(v)))
            }
            _ => Err(self.unexpected("an enum variant")),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf unit
        unit_struct tuple tuple_struct ignored_any
    }
}

struct ValueItems<'de>(std::slice::Iter<'de, crate::codec::Value>);

impl ValueItems<'_> {
    fn finished(&self) -> Result<()> {
        match self.0.len() {
            0 => Ok(()),
            n => Err(JsonError(format!("{n} more items than expected"))),
        }
    }
}

impl<'de> de::SeqAccess<'de> for ValueItems<'de> {
    type Error = JsonError;
    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>> {
        match self.0.next() {
            Some(v) => seed.deserialize(ValueDe(v)).map(Some),
            None => Ok(None),
        }
    }
}

struct ValueEntries<'de> {
    entries: crate::codec::value::Iter<'de>,
    value: Option<&'de crate::codec::Value>,
}

impl<'de> de::MapAccess<'de> for ValueEntries<'de> {
    type Error = JsonError;
    fn next_key_seed<K: de::DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        match self.entries.next() {
            Some((k, v)) => {
                self.value = Some(v);
                seed.deserialize(Key(Text::Borrowed(k))).map(Some)
            }
            None => Ok(None),
        }
    }
    fn next_value_seed<V: de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        let v = self
            .value
            .take()
            .ok_or_else(|| JsonError("a map value asked for before its key".into()))?;
        seed.deserialize(ValueDe(v))
    }
}

struct ValueVariant<'de>(&'de str, Option<&'de crate::codec::Value>);

impl<'de> de::EnumAccess<'de> for ValueVariant<'de> {
    type Error = JsonError;
    type Variant = Self;
    fn variant_seed<V: de::DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self)> {
        let name = seed.deserialize(Key(Text::Borrowed(self.0)))?;
        Ok((name, self))
    }
}

impl<'de> de::VariantAccess<'de> for ValueVariant<'de> {
    type Error = JsonError;
    fn unit_variant(self) -> Result<()> {
        match self.1 {
            None => Ok(()),
            Some(_) => Err(JsonError("a unit variant is written as its name".into())),
        }
    }
    fn newtype_variant_seed<T: de::DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        seed.deserialize(ValueDe(self.value()?))
    }
    fn tuple_variant<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value> {
        de::Deserializer::deserialize_seq(ValueDe(self.value()?), visitor)
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        de::Deserializer::deserialize_map(ValueDe(self.value()?), visitor)
    }
}

impl<'de> ValueVariant<'de> {
    fn value(&self) -> Result<&'de crate::codec::Value> {
        self.1
            .ok_or_else(|| JsonError("a variant with a value is written as an object".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Value;
    use crate::json;

    /// Our JSON Pointer answers as serde_json's `Value::pointer` (the code it replaced in the wasm)
    /// on every pointer built from a small alphabet of troublesome pieces; tokens unescape as the
    /// two `str::replace` calls did.
    #[test]
    fn pointer_and_unescape_agree_with_serde_json() {
        let root = parse_str(
            r#"{"a":{"b":[10,{"c~d":1,"e/f":2,"~1":3,"":4}],"00":5,"0":6},"":{"":7},"~":8,"~0":9,"/":10}"#,
        )
        .unwrap();
        let pieces = [
            "",
            "a",
            "b",
            "0",
            "1",
            "00",
            "01",
            "+1",
            "2",
            "c~0d",
            "e~1f",
            "~01",
            "~",
            "~0",
            "~1",
            "~2",
            "~~1",
            "x",
            "18446744073709551616",
        ];
        let mut pointers = vec![String::new(), "a".to_string(), "#".to_string()];
        for p in pieces {
            pointers.push(format!("/{p}"));
            for q in pieces {
                pointers.push(format!("/{p}/{q}"));
                for r in ["", "1", "c~0d", "e~1f", "~01", "0"] {
                    pointers.push(format!("/{p}/{q}/{r}"));
                }
            }
        }
        for p in &pointers {
            let theirs = serde_json::Value::from(root.clone()).pointer(p).cloned();
            assert_eq!(pointer(&root, p).cloned(), theirs.map(Value::from), "{p:?}");
        }
        for t in pieces
            .iter()
            .chain(&["a~1b~0c~01", "~~01", "~0~1", "~~10", "é~1ü"])
        {
            assert_eq!(
                unescape_token(t),
                t.replace("~1", "/").replace("~0", "~"),
                "{t:?}"
            );
        }
    }

    #[test]
    fn values_as_serde_json_reads_them() {
        for text in [
            "null",
            " true ",
            "[1, -2, 3.5, \"x\", {\"a\": [null, false]}, []]",
            "{\"k\\n\\u00e9\\ud83d\\ude00\": \"\\\"\\\\\\/\\b\\f\\r\\t\", \"z\": {}}",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "1e300",
            "-0",
            "0.30000000000000004",
            "5e-324",
            "1.7976931348623157e308",
            "123456789012345678901234567890",
            "5.03e-9223372036854775794",
            "1e-99999999999999999999",
            "0e99999999999999999999",
            "-0.0e-5",
            "-1.7976931348623157e308",
        ] {
            let ours: Value = from_str(text).unwrap();
            let theirs: Value = serde_json::from_str(text).unwrap();
            assert_eq!(ours, theirs, "{text}");
        }
    }

    #[test]
    fn invalid_json_is_refused() {
        for text in [
            "",
            " ",
            "nul",
            "[1,]",
            "{\"a\":1,}",
            "[1 2]",
            "{\"a\" 1}",
            "{a:1}",
            "01",
            "1.",
            ".5",
            "1e",
            "-",
            "+1",
            "\"\\x\"",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"a\u{1}\"",
            "\"open",
            "[",
            "{",
            "1 2",
            "NaN",
            "1e99999999999999999999",
            "1e400",
            "[1]]",
            "-7.4516457204329e308",
            "1.7976931348623159e308",
            "999999999999999999999e288",
        ] {
            assert!(from_str::<Value>(text).is_err(), "{text:?}");
            assert!(serde_json::from_str::<Value>(text).is_err(), "{text:?}");
        }
        let deep = "[".repeat(10_000);
        assert!(from_str::<Value>(&deep).is_err());
        let ok = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert_eq!(
            from_str::<Value>(&ok).unwrap(),
            serde_json::from_str::<Value>(&ok).unwrap()
        );
    }

    #[test]
    fn numbers_near_the_largest_double_round_correctly() {
        // As JavaScript's JSON.parse and Rust's `str::parse` read them (correctly rounded; past
        // half a unit above the largest double is out of range). serde_json's default reader is
        // not exact here (it refuses 1.7976931348623158e308 and takes 1.79769313486231581e308).
        for text in [
            "1.7976931348623157e308",
            "1.7976931348623158e308",
            "1.797693134862315807e308",
            "1.79769313486231579e308",
            "1.7976931348623158079e308",
            "1.79769313486231580793e308",
            "17976931348623158079360.27985e286",
            "1.797693134862315807937289714053034150799341327100378269361737789804449682927647509466490179775872070963302864166928879109465555478519404026306574886715058206819089020007083836762738548458177115317644757302700698555713669596228429148198608349364752927190741684443655107043427115596995080930428801779041744977919e308",
            "1.797693134862315807937289714053034150799341327100378269361737789804449682927647509466490179775872070963302864166928879109465555478519404026306574886715058206819089020007083836762738548458177115317644757302700698555713669596228429148198608349364752927190741684443655107043427115596995080930428801779041744977920e308",
            "1.7976931348623158079372897140530341507993413271003782693617377898044496829276475094664901797758720709633028641669288791094655554785194040263065748867150582068190890200070838367627385484581771153176447573027006985557136695962284291481986083493647529271907416844436551070434271155969950809304288017790417449779201e308",
            "1.7976931348623155e308",
            "-1.7976931348623155e308",
            "179769313486231570000000000000000000000e270",
            "1.79769313486231581e308",
            "1.797693134862315808e308",
            "1.7976931348623159e308",
            "-1.8e308",
        ] {
            let exact = text.parse::<f64>().unwrap();
            let ours = parse_float(text);
            if exact.is_finite() {
                assert_eq!(ours.map(f64::to_bits), Some(exact.to_bits()), "{text}");
            } else {
                assert_eq!(ours, None, "{text}");
            }
        }
    }

    #[test]
    fn shortest_floats_are_exact() {
        // Doubles written as JavaScript writes them (Rust's shortest `{}` agrees) read back bit
        // for bit, across the range and at the awkward ends.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let f = f64::from_bits(x);
            if !f.is_finite() {
                continue;
            }
            // Rust's shortest digits and serde_json's (which break ties between two shortest
            // forms as JavaScript does: the even one).
            let json = crate::codec::Number::from_f64(f).unwrap().to_string();
            for text in [format!("{f}"), format!("{f:e}"), json] {
                assert_eq!(parse_float(&text).unwrap().to_bits(), f.to_bits(), "{text}");
            }
        }
        // Doubles of everyday sizes, 2^-80 to 2^80, where halfway cases live.
        for _ in 0..50_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let f = (x >> 11) as f64 * 2f64.powi((x % 160) as i32 - 133);
            let json = crate::codec::Number::from_f64(f).unwrap().to_string();
            for text in [format!("{f}"), json] {
                assert_eq!(parse_float(&text).unwrap().to_bits(), f.to_bits(), "{text}");
            }
        }
        assert_eq!(parse_float("0.1").unwrap(), 0.1);
        // Digits halfway between two doubles' shortest forms (serde_json writes this double so).
        // (-2243949936339818.25 exactly: 2^-2 steps at this size.)
        assert_eq!(
            parse_float("-2243949936339818.2").unwrap(),
            -(8975799745359273.0 / 4.0)
        );
        assert_eq!(
            parse_float("2.2250738585072014e-308").unwrap(),
            2.2250738585072014e-308
        );
        assert_eq!(parse_float("1e-400").unwrap(), 0.0);
        // Exponents at i64's ends: out of range or zero, never an overflow.
        assert!(parse_float("10e9223372036854775807").is_none());
        assert_eq!(parse_float("1.5e-9223372036854775808").unwrap(), 0.0);
        assert_eq!(parse_float("5.03e-9223372036854775794").unwrap(), 0.0);
        assert_eq!(parse_float("1e-99999999999999999999").unwrap(), 0.0);
        assert!(parse_float("1e99999999999999999999").is_none());
        assert_eq!(parse_float("0e99999999999999999999").unwrap(), 0.0);
        assert_eq!(parse_float("100e-9223372036854775807").unwrap(), 0.0);
        assert!(parse_float("1e400").is_none());
    }

    #[test]
    fn repeated_object_keys_are_refused() {
        let e = from_str::<Value>(r#"{"kid": "a", "alg": "EdDSA", "kid": "b"}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            r#"repeated key "kid" in the object at byte 0"#
        );
        let e = parse_str(r#"{"a": {"b": 1, "c": 2, "b": 3}}"#).unwrap_err();
        assert_eq!(e.to_string(), r#"repeated key "b" in the object at byte 6"#);
        let long = "k".repeat(100);
        let e = parse_str(&format!(r#"{{"{long}": 1, "{long}": 2}}"#)).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(r#"repeated key "{}"… in the object at byte 0"#, &long[..64])
        );
        assert!(from_str::<Value>(r#"[{"a": 1}, {"a": 2}, {"b": {"a": 3}}]"#).is_ok());
    }

    #[test]
    fn from_value_reads_as_from_str() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        #[serde(tag = "op", rename_all = "lowercase")]
        enum Op {
            Add { path: String, value: Value },
            Remove { path: String },
        }
        #[derive(serde::Deserialize, Debug, PartialEq)]
        enum Ext {
            Unit,
            New(u8),
            Pair(u8, i64),
            Named { x: Option<f64> },
        }
        let v = json!([{"op": "add", "path": "/a", "value": {"b": [1, -2, 0.5]}}, {"op": "remove", "path": "/a"}]);
        let ops: Vec<Op> = from_value(&v).unwrap();
        assert_eq!(ops, from_str::<Vec<Op>>(&v.to_string()).unwrap());
        assert_eq!(ops, serde_json::from_value::<Vec<Op>>(v.into()).unwrap());
        let v = json!(["Unit", {"New": 3}, {"Pair": [1, -9]}, {"Named": {"x": null}}]);
        let e: Vec<Ext> = from_value(&v).unwrap();
        assert_eq!(
            e,
            serde_json::from_value::<Vec<Ext>>(v.clone().into()).unwrap()
        );
        assert_eq!(e, from_str::<Vec<Ext>>(&v.to_string()).unwrap());
        for bad in [
            json!([{"op": "move"}]),
            json!({"op": "add"}),
            json!([{"op": "add", "path": 1}]),
        ] {
            assert!(from_value::<Vec<Op>>(&bad).is_err());
            assert!(serde_json::from_value::<Vec<Op>>(bad.into()).is_err());
        }
        assert!(from_value::<(u8, u8)>(&json!([1, 2, 3])).is_err());
    }

    #[test]
    fn typed_values_and_their_errors() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        #[serde(rename_all = "camelCase")]
        struct T {
            stream_id: String,
            n: Option<u32>,
            #[serde(default)]
            list: Vec<i8>,
            kind: Kind,
            other: Value,
        }
        #[derive(serde::Deserialize, Debug, PartialEq)]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        enum Kind {
            Anchored,
            Pending,
        }
        let t: T = from_str(
            r#"{"streamId":"k","n":null,"kind":"PENDING","other":{"x":[1]},"unknown":[{"y":2}]}"#,
        )
        .unwrap();
        assert_eq!(
            t,
            T {
                stream_id: "k".into(),
                n: None,
                list: vec![],
                kind: Kind::Pending,
                other: json!({"x": [1]}),
            }
        );
        for (text, needle) in [
            (
                r#"{"n":1,"kind":"PENDING","other":1}"#,
                "missing field `streamId`",
            ),
            (
                r#"{"streamId":1}"#,
                "invalid type: an integer, expected a string",
            ),
            (r#"{"streamId":"k","n":-1}"#, "invalid value"),
            (
                r#"{"streamId":"k","kind":"NEW","other":1}"#,
                "unknown variant",
            ),
            (r#"{"streamId":"k","list":[300]}"#, "invalid value"),
        ] {
            let e = from_str::<T>(text).unwrap_err().to_string();
            assert!(e.contains(needle), "{text}: {e}");
        }
    }
}
