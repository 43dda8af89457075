//! Events an import has just committed, handed to the index follower of the same process, so
//! the follower indexes them without reading them back from the database (reading back cost
//! a 100k import as much CPU as storing it).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use chrono::NaiveDate;

use super::entity::event;

/// An event as stored: its own columns and its links, in their order. The organizer, venue,
/// topics and audiences are named by id, so their names and labels are read when the event
/// is indexed, as they are then.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    pub id: i64,
    pub title: String,
    pub subtitle: Option<String>,
    pub description: Option<String>,
    pub event_type: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub added_on: Option<NaiveDate>,
    pub organizer_id: Option<i64>,
    pub venue_id: Option<i64>,
    pub countries: Vec<String>,
    pub topic_ids: Vec<i64>,
    pub audience_ids: Vec<i64>,
}

impl StoredEvent {
    /// The event's row, with its links still to be added.
    pub fn from_row(event: event::Model) -> Self {
        StoredEvent {
            id: event.id,
            title: event.title,
            subtitle: event.subtitle,
            description: event.description,
            event_type: event.event_type,
            start_date: event.start_date,
            added_on: event.added_on,
            organizer_id: event.organizer_id,
            venue_id: event.venue_id,
            countries: Vec::new(),
            topic_ids: Vec::new(),
            audience_ids: Vec::new(),
        }
    }
}

/// Committed events by the number of the change that wrote them. Bounded: what does not fit,
/// or is never taken, is read back from the database as before.
#[derive(Debug)]
pub struct Handoff {
    pending: Mutex<HashMap<i64, StoredEvent>>,
    capacity: usize,
    taken: AtomicU64,
}

impl Handoff {
    /// Holds at most `capacity` events at a time.
    pub fn new(capacity: usize) -> Self {
        Handoff { pending: Mutex::default(), capacity, taken: AtomicU64::new(0) }
    }

    /// Offers events whose changes (`seq`) are committed. Call only after the commit: a
    /// rolled-back change number can be given to another writer's change.
    pub fn offer(&self, committed: Vec<(i64, StoredEvent)>) {
        let mut pending = self.pending.lock().expect("the handoff lock is never poisoned");
        let room = self.capacity.saturating_sub(pending.len());
        pending.extend(committed.into_iter().take(room));
    }

    /// For changes read from the log in sequence order (`seq`, `event_id`): each event whose
    /// last change among them was handed off, as that change left it. An event changed
    /// again by anyone else is left out, to be read back. Forgets everything up to the last
    /// change read: a change offered after the follower read it was read back already.
    pub fn take(&self, changes: &[(i64, i64)]) -> HashMap<i64, StoredEvent> {
        let Some(&(last, _)) = changes.last() else { return HashMap::new() };
        let mut pending = self.pending.lock().expect("the handoff lock is never poisoned");
        let mut latest: HashMap<i64, Option<StoredEvent>> = HashMap::new();
        for &(seq, event_id) in changes {
            latest.insert(event_id, pending.remove(&seq).filter(|stored| stored.id == event_id));
        }
        pending.retain(|&seq, _| seq > last);
        drop(pending);
        let handed: HashMap<i64, StoredEvent> =
            latest.into_iter().filter_map(|(event_id, stored)| Some((event_id, stored?))).collect();
        self.taken.fetch_add(handed.len() as u64, Ordering::Relaxed);
        handed
    }

    /// How many events were indexed from the handoff instead of read back.
    pub fn taken(&self) -> u64 {
        self.taken.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(id: i64, title: &str) -> StoredEvent {
        StoredEvent {
            id,
            title: title.into(),
            subtitle: None,
            description: None,
            event_type: None,
            start_date: None,
            added_on: None,
            organizer_id: None,
            venue_id: None,
            countries: Vec::new(),
            topic_ids: Vec::new(),
            audience_ids: Vec::new(),
        }
    }

    #[test]
    fn an_event_changed_again_by_another_writer_is_read_back() {
        let handoff = Handoff::new(10);
        handoff.offer(vec![(1, stored(7, "imported")), (2, stored(8, "imported"))]);
        // Change 3 (not handed off: another process's update of event 7) comes after.
        let handed = handoff.take(&[(1, 7), (2, 8), (3, 7)]);
        assert_eq!(handed.keys().copied().collect::<Vec<_>>(), vec![8]);
        assert_eq!(handoff.taken(), 1);
    }

    #[test]
    fn the_last_handed_change_of_an_event_wins_and_old_offers_are_forgotten() {
        let handoff = Handoff::new(10);
        handoff.offer(vec![(4, stored(7, "first")), (5, stored(7, "second")), (6, stored(9, "late"))]);
        let handed = handoff.take(&[(4, 7), (5, 7)]);
        assert_eq!(handed[&7].title, "second");
        // An offer the follower read past (it read change 6 back before the offer) is dropped.
        handoff.offer(vec![(3, stored(5, "stale"))]);
        assert!(handoff.take(&[(6, 9)]).contains_key(&9));
        assert!(handoff.take(&[(3, 5)]).is_empty());
    }

    #[test]
    fn offers_beyond_the_capacity_are_left_to_be_read_back() {
        let handoff = Handoff::new(1);
        handoff.offer(vec![(1, stored(1, "kept")), (2, stored(2, "dropped"))]);
        let handed = handoff.take(&[(1, 1), (2, 2)]);
        assert_eq!(handed.keys().copied().collect::<Vec<_>>(), vec![1]);
    }
}
