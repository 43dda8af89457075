//! Events an import has just committed, handed to the index follower of the same process, so
//! the follower indexes them without reading them back from the database (reading back cost
//! a 100k import as much CPU as storing it). The import waits while the follower is a few
//! batches behind instead of leaving what does not fit to be read back: on PostgreSQL at 1M,
//! a follower that once fell behind read back more than it was handed, fell further behind
//! and read back 692k of the million events, and the import took 1.7 times as long.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use tokio::sync::Notify;

use super::entity::event;

/// An event as stored: its own row and its links, in their order. The organizer, venue,
/// topics and audiences are named by id, so their names and labels are read when the event
/// is indexed, as they are then. The row is what a search shows of the event
/// ([`crate::search::documents::source_of`]).
#[derive(Debug, Clone)]
pub struct StoredEvent {
    pub row: event::Model,
    pub countries: Vec<String>,
    pub topic_ids: Vec<i64>,
    pub audience_ids: Vec<i64>,
}

impl StoredEvent {
    /// The event's row, with its links still to be added.
    pub fn from_row(row: event::Model) -> Self {
        StoredEvent { row, countries: Vec::new(), topic_ids: Vec::new(), audience_ids: Vec::new() }
    }

    /// The event's id.
    pub fn id(&self) -> i64 {
        self.row.id
    }
}

/// Committed events by the number of the change that wrote them. Bounded: an offer waits for
/// room while the follower takes events ([`Handoff::offer`]); once the follower task is gone
/// ([`Handoff::close`]) what is offered is dropped, and read back by whoever indexes it.
#[derive(Debug)]
pub struct Handoff {
    pending: Mutex<Pending>,
    capacity: usize,
    taken: AtomicU64,
    /// Told whenever the follower takes events, and when it is gone.
    room: Notify,
}

/// What waits for the follower, how far it has read, and whether it is gone.
#[derive(Debug)]
struct Pending {
    events: HashMap<i64, StoredEvent>,
    /// The last change the follower has read: an offer of an earlier one comes too late,
    /// since the follower read the event back.
    read_up_to: i64,
    /// The follower task is gone ([`Handoff::close`]).
    closed: bool,
}

impl Handoff {
    /// Takes a batch of events while it holds fewer than `capacity` (so at most `capacity` plus
    /// one batch).
    pub fn new(capacity: usize) -> Self {
        Handoff {
            pending: Mutex::new(Pending { events: HashMap::new(), read_up_to: i64::MIN, closed: false }),
            capacity,
            taken: AtomicU64::new(0),
            room: Notify::new(),
        }
    }

    /// Offers events whose changes (`seq`) are committed, waiting while the handoff is full
    /// for the follower to take some. Call only after the commit: a rolled-back change number
    /// can be given to another writer's change.
    pub async fn offer(&self, committed: Vec<(i64, StoredEvent)>) {
        loop {
            // Registered before looking, so a take between the look and the wait is not missed.
            let room = self.room.notified();
            {
                let mut pending = self.pending.lock().expect("the handoff lock is never poisoned");
                if pending.closed {
                    return;
                }
                // Only changes the follower has yet to read wait here, so what fills the
                // handoff is committed and unread, and the follower, woken by each commit,
                // makes room.
                if pending.events.len() < self.capacity {
                    let read = pending.read_up_to;
                    pending.events.extend(committed.into_iter().filter(|(seq, _)| *seq > read));
                    return;
                }
            }
            room.await;
        }
    }

