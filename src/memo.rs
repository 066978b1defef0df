//! Values computed from the database, kept in memory while the database says they are
//! current. Each is stored with the token it was computed for: version numbers that every
//! write changing the value raises in its own transaction (and that the request reads
//! anyway). A request is served a stored value only if it read the same token, so a write
//! on any instance is seen by every instance at its next request; nothing expires by time
//! and nothing needs telling. The ground floor: every layer may use it, it uses none.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

pub struct Memo<K, T, V> {
    entries: Mutex<HashMap<K, (T, Arc<V>)>>,
    /// At this many keys the memo starts afresh: a bound on memory, not an expiry.
    capacity: usize,
}

impl<K: Eq + Hash, T: PartialEq, V> Memo<K, T, V> {
    pub fn new(capacity: usize) -> Self {
        Memo {
            entries: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }

    /// The value stored for `key`, if it was computed for `token`.
    pub fn get(&self, key: &K, token: &T) -> Option<Arc<V>> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|(stored, _)| stored == token)
            .map(|(_, value)| value.clone())
    }

    /// Stores `value`, computed after `token` was read.
    pub fn put(&self, key: K, token: T, value: Arc<V>) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            entries.clear();
        }
        entries.insert(key, (token, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_served_only_for_the_token_it_was_computed_for() {
        let memo: Memo<&str, (i64, i64), String> = Memo::new(10);
        assert_eq!(memo.get(&"org", &(1, 1)), None);
        memo.put("org", (1, 1), Arc::new("figures".into()));
        assert_eq!(
            memo.get(&"org", &(1, 1)).as_deref(),
            Some(&"figures".to_owned())
        );
        assert_eq!(
            memo.get(&"org", &(2, 1)),
            None,
            "a write raised the version"
        );
        assert_eq!(memo.get(&"other", &(1, 1)), None);
    }

    #[test]
    fn it_starts_afresh_at_its_capacity() {
        let memo: Memo<i32, i32, i32> = Memo::new(2);
        memo.put(1, 0, Arc::new(1));
        memo.put(2, 0, Arc::new(2));
        memo.put(2, 1, Arc::new(3));
        assert!(
            memo.get(&1, &0).is_some(),
            "replacing a key keeps the others"
        );
        memo.put(3, 0, Arc::new(4));
        assert_eq!(memo.get(&1, &0), None);
        assert_eq!(memo.get(&3, &0).as_deref(), Some(&4));
    }
}
