//! What searches derive from a segment, kept until a reload retires the segment: a segment never
//! changes (deletions only hide documents, which collectors skip), so what was derived from it
//! stays right. The facet ordinals ([`crate::counting`]), the filters' bit sets
//! ([`crate::cached`]) and the words' variant terms ([`crate::variants`]) are kept this way.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard};

use tantivy::index::SegmentId;

/// The kept values by segment and key, and what they cost together.
struct Entries<K, V> {
    values: HashMap<(SegmentId, K), Arc<V>>,
    cost: usize,
}

/// Values derived from segments, by segment and key, within a budget: past it, kept values are
/// dropped as new ones come, and a value costing more than a 64th of it is not kept.
pub(crate) struct SegmentCache<K, V> {
    entries: Mutex<Entries<K, V>>,
    budget: usize,
    cost: fn(&V) -> usize,
}

impl<K, V> std::fmt::Debug for SegmentCache<K, V> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("SegmentCache").field("budget", &self.budget).finish()
    }
}

impl<K: Clone + Eq + Hash, V> SegmentCache<K, V> {
    /// A cache keeping values whose `cost` adds up to at most `budget`.
    pub(crate) fn new(budget: usize, cost: fn(&V) -> usize) -> Self {
        SegmentCache { entries: Mutex::new(Entries { values: HashMap::new(), cost: 0 }), budget, cost }
    }

    fn entries(&self) -> MutexGuard<'_, Entries<K, V>> {
        // A panic elsewhere cannot leave a half-written entry: the map stays usable.
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The value kept for `key` in `segment`, if any.
    pub(crate) fn get(&self, segment: SegmentId, key: &K) -> Option<Arc<V>> {
        self.entries().values.get(&(segment, key.clone())).cloned()
    }

    /// Keeps `value` for `key` in `segment` and returns it, or the value another thread kept
    /// for it meanwhile.
    pub(crate) fn insert(&self, segment: SegmentId, key: K, value: V) -> Arc<V> {
        let value = Arc::new(value);
        let cost = (self.cost)(&value);
        if cost > self.budget / 64 {
            return value;
        }
        let mut guard = self.entries();
        let entries = &mut *guard;
        let key = (segment, key);
        if let Some(kept) = entries.values.get(&key) {
            return kept.clone();
        }
        while entries.cost.saturating_add(cost) > self.budget {
            let Some(evicted) = entries.values.keys().next().cloned() else { break };
            if let Some(dropped) = entries.values.remove(&evicted) {
                entries.cost -= (self.cost)(&dropped);
            }
        }
        entries.cost += cost;
        entries.values.insert(key, value.clone());
        value
    }

    /// The value kept for `key` in `segment`, built and kept when there is none (an error
    /// building it keeps nothing). It is built outside the lock, so other segments and ranges
    /// build theirs meanwhile.
    pub(crate) fn get_or_build<E>(
        &self,
        segment: SegmentId,
        key: K,
        build: impl FnOnce() -> Result<V, E>,
    ) -> Result<Arc<V>, E> {
        match self.get(segment, &key) {
            Some(value) => Ok(value),
            None => Ok(self.insert(segment, key, build()?)),
        }
    }

    /// Keeps the values of these segments only (the ones a fresh searcher sees).
    pub(crate) fn retain(&self, live: &HashSet<SegmentId>) {
        let mut guard = self.entries();
        let entries = &mut *guard;
        entries.values.retain(|(segment, _), _| live.contains(segment));
        entries.cost = entries.values.values().map(|value| (self.cost)(value)).sum();
    }

    /// How many values are kept.
    pub(crate) fn len(&self) -> usize {
        self.entries().values.len()
    }

    /// What the kept values cost together.
    pub(crate) fn cost(&self) -> usize {
        self.entries().cost
    }
}
