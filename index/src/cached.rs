//! Filters kept as bit sets per segment, like Elasticsearch's filter cache: a dashboard asks
//! for the same region or date range again and again, and building the filter walked the
//! postings of every value in every field it covers, for each range of a segment searched.
//! A segment never changes (deletions only hide documents, which collectors skip), so a set
//! stays right until a reload retires the segment.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use tantivy::index::SegmentId;
use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TantivyError, TERMINATED};

use crate::segment_cache::SegmentCache;

/// Sets kept at most; past it, one is dropped for each new one (a million events take
/// 125 KB per set).
const MAX_SETS: usize = 256;

/// The bit sets of filters, a bit per document, by segment and filter.
#[derive(Debug)]
pub struct FilterCache {
    sets: SegmentCache<String, Vec<u64>>,
}

impl Default for FilterCache {
    fn default() -> Self {
        FilterCache { sets: SegmentCache::new(MAX_SETS, |_| 1) }
    }
}

impl FilterCache {
    /// Keeps the sets of these segments only (the ones a fresh searcher sees).
    pub(crate) fn retain(&self, live: &HashSet<SegmentId>) {
        self.sets.retain(live);
    }

    /// How many sets are kept.
    pub(crate) fn len(&self) -> usize {
        self.sets.len()
    }
}

/// A filter (`filter`, scoring nothing) whose documents are kept per segment under `key`.
pub struct CachedFilter {
    pub key: String,
    pub filter: Box<dyn Query>,
    pub cache: Arc<FilterCache>,
}

impl Clone for CachedFilter {
    fn clone(&self) -> Self {
        CachedFilter { key: self.key.clone(), filter: self.filter.box_clone(), cache: self.cache.clone() }
    }
}

impl std::fmt::Debug for CachedFilter {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("CachedFilter").field("key", &self.key).finish()
    }
}

impl Query for CachedFilter {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        // The sets already kept for the searcher's segments. When every segment has one, the
        // filter's own weight is not built: for a set of terms that builds an FST, which was
        // about a sixth of the server's samples on a filtered search at 100k.
        let readers = scoring.searcher().map(|searcher| searcher.segment_readers()).unwrap_or_default();
        let kept: HashMap<SegmentId, Arc<Vec<u64>>> = readers
            .iter()
            .filter_map(|reader| Some((reader.segment_id(), self.cache.sets.get(reader.segment_id(), &self.key)?)))
            .collect();
        let filter = if scoring.searcher().is_some() && kept.len() == readers.len() {
            None
        } else {
            let unscored = match scoring.searcher() {
                Some(searcher) => EnableScoring::disabled_from_searcher(searcher),
                None => EnableScoring::disabled_from_schema(scoring.schema()),
            };
            Some(self.filter.weight(unscored)?)
        };
        Ok(Box::new(CachedWeight { key: self.key.clone(), kept, filter, cache: self.cache.clone() }))
    }
}

struct CachedWeight {
    key: String,
    /// The sets kept when the weight was made, by segment.
    kept: HashMap<SegmentId, Arc<Vec<u64>>>,
    /// The filter's own weight, for segments without a set in `kept`.
    filter: Option<Box<dyn Weight>>,
    cache: Arc<FilterCache>,
}

impl CachedWeight {
    fn set(&self, reader: &SegmentReader) -> tantivy::Result<Arc<Vec<u64>>> {
        if let Some(set) = self.kept.get(&reader.segment_id()) {
            return Ok(set.clone());
        }
        // Kept since the weight was made, by another range of the same segment.
        if let Some(set) = self.cache.sets.get(reader.segment_id(), &self.key) {
            return Ok(set);
        }
        let filter = self.filter.as_ref().ok_or_else(|| {
            TantivyError::InternalError(format!("segment {} was not in the searcher", reader.segment_id()))
        })?;
        // Built outside the lock, so other segments and ranges build theirs meanwhile.
        let mut bits = vec![0_u64; (reader.max_doc() as usize).div_ceil(64)];
        let mut docs = filter.scorer(reader, 1.0)?;
        let mut doc = docs.doc();
        while doc != TERMINATED {
            bits[doc as usize / 64] |= 1 << (doc % 64);
            doc = docs.advance();
        }
        Ok(self.cache.sets.insert(reader.segment_id(), self.key.clone(), bits))
    }
}

impl Weight for CachedWeight {
    fn scorer(&self, reader: &SegmentReader, _boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let bits = self.set(reader)?;
        let count = bits.iter().map(|bits| bits.count_ones()).sum();
        Ok(Box::new(SetScorer { doc: next_in(&bits, 0), bits, count }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) == doc {
            Ok(Explanation::new("passes the filter", 0.0))
        } else {
            Err(TantivyError::InvalidArgument(format!("document {doc} does not pass the filter")))
        }
    }
}

/// The first document at or after `from` of a bit set of documents, or `TERMINATED`.
pub(crate) fn next_in(set: &[u64], from: DocId) -> DocId {
    let mut word = from as usize / 64;
    let Some(&first) = set.get(word) else { return TERMINATED };
    let mut bits = first & (u64::MAX << (from % 64));
    loop {
        if bits != 0 {
            return (word * 64) as DocId + bits.trailing_zeros();
        }
        word += 1;
        match set.get(word) {
            Some(&next) => bits = next,
            None => return TERMINATED,
        }
    }
}

/// The documents of a kept set, each scoring zero.
struct SetScorer {
    bits: Arc<Vec<u64>>,
    doc: DocId,
    count: u32,
}

impl DocSet for SetScorer {
    fn advance(&mut self) -> DocId {
        self.doc = if self.doc == TERMINATED { TERMINATED } else { next_in(&self.bits, self.doc + 1) };
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc < target {
            self.doc = next_in(&self.bits, target);
        }
        self.doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.count
    }
}

impl Scorer for SetScorer {
    fn score(&mut self) -> Score {
        0.0
    }
}
