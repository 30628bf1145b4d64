//! JSON Schema `format`s (the subset ajv-formats checks that Ceramic models use), checked by hand.

use crate::codec::time::{parse_date, parse_rfc3339, parse_time};

/// Whether `s` is a valid `format`. Unknown formats are refused earlier, in `check_schema`. In
/// the npm package this is in the lazily loaded part, needed only by schemas with a `format`
/// (`PART_NOT_LOADED` until it is loaded: [`crate::part`]).
pub fn check(format: &str, s: &str) -> crate::error::Result<bool> {
    Ok(check_in_part(
        crate::part::require("schema formats")?,
        format,
        s,
    ))
}

/// The part's root for [`check`] (never inlined: found by name).
#[inline(never)]
fn check_in_part(_: crate::part::Loaded, format: &str, s: &str) -> bool {
    match format {
        // RFC 3339 with a time zone, `T`/`t` or space separator (ajv-formats' full mode).
        "date-time" => parse_rfc3339(s).is_some(),
        "date" => parse_date(s).is_some(),
        "time" => parse_time(s).is_some(),
        "duration" => duration(s),
        "uri" => uri(s, true),
        "uri-reference" => !s.chars().any(|c| c.is_whitespace() || c.is_control()),
        "email" => email(s),
        "uuid" => uuid(s),
        "ipv4" => ipv4(s),
        "ipv6" => ipv6(s),
        "hostname" => hostname(s),
        _ => false,
    }
}

fn duration(s: &str) -> bool {
    // ISO 8601: P[nY][nM][nW][nD][T[nH][nM][nS]], at least one part, T needs a part after it.
    let Some(rest) = s.strip_prefix('P') else {
        return false;
    };
    let (date, time) = match rest.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (rest, None),
    };
    fn parts(s: &str, units: &str) -> Option<usize> {
        let mut n = 0;
        let mut digits = 0;
        let mut order = units.chars();
        for c in s.chars() {
            if c.is_ascii_digit() || (c == '.' && digits > 0) {
                digits += 1;
            } else {
                if digits == 0 || !order.any(|u| u == c) {
                    return None;
                }
                digits = 0;
                n += 1;
            }
        }
        (digits == 0).then_some(n)
    }
    let Some(d) = parts(date, "YMWD") else {
        return false;
    };
    match time {
        None => d > 0,
        Some(t) => parts(t, "HMS").is_some_and(|n| n > 0),
    }
}

fn uri(s: &str, absolute: bool) -> bool {
    if s.chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>')
    {
        return false;
    }
    match s.split_once(':') {
        Some((scheme, _)) => {
            let mut cs = scheme.chars();
            cs.next().is_some_and(|c| c.is_ascii_alphabetic())
                && cs.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => !absolute,
    }
}

fn email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.as_bytes().windows(2).any(|w| w == b"..")
        && local.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || c.is_ascii() && b"!#$%&'*+/=?^_`{|}~.-".contains(&(c as u8))
        })
        && hostname(domain)
        && domain.as_bytes().contains(&b'.')
}

