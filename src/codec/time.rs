//! RFC 3339 timestamps, written here instead of using chrono: chrono's parser and formatter
//! added about 38 KB to the wasm for the three things Ceramic needs — reading CACAO and JSON
//! Schema date-times, checking `date`/`time` formats, and rendering `…T…sssZ` (millisecond) UTC.

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

fn digits(s: &[u8]) -> Option<u32> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.iter().try_fold(0u32, |a, &b| {
        a.checked_mul(10)?.checked_add(u32::from(b - b'0'))
    })
}

/// `YYYY-MM-DD` → (year, month, day), range-checked.
pub fn parse_date(s: &str) -> Option<(i64, u32, u32)> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (digits(&b[..4])?, digits(&b[5..7])?, digits(&b[8..])?);
    let y = i64::from(y);
    ((1..=12).contains(&m) && (1..=days_in_month(y, m)).contains(&d)).then_some((y, m, d))
}

/// `HH:MM:SS[.frac](Z|±HH:MM)` → seconds of the day in UTC (may leave 0..86400 by the offset)
/// and nanoseconds. Leap second 60 is accepted, as RFC 3339 allows.
pub fn parse_time(s: &str) -> Option<(i64, u32)> {
    let b = s.as_bytes();
    if b.len() < 9 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let (h, mi, se) = (digits(&b[..2])?, digits(&b[3..5])?, digits(&b[6..8])?);
    if h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = &b[8..];
    let mut nanos = 0u32;
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        for (i, c) in frac[..n].iter().take(9).enumerate() {
            nanos += u32::from(c - b'0') * 10u32.pow(8 - i as u32);
        }
        rest = &frac[n..];
    }
    let offset = match rest {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), oh1, oh2, b':', om1, om2] => {
            let (oh, om) = (digits(&[*oh1, *oh2])?, digits(&[*om1, *om2])?);
            if oh > 23 || om > 59 {
                return None;
            }
            let o = i64::from(oh * 3600 + om * 60);
            if *sign == b'+' {
                o
            } else {
                -o
            }
        }
        _ => return None,
    };
    Some((i64::from(h * 3600 + mi * 60 + se) - offset, nanos))
}

/// An RFC 3339 date-time (`T`, `t` or space between date and time) → (unix seconds, nanos).
pub fn parse_rfc3339(s: &str) -> Option<(i64, u32)> {
    let (date, time) = (s.get(..10)?, s.get(11..)?);
    if !matches!(s.as_bytes().get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let (y, m, d) = parse_date(date)?;
    let (secs, nanos) = parse_time(time)?;
    Some((days_from_civil(y, m, d) * 86_400 + secs, nanos))
}

/// `YYYY-MM-DDTHH:MM:SS.sssZ`, as JavaScript's `toISOString()` writes it.
pub fn format_millis(secs: i64, millis: u32) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        millis.min(999)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_format() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some((0, 0)));
        assert_eq!(
            parse_rfc3339("2024-06-19T20:04:42.464Z"),
            Some((1_718_827_482, 464_000_000))
        );
        assert_eq!(
            parse_rfc3339("2024-06-19T22:04:42.464+02:00").map(|t| t.0),
            Some(1_718_827_482)
        );
        assert_eq!(
            parse_rfc3339("9999-01-01T00:00:00.000Z").map(|t| t.0),
            Some(253_370_764_800)
        );
        assert_eq!(
            parse_rfc3339("2000-02-29T00:00:00Z").map(|t| t.0),
            Some(951_782_400)
        );
        for bad in [
            "2023-02-29T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-06-19T24:00:00Z",
            "2024-06-19T20:04:42",
            "2024-06-19",
            "2024-06-19T20:04:42.Z",
            "2024-06-19T20:04:42+2:00",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
        assert_eq!(
            format_millis(1_718_827_482, 464),
            "2024-06-19T20:04:42.464Z"
        );
        assert_eq!(format_millis(951_782_400, 0), "2000-02-29T00:00:00.000Z");
        for days in [-800_000i64, -1, 0, 1, 11_016, 19_893, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
