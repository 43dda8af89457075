//! A top-hits collector that pages by cursor: hits ordered by score, then id, starting after
//! the last hit of the previous page, so pages neither repeat nor skip while the index holds.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

/// Where the previous page ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HitCursor {
    pub score: f32,
    pub id: u64,
}

/// A matching event with its score, and what the index keeps of it
/// ([`crate::EventDocument::source`]) when the search asked for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub id: u64,
    pub score: f32,
    /// Empty unless [`crate::SearchRequest::sources`] asked for it and the event keeps one.
    pub source: String,
}

/// A match found for the page, and where its document is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Found {
    pub id: u64,
    pub score: f32,
    pub address: DocAddress,
}

/// Better hits compare greater: higher score, then lower id.
#[derive(Debug, Clone, Copy)]
struct Ranked(Found);

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.score.total_cmp(&other.0.score).then_with(|| other.0.id.cmp(&self.0.id))
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

/// Collects the best `limit` hits after `after`.
#[derive(Debug, Clone, Copy)]
pub struct PageCollector {
    pub limit: usize,
    pub after: Option<HitCursor>,
}

/// The per-segment part of [`PageCollector`].
pub struct PageSegmentCollector {
    ids: Column<u64>,
    segment: SegmentOrdinal,
    limit: usize,
    after: Option<Ranked>,
    /// A min-heap (by `Reverse`) of the best hits seen.
    best: BinaryHeap<std::cmp::Reverse<Ranked>>,
    /// Scores outside this range cannot make the page: below the worst hit of a full page,
    /// above the previous page's last hit.
    lowest: Score,
    highest: Score,
}

impl Collector for PageCollector {
    type Fruit = Vec<Found>;
    type Child = PageSegmentCollector;

    fn for_segment(&self, segment: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<PageSegmentCollector> {
        Ok(PageSegmentCollector {
            ids: reader.fast_fields().u64("id")?,
            segment,
            limit: self.limit,
            // Compared by score and id only: where the previous page's last hit lives is unused.
            after: self
                .after
                .map(|cursor| Ranked(Found { id: cursor.id, score: cursor.score, address: DocAddress::new(0, 0) })),
            best: BinaryHeap::with_capacity(self.limit + 1),
            lowest: Score::NEG_INFINITY,
            highest: self.after.map_or(Score::INFINITY, |cursor| cursor.score),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<Found>>) -> tantivy::Result<Vec<Found>> {
        let mut all: Vec<Ranked> = fruits.into_iter().flatten().map(Ranked).collect();
        all.sort_by(|left, right| right.cmp(left));
        all.truncate(self.limit);
        Ok(all.into_iter().map(|ranked| ranked.0).collect())
    }
}

impl SegmentCollector for PageSegmentCollector {
    type Fruit = Vec<Found>;

    /// Most matches of a broad query lose on score alone, in one comparison made where the
    /// match is found (inlined); the id (a column lookup) is read only for the others.
    #[inline]
    fn collect(&mut self, doc: DocId, score: Score) {
        if score >= self.lowest && score <= self.highest {
            self.offer(doc, score);
        }
    }

    fn harvest(self) -> Vec<Found> {
        self.best.into_iter().map(|reverse| reverse.0 .0).collect()
    }
}

impl PageSegmentCollector {
    /// A match whose score may place it on the page.
    #[inline(never)]
    fn offer(&mut self, doc: DocId, score: Score) {
        let Some(id) = self.ids.first(doc) else { return };
        let hit = Ranked(Found { id, score, address: DocAddress::new(self.segment, doc) });
        if self.after.is_some_and(|after| hit >= after) {
            return;
        }
        if self.best.len() < self.limit {
            self.best.push(std::cmp::Reverse(hit));
        } else if self.best.peek().is_some_and(|worst| hit > worst.0) {
            self.best.pop();
            self.best.push(std::cmp::Reverse(hit));
        }
        if self.best.len() == self.limit {
            self.lowest = self.best.peek().map_or(Score::NEG_INFINITY, |worst| worst.0 .0.score);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{EventDocument, HitCursor, SearchIndex, SearchRequest};

    #[test]
    fn pages_walk_equal_scores_by_id_and_give_each_hit_once() {
        let index = SearchIndex::in_memory();
        let mut writer = index.writer(15_000_000).unwrap();
        // Ten events with `border` twice in their title score above thirty with it once; the
        // events of each group score the same, so their ids order them. Written from the
        // highest id, so a tie met later must still displace the page's worst hit.
        for id in (1..=40_u64).rev() {
            let title = if id > 30 { "border border police" } else { "border police seminar" };
            writer.upsert(&EventDocument { id, title: title.to_string(), ..Default::default() }).unwrap();
        }
        writer.commit(40, None).unwrap();
        index.reload().unwrap();
        let (mut seen, mut after) = (Vec::new(), None);
        loop {
            let request = SearchRequest { query: "border".to_string(), limit: 7, after, ..Default::default() };
            let results = index.search(&request).unwrap();
            assert_eq!(results.total_hits, 40);
            seen.extend(results.hits.iter().map(|hit| hit.id));
            let Some(last) = results.hits.last().filter(|_| results.has_more) else { break };
            after = Some(HitCursor { score: last.score, id: last.id });
        }
        assert_eq!(seen, (31..=40).chain(1..=30).collect::<Vec<u64>>());
    }
}
