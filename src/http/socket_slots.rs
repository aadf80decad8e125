//! Counted slots per key, shared by the server: open subscription sockets
//! per credential, sockets not yet authenticated per client address. A
//! slot is taken when a socket starts counting and given back when it is
//! dropped, however the socket ends.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

#[derive(Clone)]
pub struct Slots<K: Eq + Hash + Clone> {
    open: Arc<Mutex<HashMap<K, usize>>>,
    max: usize,
}

impl<K: Eq + Hash + Clone> Slots<K> {
    pub fn new(max: usize) -> Slots<K> {
        Slots {
            open: Arc::default(),
            max,
        }
    }

    /// A slot for one more socket of `key`, or None at the limit.
    pub fn take(&self, key: K) -> Option<Slot<K>> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let n = open.entry(key.clone()).or_default();
        if *n >= self.max {
            if *n == 0 {
                open.remove(&key);
            }
            return None;
        }
        *n += 1;
        Some(Slot {
            slots: self.clone(),
            key,
        })
    }

    /// Slots taken now for `key`.
    pub fn taken(&self, key: &K) -> usize {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.get(key).copied().unwrap_or(0)
    }
}

/// One taken slot; its count goes down when it is dropped.
pub struct Slot<K: Eq + Hash + Clone> {
    slots: Slots<K>,
    key: K,
}

impl<K: Eq + Hash + Clone> Drop for Slot<K> {
    fn drop(&mut self) {
        let mut open = self.slots.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = open.get_mut(&self.key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_counted_per_key_and_given_back() {
        let slots = Slots::new(2);
        let a = slots.take("a").expect("first");
        let b = slots.take("a").expect("second");
        assert!(slots.take("a").is_none(), "a third is refused");
        assert!(slots.take("b").is_some(), "another key has its own");
        drop(a);
        assert_eq!(slots.taken(&"a"), 1);
        drop(b);
        assert_eq!(slots.taken(&"a"), 0);
        assert!(
            slots.open.lock().expect("lock").is_empty(),
            "no key left behind"
        );
        assert!(Slots::new(0).take("z").is_none());
    }
}
