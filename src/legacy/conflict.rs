//! js-ceramic's rule between two branches of a legacy stream (`_pickLogToAccept`, applied to the
//! entries after the last commit both share): an anchored branch beats an unanchored one; of two
//! anchored, the one whose first anchor is earlier; then the longer, counted up to and including
//! the first anchor (a quirk js-ceramic kept, CDB-2746); then the branch whose last entry has the
//! "lower" CID — compared as JavaScript compares two `Uint8Array`s with `<`: as the strings of
//! their comma-joined decimal bytes, which is not byte order.

use std::cmp::Ordering;

use super::state::{LegacyState, LogEntry};
use crate::error::{Error, Result};

/// Which branch js-ceramic keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// The first (js-ceramic's `log1`, the node's local branch).
    First,
    /// The second.
    Second,
}

/// The rule on two divergent suffixes (no entry in common).
pub fn pick(first: &[LogEntry], second: &[LogEntry]) -> Pick {
    let anchor = |log: &[LogEntry]| log.iter().position(|e| e.kind == 2);
    let (a1, a2) = (anchor(first), anchor(second));
    match (a1, a2) {
        (Some(_), None) => return Pick::First,
        (None, Some(_)) => return Pick::Second,
        (Some(i), Some(j)) => {
            // `undefined < x` is false both ways in JavaScript: unknown times decide nothing.
            if let (Some(t1), Some(t2)) = (first[i].timestamp, second[j].timestamp) {
                match t1.cmp(&t2) {
                    Ordering::Less => return Pick::First,
                    Ordering::Greater => return Pick::Second,
                    Ordering::Equal => {}
                }
            }
        }
        (None, None) => {}
    }
    let len1 = a1.map_or(first.len(), |i| i + 1);
    let len2 = a2.map_or(second.len(), |j| j + 1);
    match len1.cmp(&len2) {
        Ordering::Greater => return Pick::First,
        Ordering::Less => return Pick::Second,
        Ordering::Equal => {}
    }
    let last = |log: &[LogEntry]| {
        log.last()
            .map(|e| js_bytes_string(&crate::codec::cidbytes::cid_bytes(&e.cid)))
    };
    if last(first) < last(second) {
        Pick::First
    } else {
        Pick::Second
    }
}

/// A `Uint8Array` as JavaScript turns it into a string: `"1,113,18,…"`.
pub fn js_bytes_string(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 4);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&b.to_string());
    }
    s
}

/// Of two folded states of one stream, the one js-ceramic keeps (`local` is its `log1`).
pub fn choose<'a>(local: &'a LegacyState, remote: &'a LegacyState) -> Result<&'a LegacyState> {
    if local.genesis()? != remote.genesis()? {
        return Err(Error::Fork(
            "two states of different streams cannot be compared".into(),
        ));
    }
    let shared = local
        .log
        .iter()
        .zip(&remote.log)
        .take_while(|(a, b)| a.cid == b.cid)
        .count();
    let (a, b) = (&local.log[shared..], &remote.log[shared..]);
    // One branch contains the other: the longer is the same history, further on.
    if a.is_empty() || b.is_empty() {
        return Ok(if b.len() > a.len() { remote } else { local });
    }
    Ok(match pick(a, b) {
        Pick::First => local,
        Pick::Second => remote,
    })
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // the cid crate's bytes, an independent reference
mod tests {
    use super::*;
    use cid::Cid;
    use multihash::Multihash;

    fn cid(first: u8) -> Cid {
        let mut digest = [7u8; 32];
        digest[0] = first;
        Cid::new_v1(0x71, Multihash::<64>::wrap(0x12, &digest).unwrap())
    }

    fn entry(kind: u8, first: u8, timestamp: Option<i64>) -> LogEntry {
        LogEntry {
            cid: cid(first),
            kind,
            timestamp,
        }
    }

    #[test]
    fn js_ceramic_rules_in_order() {
        let data = |n| entry(1, n, None);
        let anchor = |n, t| entry(2, n, Some(t));
        // Anchored beats unanchored, whatever the lengths.
        assert_eq!(pick(&[data(1), data(2)], &[anchor(3, 100)]), Pick::Second);
        // The earlier first anchor.
        assert_eq!(
            pick(&[anchor(1, 200)], &[data(2), anchor(3, 100)]),
            Pick::Second
        );
        assert_eq!(
            pick(&[anchor(1, 100), data(4), anchor(5, 50)], &[anchor(3, 150)]),
            Pick::First
        );
        // Same anchor time: the longer up to the first anchor, not the longer overall.
        assert_eq!(
            pick(
                &[data(1), anchor(2, 100), data(6), data(7)],
                &[data(3), data(4), anchor(5, 100)]
            ),
            Pick::Second
        );
        // Neither anchored: the longer.
        assert_eq!(pick(&[data(1), data(2)], &[data(3)]), Pick::First);
        // Unknown anchor times decide nothing (JavaScript's `undefined < x`): then the lengths.
        assert_eq!(
            pick(&[entry(2, 1, None)], &[data(2), entry(2, 3, Some(1))]),
            Pick::Second
        );
    }

    #[test]
    fn the_tie_break_compares_bytes_as_javascript_strings() {
        // Bytes 9 vs 10 at the first difference: bytewise 9 is lower, but "…,9,…" > "…,10,…".
        let (nine, ten) = (entry(1, 9, None), entry(1, 10, None));
        assert!(cid(9).to_bytes() < cid(10).to_bytes());
        assert_eq!(
            pick(std::slice::from_ref(&nine), std::slice::from_ref(&ten)),
            Pick::Second
        );
        assert_eq!(pick(&[ten], &[nine]), Pick::First);
        // Where string and byte order agree.
        assert_eq!(
            pick(&[entry(1, 3, None)], &[entry(1, 4, None)]),
            Pick::First
        );
        assert_eq!(js_bytes_string(&[1, 113, 18]), "1,113,18");
    }
}
