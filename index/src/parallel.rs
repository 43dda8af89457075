//! Searching with every core even when the index is one large segment: a segment larger than
//! its share of the index is searched in doc-id ranges on several threads, as Lucene 10 does
//! with intra-segment concurrency. tantivy alone parallelises by segment only, and a merged
//! index leaves one thread doing most of the work.

use std::ops::Range;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::{EnableScoring, Query, Weight};
use tantivy::{DocId, DocSet, Executor, Index, Searcher, SegmentReader, TERMINATED};

/// Below this many documents a range is not worth a task (each range builds its own scorer).
const MIN_RANGE_DOCS: u32 = 16_384;

/// The doc-id ranges to search, by segment ordinal: each segment whole, or cut into equal
/// parts of about the index's size divided by the number of threads (and at least
/// `min_range` documents).
fn ranges(sizes: &[u32], threads: usize, min_range: u32) -> Vec<(u32, Range<DocId>)> {
    let total: u64 = sizes.iter().map(|&size| u64::from(size)).sum();
    let share = (total.div_ceil(threads.max(1) as u64) as u32).max(min_range).max(1);
    let mut ranges = Vec::new();
    for (ordinal, &max_doc) in sizes.iter().enumerate() {
        // The nearest whole number of shares: a segment barely over its share stays whole.
        let parts = ((max_doc + share / 2) / share).min(max_doc / min_range.max(1)).max(1);
        let size = max_doc.div_ceil(parts).max(1);
        let mut start = 0;
        loop {
            let end = (start + size).min(max_doc);
            ranges.push((ordinal as u32, start..end));
            if end == max_doc {
                break;
            }
            start = end;
        }
    }
    ranges
}

/// Collects the matches of one range of a segment. Word queries hand their matches over a
/// window at a time; a whole segment counted without scores goes through tantivy's own path,
/// which collects blocks of documents.
fn collect_range<C: Collector>(
    collector: &C,
    weight: &dyn Weight,
    ordinal: u32,
    reader: &SegmentReader,
    range: Range<DocId>,
) -> tantivy::Result<<C::Child as SegmentCollector>::Fruit> {
    let scoring = collector.requires_scoring();
    if !scoring && range.start == 0 && range.end >= reader.max_doc() {
        return collector.collect_segment(weight, ordinal, reader);
    }
    let mut child = collector.for_segment(ordinal, reader)?;
    let alive = reader.alive_bitset();
    let mut collect = |doc: DocId, score| {
        if alive.is_none_or(|alive| alive.is_alive(doc)) {
            child.collect(doc, if scoring { score } else { 0.0 });
        }
    };
    let mut scorer = weight.scorer(reader, 1.0)?;
    if scorer.doc() < range.start {
        scorer.seek(range.start);
    }
    if !crate::words::for_each_windowed(scorer.as_mut(), range.end, &mut collect) {
        let mut doc = scorer.doc();
        while doc != TERMINATED && doc < range.end {
            collect(doc, if scoring { scorer.score() } else { 0.0 });
            doc = scorer.advance();
        }
    }
    Ok(child.harvest())
}

/// [`Searcher::search`] with large segments cut into ranges searched in parallel on the
/// index's search threads. The fruit is the same as tantivy's: collectors merge the fruits of
/// the parts of a segment as they merge those of different segments.
pub fn search<C: Collector>(
    index: &Index,
    searcher: &Searcher,
    query: &dyn Query,
    collector: &C,
) -> tantivy::Result<C::Fruit> {
    search_in_ranges(index.search_executor(), search_threads(index), MIN_RANGE_DOCS, searcher, query, collector)
}

/// How many threads search the index (one per core, see [`crate::SearchIndex`]).
pub(crate) fn search_threads(index: &Index) -> usize {
    match index.search_executor() {
        Executor::SingleThread => 1,
        Executor::ThreadPool(pool) => pool.current_num_threads(),
    }
}

