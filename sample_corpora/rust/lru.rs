//! A least-recently-used cache with O(1) `get` and `put`, built on a `HashMap` into a
//! slab of nodes that form a doubly linked list (indices instead of pointers, so no `unsafe`).

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;

const NIL: usize = usize::MAX;

struct Node<K, V> {
    key: K,
    value: V,
    prev: usize,
    next: usize,
}

pub struct LruCache<K, V> {
    map: HashMap<K, usize>,
    nodes: Vec<Node<K, V>>,
    head: usize, // most recently used
    tail: usize, // least recently used
    capacity: usize,
    hits: u64,
    misses: u64,
}

impl<K: Hash + Eq + Clone, V> LruCache<K, V> {
    /// Creates a cache holding at most `capacity` entries.
    ///
    /// # Panics
    /// Panics if `capacity` is zero.
    pub fn new(capacity: usize) -> Self {
        assert!(capacity > 0, "LruCache capacity must be at least 1");
        Self {
            map: HashMap::with_capacity(capacity),
            nodes: Vec::with_capacity(capacity),
            head: NIL,
            tail: NIL,
            capacity,
            hits: 0,
            misses: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn hit_rate(&self) -> f64 {
        let total = self.hits + self.misses;
        if total == 0 { 0.0 } else { self.hits as f64 / total as f64 }
    }

    pub fn get<Q>(&mut self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        match self.map.get(key).copied() {
            Some(idx) => {
                self.hits += 1;
                self.move_to_front(idx);
                Some(&self.nodes[idx].value)
            }
            None => {
                self.misses += 1;
                None
            }
        }
    }

    /// Inserts or updates `key`; returns the evicted `(key, value)` if the cache was full.
    pub fn put(&mut self, key: K, value: V) -> Option<(K, V)> {
        if let Some(&idx) = self.map.get(&key) {
            self.nodes[idx].value = value;
            self.move_to_front(idx);
            return None;
        }
        if self.nodes.len() < self.capacity {
            let idx = self.nodes.len();
            self.nodes.push(Node { key: key.clone(), value, prev: NIL, next: NIL });
            self.map.insert(key, idx);
            self.push_front(idx);
            return None;
        }
        // Full: recycle the least recently used slot.
        let idx = self.tail;
        self.unlink(idx);
        let old_key = std::mem::replace(&mut self.nodes[idx].key, key.clone());
        let old_value = std::mem::replace(&mut self.nodes[idx].value, value);
        self.map.remove(&old_key);
        self.map.insert(key, idx);
        self.push_front(idx);
        Some((old_key, old_value))
    }

    /// Keys from most to least recently used.
    pub fn keys(&self) -> impl Iterator<Item = &K> + '_ {
        let mut cursor = self.head;
        std::iter::from_fn(move || {
            if cursor == NIL {
                return None;
            }
            let node = &self.nodes[cursor];
            cursor = node.next;
            Some(&node.key)
        })
    }

    fn unlink(&mut self, idx: usize) {
        let (prev, next) = (self.nodes[idx].prev, self.nodes[idx].next);
        if prev != NIL { self.nodes[prev].next = next } else { self.head = next }
        if next != NIL { self.nodes[next].prev = prev } else { self.tail = prev }
    }

    fn push_front(&mut self, idx: usize) {
        self.nodes[idx].prev = NIL;
        self.nodes[idx].next = self.head;
        if self.head != NIL {
            self.nodes[self.head].prev = idx;
        }
        self.head = idx;
        if self.tail == NIL {
            self.tail = idx;
        }
    }

    fn move_to_front(&mut self, idx: usize) {
        if self.head != idx {
            self.unlink(idx);
            self.push_front(idx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::LruCache;

    #[test]
    fn evicts_least_recently_used() {
        let mut cache = LruCache::new(2);
        cache.put("un", 1);
        cache.put("deux", 2);
        assert_eq!(cache.get("un"), Some(&1)); // "un" is now the freshest
        assert_eq!(cache.put("trois", 3), Some(("deux", 2)));
        assert_eq!(cache.keys().copied().collect::<Vec<_>>(), ["trois", "un"]);
    }

    #[test]
    fn updates_in_place() {
        let mut cache: LruCache<String, &str> = LruCache::new(3);
        cache.put("k".to_string(), "alt");
        cache.put("k".to_string(), "neu 🦀");
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.get("k"), Some(&"neu 🦀"));
        assert!((cache.hit_rate() - 1.0).abs() < f64::EPSILON);
    }
}