fn uuid(s: &str) -> bool {
    let s = s.strip_prefix("urn:uuid:").unwrap_or(s);
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Dotted decimal, four numbers 0–255 without leading zeros (ajv-formats' `ipv4`). Own code, not
/// `std::net`'s parsers: those are ~3.4 K of wasm.
fn ipv4(s: &str) -> bool {
    let mut n = 0;
    s.split('.').all(|p| {
        n += 1;
        !p.is_empty()
            && p.len() <= 3
            && p.bytes().all(|b| b.is_ascii_digit())
            && (p.len() == 1 || !p.starts_with('0'))
            && p.parse::<u16>().is_ok_and(|v| v <= 255)
    }) && n == 4
}

/// RFC 4291 text: eight groups of 1–4 hex digits, or fewer around one `::` (at least one zero
/// group), the last two may be an embedded IPv4 address (ajv-formats' `ipv6`, which has no zone
/// `%…` since its version 2, and `std::net` agree).
fn ipv6(addr: &str) -> bool {
    // Groups in `part` (an embedded IPv4 address counts two, and only last), at most `limit`.
    fn groups(part: &str, limit: usize) -> Option<(usize, bool)> {
        if part.is_empty() {
            return Some((0, false));
        }
        let mut n = 0;
        let mut v4 = false;
        let mut pieces = part.split(':').peekable();
        while let Some(p) = pieces.next() {
            if pieces.peek().is_none() && p.as_bytes().contains(&b'.') {
                if !ipv4(p) {
                    return None;
                }
                n += 2;
                v4 = true;
            } else if (1..=4).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_hexdigit()) {
                n += 1;
            } else {
                return None;
            }
        }
        (n <= limit).then_some((n, v4))
    }
    // Not `split_once("::")`: the substring searcher's code for this one call.
    let double_colon = addr.as_bytes().windows(2).position(|w| w == b"::");
    match double_colon.map(|i| (&addr[..i], &addr[i + 2..])) {
        None => groups(addr, 8).is_some_and(|(n, _)| n == 8),
        Some((head, tail)) => {
            let Some((h, false)) = groups(head, 7) else {
                return false;
            };
            groups(tail, 7 - h).is_some()
        }
    }
}

fn hostname(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

#[cfg(test)]
mod tests {
    // The whole crate (no part to wait for) answers `Ok` always.
    fn check(format: &str, s: &str) -> bool {
        super::check(format, s).unwrap()
    }

    #[test]
    fn formats() {
        for (f, good, bad) in [
            ("date-time", "2024-06-12T20:04:42.464Z", "2024-06-12 20:04"),
            ("date", "2024-02-29", "2023-02-29"),
            ("time", "20:04:42.464Z", "25:00:00Z"),
            ("time", "20:04:42+02:00", "20:04:42"),
            ("duration", "P1Y2M3DT4H5M6S", "P"),
            ("duration", "PT0.5S", "PT"),
            ("uri", "https://ceramic.network/x?y=1", "not a uri"),
            ("email", "a.b@example.com", "a@b"),
            ("uuid", "123e4567-e89b-12d3-a456-426614174000", "123e4567"),
            ("ipv4", "127.0.0.1", "127.0.0.01"),
            ("ipv6", "::1", "::g"),
            ("hostname", "ceramic.network", "-bad-.com"),
            ("ipv6", "fe80::1", "fe80::1%eth0"),
            ("ipv6", "::ffff:192.0.2.1", "::ffff:192.0.2.01"),
        ] {
            assert!(check(f, good), "{f} {good}");
            assert!(!check(f, bad), "{f} {bad}");
        }
    }

    /// Without a zone, the same verdict as `std::net` (RFC 4291 / dotted decimal), on addresses
    /// in every shape and on random strings of their alphabet.
    #[test]
    fn ip_addresses_as_std_reads_them() {
        let mut cases: Vec<String> = [
            "",
            "::",
            ":::",
            "::1",
            "1::",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7:8:9",
            "1:2:3:4:5:6:7::",
            "::2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7::8",
            "1::2::3",
            "::1.2.3.4",
            "1:2:3:4:5:6:1.2.3.4",
            "1:2:3:4:5:6:7:1.2.3.4",
            "1:2:3:4:5::1.2.3.4",
            "1:2:3:4:5:6::1.2.3.4",
            "1.2.3.4::",
            "1:1.2.3.4",
            "::1.2.3.4:1",
            "12345::",
            "0000:0:0:0:0:0:0:0",
            "ABCD:ef01::",
            "::g",
            ":1::",
            "1::2:",
            "1.2.3.4",
            "0.0.0.0",
            "255.255.255.255",
            "256.1.1.1",
            "1.2.3",
            "1.2.3.4.5",
            "01.2.3.4",
            "1..2.3",
            "1.2.3.",
            "+1.2.3.4",
            "1.2.3.4 ",
            "00.1.2.3",
        ]
        .map(String::from)
        .to_vec();
        let alphabet = b"0123456789abcdefAG:.";
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 24) as usize;
            let mut y = x;
            let s: String = (0..len)
                .map(|_| {
                    y = y.rotate_left(5) ^ 0x9e37_79b9_7f4a_7c15;
                    y = y.wrapping_mul(0xff51_afd7_ed55_8ccd);
                    alphabet[(y >> 59) as usize % alphabet.len()] as char
                })
                .collect();
            cases.push(s);
        }
        for s in &cases {
            assert_eq!(
                super::ipv4(s),
                s.parse::<std::net::Ipv4Addr>().is_ok(),
                "ipv4 {s:?}"
            );
            assert_eq!(
                super::ipv6(s),
                s.parse::<std::net::Ipv6Addr>().is_ok(),
                "ipv6 {s:?}"
            );
        }
    }
}
