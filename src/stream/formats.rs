//! JSON Schema `format`s (the subset ajv-formats checks that Ceramic models use), checked by hand.

use crate::codec::time::{parse_date, parse_rfc3339, parse_time};

/// Whether `s` is a valid `format`. Unknown formats are refused earlier, in `check_schema`.
pub fn check(format: &str, s: &str) -> bool {
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
        "ipv4" => {
            s.parse::<std::net::Ipv4Addr>().is_ok()
                && !s.split('.').any(|p| p.len() > 1 && p.starts_with('0'))
        }
        "ipv6" => s.parse::<std::net::Ipv6Addr>().is_ok(),
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
                && cs.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
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
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c))
        && hostname(domain)
        && domain.contains('.')
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
    use super::check;

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
        ] {
            assert!(check(f, good), "{f} {good}");
            assert!(!check(f, bad), "{f} {bad}");
        }
    }
}
