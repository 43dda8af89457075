//! Synthetic event generator behind `convene generate --events N --seed S`.
//!
//! Events read like the OSCE's catalogue of security co-operation activities: a theme (drug
//! trafficking, border management, hate crime, elections, water governance, …) decides the
//! title, subtitle, topics, audiences, organizer and the vocabulary of an 80 to 400 word
//! description; the organizer decides where the event most likely takes place; the venue
//! decides which participating countries make sense.
//!
//! Output is deterministic and portable: event `i` of seed `s` is drawn from its own ChaCha8
//! stream (key from `s`, stream number `i`), so it is the same on every platform and whatever
//! the number of events asked for, and any event can be made on its own with
//! [`Generator::event`].

mod event;
mod places;
mod setting;
mod templates;
mod text;
mod themes_economic;
mod themes_human;
mod themes_police;
mod themes_security;
pub mod vocabulary;

#[cfg(test)]
mod tests;

use std::sync::OnceLock;

use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::catalog::record::EventRecord;

pub use places::{Country, Region, Status, COUNTRIES};
pub use text::{MAX_WORDS, MIN_WORDS};
use vocabulary::{Theme, FIELD_OPERATIONS, INSTITUTION_SEATS};

/// First day a synthetic event may start.
pub const FIRST_DAY: NaiveDate = NaiveDate::from_ymd_opt(2001, 1, 1).unwrap();
/// Last day a synthetic event may start.
pub const LAST_DAY: NaiveDate = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap();

/// Generates `count` synthetic events for `seed`, in index order.
pub fn generate(count: usize, seed: u64) -> Generator {
    Generator::new(count, seed)
}

/// Every theme events are drawn from.
pub fn themes() -> impl Iterator<Item = &'static Theme> {
    themes_police::THEMES
        .iter()
        .chain(themes_security::THEMES)
        .chain(themes_economic::THEMES)
        .chain(themes_human::THEMES)
}

/// An iterator over synthetic events `0..count` of one seed.
#[derive(Clone, Debug)]
pub struct Generator {
    base: ChaCha8Rng,
    seed: u64,
    next: u64,
    end: u64,
}

impl Generator {
    /// A generator of events `0..count` for `seed`.
    pub fn new(count: usize, seed: u64) -> Self {
        Generator { base: ChaCha8Rng::seed_from_u64(seed), seed, next: 0, end: count as u64 }
    }

    /// The seed events are drawn from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Event `index` of this seed, the same whether or not earlier events were made.
    pub fn event(&self, index: u64) -> EventRecord {
        let mut rng = self.base.clone();
        rng.set_stream(index);
        event::build(&mut Draw(rng), tables(), self.seed, index)
    }
}

impl Iterator for Generator {
    type Item = EventRecord;

    fn next(&mut self) -> Option<EventRecord> {
        (self.next < self.end).then(|| {
            self.next += 1;
            self.event(self.next - 1)
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = usize::try_from(self.end - self.next).unwrap_or(usize::MAX);
        (left, Some(left))
    }

    fn nth(&mut self, n: usize) -> Option<EventRecord> {
        self.next = self.next.saturating_add(n as u64).min(self.end);
        self.next()
    }
}

impl ExactSizeIterator for Generator {}
impl std::iter::FusedIterator for Generator {}

/// Random draws for one event. Every draw goes through `random_range` on `u32`, which rand
/// implements the same way on every platform.
struct Draw(ChaCha8Rng);

impl Draw {
    /// A number in `0..n`; `n` must be positive.
    fn below(&mut self, n: usize) -> usize {
        self.0.random_range(0..n as u32) as usize
    }

    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: u32) -> bool {
        self.0.random_range(0..100u32) < percent
    }

    /// A number in `low..=high`.
    fn between(&mut self, low: u32, high: u32) -> u32 {
        self.0.random_range(low..=high)
    }

    /// One item of a non-empty slice.
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// The index of an item, drawn in proportion to its weight.
    fn weighted<T>(&mut self, items: &[T], weight: impl Fn(&T) -> u32) -> usize {
        let total: u32 = items.iter().map(&weight).sum();
        let mut left = self.0.random_range(0..total);
        for (index, item) in items.iter().enumerate() {
            let w = weight(item);
            if left < w {
                return index;
            }
            left -= w;
        }
        items.len() - 1
    }
}

/// Lookups computed once from the static tables.
struct Tables {
    themes: Vec<&'static Theme>,
    /// Indexes into [`COUNTRIES`] of each region's countries, by [`Region::index`].
    members: [Vec<usize>; 9],
    /// Host country of each field operation.
    hosts: Vec<usize>,
    /// Country of each institution seat.
    seats: Vec<usize>,
    austria: usize,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let index = |name: &str| places::country_index(name).expect("country in the table");
        Tables {
            themes: themes().collect(),
            members: Region::ALL
                .map(|region| (0..COUNTRIES.len()).filter(|&c| COUNTRIES[c].region == region).collect()),
            hosts: FIELD_OPERATIONS.iter().map(|f| index(f.country)).collect(),
            seats: INSTITUTION_SEATS.iter().map(|(_, country, _)| index(country)).collect(),
            austria: index("Austria"),
        }
    })
}