fn search_in_ranges<C: Collector>(
    executor: &Executor,
    threads: usize,
    min_range: u32,
    searcher: &Searcher,
    query: &dyn Query,
    collector: &C,
) -> tantivy::Result<C::Fruit> {
    let scoring = if collector.requires_scoring() {
        EnableScoring::enabled_from_searcher(searcher)
    } else {
        EnableScoring::disabled_from_searcher(searcher)
    };
    let weight = query.weight(scoring)?;
    let readers = searcher.segment_readers();
    let sizes: Vec<u32> = readers.iter().map(SegmentReader::max_doc).collect();
    let run = |(ordinal, range): (u32, Range<DocId>)| {
        collect_range(collector, weight.as_ref(), ordinal, &readers[ordinal as usize], range)
    };
    let ranges = ranges(&sizes, threads, min_range);
    let fruits = match executor {
        Executor::ThreadPool(pool) if ranges.len() > 1 => {
            // The calling thread searches the first range itself while the pool takes the
            // others, instead of handing every range to the pool and sleeping until it is done:
            // one thread fewer woken and put back to sleep per search.
            let mut slots: Vec<_> = ranges.iter().map(|_| None).collect();
            pool.in_place_scope(|scope| {
                let mut work = slots.iter_mut().zip(ranges);
                let first = work.next();
                for (slot, range) in work {
                    scope.spawn(|_| *slot = Some(run(range)));
                }
                if let Some((slot, range)) = first {
                    *slot = Some(run(range));
                }
            });
            slots.into_iter().map(|fruit| fruit.expect("the scope ran every range")).collect::<tantivy::Result<_>>()?
        }
        _ => ranges.into_iter().map(run).collect::<tantivy::Result<_>>()?,
    };
    collector.merge_fruits(fruits)
}

#[cfg(test)]
mod tests {
    use tantivy::collector::Count;
    use tantivy::Executor;

    use super::{ranges, search_in_ranges};
    use crate::collector::PageCollector;
    use crate::counting::{CountCollector, OrdsCache};
    use crate::{EventDocument, SearchFilter, SearchIndex};

    #[test]
    fn only_segments_larger_than_their_share_are_cut() {
        let lengths = |sizes: &[u32]| -> Vec<(u32, u32)> {
            ranges(sizes, 2, 10).into_iter().map(|(segment, range)| (segment, range.end - range.start)).collect()
        };
        assert_eq!(lengths(&[1_000]), [(0, 500), (0, 500)]);
        assert_eq!(lengths(&[800, 200]), [(0, 400), (0, 400), (1, 200)]);
        // Already balanced enough: cutting would only build more scorers.
        assert_eq!(lengths(&[520, 480]), [(0, 520), (1, 480)]);
        assert_eq!(lengths(&[600, 300, 100]), [(0, 600), (1, 300), (2, 100)]);
        assert_eq!(lengths(&[15]), [(0, 15)]);
        assert_eq!(lengths(&[0]), [(0, 0)]);
        assert_eq!(ranges(&[1_001], 2, 10).last().unwrap().1, 501..1_001);
        assert_eq!(ranges(&[1_000], 1, 10), [(0, 0..1_000)]);
    }

    #[test]
    fn a_segment_searched_in_ranges_gives_what_it_gives_whole() {
        let index = SearchIndex::in_memory();
        let mut writer = index.writer(15_000_000).unwrap();
        let countries = ["KZ", "TJ", "TR", "UZ", "AT"];
        for id in 1..=300_u64 {
            let words = if id % 3 == 0 { "border management" } else { "police training" };
            writer
                .upsert(&EventDocument {
                    id,
                    title: format!("{words} {id}"),
                    description: Some(format!("{words} in {}", countries[id as usize % 5]).repeat(1 + id as usize % 4)),
                    countries: countries[..1 + id as usize % 5].iter().map(|code| code.to_string()).collect(),
                    ..Default::default()
                })
                .unwrap();
        }
        writer.commit(300, None).unwrap();
        writer.delete(9);
        writer.commit(301, None).unwrap();
        writer.merge_segments().unwrap();
        index.reload().unwrap();
        let searcher = index.searcher();
        assert_eq!(searcher.segment_readers().len(), 1);
        let cache = OrdsCache::default();
        for text in ["border", "police -border", ""] {
            let (query, _) = index.build_query(text, &SearchFilter::default());
            let page = PageCollector { limit: 25, after: None };
            let counter = CountCollector { fields: vec!["country".to_string()], combined: false, cache: &cache };
            let collector = (Count, page, counter);
            let whole = searcher.search(&*query, &collector).unwrap();
            let cut = search_in_ranges(&Executor::single_thread(), 7, 10, &searcher, &*query, &collector).unwrap();
            assert_eq!(cut, whole, "{text:?}");
            assert!(whole.0 > 25, "{text:?} matches more than a page");
        }
    }
}
