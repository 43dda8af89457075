//! Listing filtered events in date order straight from the index: a collector that keeps the
//! first `limit` documents by (date, id), events without the date last, starting after a
//! cursor. The same order and cursors as the database's keyset pages.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use tantivy::collector::{Collector, Count, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DateTime, DocId, Score, SegmentOrdinal, SegmentReader};

use crate::filter::SearchFilter;
use crate::search::{IndexError, SearchIndex};

/// A date field the index can list by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateField {
    StartDate,
    AddedOn,
}

/// A position in a date order: the date (seconds, `None` when missing) and the id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateKey {
    pub date: Option<i64>,
    pub id: u64,
}

/// How to list: which field, which way, where to start, how many.
#[derive(Debug, Clone, Copy)]
pub struct DateOrder {
    pub field: DateField,
    pub descending: bool,
    /// List the order backwards (for Relay's `last`/`before`).
    pub reverse: bool,
    pub after: Option<DateKey>,
    pub limit: usize,
}

impl DateOrder {
    /// `Less` when `left` comes first in this order (missing dates last, ties by id).
    fn compare(&self, left: &DateKey, right: &DateKey) -> Ordering {
        // Reversing the whole order reverses both its date part and its id part.
        let by_id = if self.descending != self.reverse { right.id.cmp(&left.id) } else { left.id.cmp(&right.id) };
        self.compare_dates(left.date, right.date).then(by_id)
    }

    /// [`Self::compare`] on the dates alone: `Equal` means the ids decide.
    fn compare_dates(&self, left: Option<i64>, right: Option<i64>) -> Ordering {
        let forward = self.forward_dates(left, right);
        if self.reverse {
            forward.reverse()
        } else {
            forward
        }
    }

    fn forward_dates(&self, left: Option<i64>, right: Option<i64>) -> Ordering {
        match (left, right) {
            (Some(a), Some(b)) if self.descending => b.cmp(&a),
            (Some(a), Some(b)) => a.cmp(&b),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
    }
}

struct Ranked {
    key: DateKey,
    order: DateOrder,
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        self.order.compare(&self.key, &other.key)
    }
}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Ranked {}

struct DateCollector(DateOrder);

struct DateSegmentCollector {
    order: DateOrder,
    ids: Column<u64>,
    dates: Column<DateTime>,
    /// A max-heap by order: the last of the kept documents on top.
    kept: BinaryHeap<Ranked>,
}

fn field_name(field: DateField) -> &'static str {
    match field {
        DateField::StartDate => "start_date",
        DateField::AddedOn => "added_on",
    }
}

impl Collector for DateCollector {
    type Fruit = Vec<DateKey>;
    type Child = DateSegmentCollector;

    fn for_segment(&self, _segment: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<DateSegmentCollector> {
        Ok(DateSegmentCollector {
            order: self.0,
            ids: reader.fast_fields().u64("id")?,
            dates: reader.fast_fields().date(field_name(self.0.field))?,
            kept: BinaryHeap::with_capacity(self.0.limit + 1),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<DateKey>>) -> tantivy::Result<Vec<DateKey>> {
        let mut all: Vec<DateKey> = fruits.into_iter().flatten().collect();
        all.sort_by(|left, right| self.0.compare(left, right));
        all.truncate(self.0.limit);
        Ok(all)
    }
}

impl SegmentCollector for DateSegmentCollector {
    type Fruit = Vec<DateKey>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        // Most documents lose on their date alone: read the id (a column lookup) only when
        // the date ties with the cursor's or the last kept one's.
        let date = self.dates.first(doc).map(|date| date.into_timestamp_secs());
        if self.order.after.is_some_and(|after| self.order.compare_dates(date, after.date) == Ordering::Less) {
            return;
        }
        if self.kept.len() >= self.order.limit
            && self.kept.peek().is_some_and(|last| self.order.compare_dates(date, last.key.date) == Ordering::Greater)
        {
            return;
        }
        let Some(id) = self.ids.first(doc) else { return };
        let key = DateKey { date, id };
        if let Some(after) = &self.order.after {
            if self.order.compare(&key, after) != Ordering::Greater {
                return;
            }
        }
        if self.kept.len() < self.order.limit {
            self.kept.push(Ranked { key, order: self.order });
        } else if self.kept.peek().is_some_and(|last| self.order.compare(&key, &last.key) == Ordering::Less) {
            self.kept.pop();
            self.kept.push(Ranked { key, order: self.order });
        }
    }

    fn harvest(self) -> Vec<DateKey> {
        self.kept.into_iter().map(|ranked| ranked.key).collect()
    }
}

impl SearchIndex {
    /// Events passing a filter in a date order, from a cursor on: the page's keys and the
    /// total number passing the filter.
    pub fn list_by_date(&self, filter: &SearchFilter, order: DateOrder) -> Result<(Vec<DateKey>, u64), IndexError> {
        let query = self.filter_query(filter);
        let (total, keys) = self.collect(&query, &(Count, DateCollector(order)))?;
        Ok((keys, total as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_dates_come_last_both_ways() {
        let order = DateOrder { field: DateField::StartDate, descending: true, reverse: false, after: None, limit: 10 };
        let mut keys = [
            DateKey { date: None, id: 1 },
            DateKey { date: Some(10), id: 2 },
            DateKey { date: Some(20), id: 3 },
            DateKey { date: Some(20), id: 4 },
        ];
        keys.sort_by(|left, right| order.compare(left, right));
        assert_eq!(keys.iter().map(|key| key.id).collect::<Vec<_>>(), [4, 3, 2, 1]);
        let ascending = DateOrder { descending: false, ..order };
        keys.sort_by(|left, right| ascending.compare(left, right));
        assert_eq!(keys.iter().map(|key| key.id).collect::<Vec<_>>(), [2, 3, 4, 1]);
    }
}