    /// The follower task is gone: offers no longer wait, and what they offer is dropped. What
    /// was offered before stays to be taken (the import's last batches, which the follower
    /// takes as it catches up).
    pub fn close(&self) {
        self.pending.lock().expect("the handoff lock is never poisoned").closed = true;
        self.room.notify_waiters();
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
            latest.insert(event_id, pending.events.remove(&seq).filter(|stored| stored.id() == event_id));
        }
        pending.events.retain(|&seq, _| seq > last);
        pending.read_up_to = pending.read_up_to.max(last);
        drop(pending);
        self.room.notify_waiters();
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
        let now = chrono::Utc::now();
        StoredEvent::from_row(event::Model {
            id,
            slug: format!("event-{id}"),
            title: title.into(),
            subtitle: None,
            description: None,
            event_type: None,
            start_date: None,
            end_date: None,
            added_on: None,
            source_url: None,
            organizer_id: None,
            venue_id: None,
            created_at: now,
            updated_at: now,
        })
    }

    #[tokio::test]
    async fn an_event_changed_again_by_another_writer_is_read_back() {
        let handoff = Handoff::new(10);
        handoff.offer(vec![(1, stored(7, "imported")), (2, stored(8, "imported"))]).await;
        // Change 3 (not handed off: another process's update of event 7) comes after.
        let handed = handoff.take(&[(1, 7), (2, 8), (3, 7)]);
        assert_eq!(handed.keys().copied().collect::<Vec<_>>(), vec![8]);
        assert_eq!(handoff.taken(), 1);
    }

    #[tokio::test]
    async fn the_last_handed_change_of_an_event_wins_and_old_offers_are_forgotten() {
        let handoff = Handoff::new(10);
        handoff.offer(vec![(4, stored(7, "first")), (5, stored(7, "second")), (6, stored(9, "late"))]).await;
        let handed = handoff.take(&[(4, 7), (5, 7)]);
        assert_eq!(handed[&7].row.title, "second");
        // An offer the follower read past (it read change 6 back before the offer) is dropped.
        handoff.offer(vec![(3, stored(5, "stale"))]).await;
        assert!(handoff.take(&[(6, 9)]).contains_key(&9));
        assert!(handoff.take(&[(3, 5)]).is_empty());
    }

    #[tokio::test]
    async fn an_offer_waits_for_room_until_the_follower_takes_events() {
        let handoff = std::sync::Arc::new(Handoff::new(2));
        handoff.offer(vec![(1, stored(1, "first")), (2, stored(2, "first"))]).await;
        let offering = tokio::spawn({
            let handoff = handoff.clone();
            async move { handoff.offer(vec![(3, stored(3, "second")), (4, stored(4, "second"))]).await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(!offering.is_finished(), "a full handoff makes the import wait");
        assert_eq!(handoff.take(&[(1, 1), (2, 2)]).len(), 2);
        offering.await.expect("the offer goes in once there is room");
        // Nothing was dropped for want of room: the second batch is handed over whole.
        assert_eq!(handoff.take(&[(3, 3), (4, 4)]).len(), 2);
    }

    #[tokio::test]
    async fn once_the_follower_is_gone_offers_no_longer_wait() {
        let handoff = std::sync::Arc::new(Handoff::new(1));
        handoff.offer(vec![(1, stored(1, "kept"))]).await;
        let offering = tokio::spawn({
            let handoff = handoff.clone();
            async move { handoff.offer(vec![(2, stored(2, "dropped"))]).await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(!offering.is_finished());
        handoff.close();
        tokio::time::timeout(std::time::Duration::from_secs(5), offering)
            .await
            .expect("a closed handoff lets the waiting offer go")
            .expect("the offer does not panic");
        handoff.offer(vec![(3, stored(3, "dropped"))]).await;
        let handed = handoff.take(&[(1, 1), (2, 2), (3, 3)]);
        assert_eq!(handed.keys().copied().collect::<Vec<_>>(), vec![1], "offered before the close");
    }

    #[tokio::test]
    async fn an_offer_of_changes_already_read_back_takes_no_room() {
        let handoff = Handoff::new(1);
        assert!(handoff.take(&[(5, 5)]).is_empty());
        // Committed before the follower read change 5, offered after: it would never be taken.
        handoff.offer(vec![(4, stored(4, "read back already"))]).await;
        tokio::time::timeout(std::time::Duration::from_secs(5), handoff.offer(vec![(6, stored(6, "new"))]))
            .await
            .expect("the stale offer left room for the next");
        assert_eq!(handoff.take(&[(6, 6)]).len(), 1);
    }
}
