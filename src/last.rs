//! One remembered `(key, value)` per use, for values that are costly to derive and asked for again
//! and again with the same key: a stream's events are mostly signed by one key (its did:key
//! parsed, its point decompressed), an app names the same Model on every write (its StreamID
//! decoded). Kept in a `thread_local!` by each user.

use std::borrow::Borrow;
use std::cell::RefCell;

/// The last value made for a key.
pub(crate) struct Last<K, V>(RefCell<Option<(K, V)>>);

impl<K, V: Clone> Last<K, V> {
    /// Nothing kept yet.
    pub(crate) const fn new() -> Self {
        Last(RefCell::new(None))
    }

    /// The value kept for `key`, else `make()`'s, kept in its place when it succeeds.
    pub(crate) fn get_or<Q, E>(&self, key: &Q, make: impl FnOnce() -> Result<V, E>) -> Result<V, E>
    where
        K: Borrow<Q>,
        Q: ?Sized + PartialEq + ToOwned<Owned = K>,
    {
        let kept = self
            .0
            .borrow()
            .as_ref()
            .filter(|(k, _)| k.borrow() == key)
            .map(|(_, v)| v.clone());
        if let Some(v) = kept {
            return Ok(v);
        }
        let v = make()?;
        *self.0.borrow_mut() = Some((key.to_owned(), v.clone()));
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::Last;

    #[test]
    fn keeps_the_last_success_only() {
        let last: Last<String, usize> = Last::new();
        let made = std::cell::Cell::new(0);
        let get = |k: &str| {
            last.get_or(k, || {
                made.set(made.get() + 1);
                if k == "bad" {
                    Err(())
                } else {
                    Ok(k.len())
                }
            })
        };
        assert_eq!(get("abc"), Ok(3));
        assert_eq!(get("abc"), Ok(3));
        assert_eq!(get("bad"), Err(()));
        assert_eq!(get("abc"), Ok(3)); // a failure does not replace what is kept
        assert_eq!(get("de"), Ok(2));
        assert_eq!(get("abc"), Ok(3));
        assert_eq!(made.get(), 4);
    }
}
