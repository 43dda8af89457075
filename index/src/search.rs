//! The index on disk: opening (or refusing a stale one), writing with the change-log position
//! in each commit, searching with facets, and completions.

use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tantivy::aggregation::agg_req::Aggregations;
use tantivy::aggregation::{AggContextParams, AggregationCollector, AggregationLimitsGuard};
use tantivy::collector::{Collector, Count};
use tantivy::query::{BooleanQuery, Occur, Query};
use tantivy::schema::{Field, Value};
use tantivy::tokenizer::TokenizerManager;
use tantivy::{Index, IndexReader, ReloadPolicy};

use crate::cached::{CachedFilter, FilterCache};
use crate::collector::{Hit, HitCursor, PageCollector};
use crate::counting::{CountCollector, OrdsCache};
use crate::filter::SearchFilter;
use crate::highlight::MatchWord;
use crate::schema::{Fields, SCHEMA_VERSION};
use crate::variants::VariantCache;
pub use crate::writer::{EventWriter, MergeWait};

/// What can go wrong in the engine.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("search index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("search index: {0}")]
    Io(#[from] std::io::Error),
    #[error("search index aggregation: {0}")]
    Json(#[from] serde_json::Error),
}

/// Stored in every commit: how far the index has followed the change log, and which change
/// that was, so an index can tell the database it follows from another one whose change log
/// merely reaches the same number (a recreated database, a data folder pointed elsewhere).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct CommitPayload {
    pub(crate) seq: i64,
    pub(crate) schema: u32,
    /// What identifies the change at `seq` (its event and time); `None` at seq 0.
    #[serde(default)]
    pub(crate) change: Option<String>,
}

/// A dimension to count matches by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FacetField {
    Country,
    VenueCountry,
    RegionUn,
    RegionSubregion,
    RegionOsce,
    Topic,
    Organizer,
    Audience,
    EventType,
    Year,
    Month,
}

/// Counts of one dimension: `(None, n)` holds the events with no value there. Sorted by count,
/// then key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacetCounts {
    pub field: FacetField,
    pub buckets: Vec<(Option<String>, u64)>,
}

/// Grouped counts: the total of matching events and a count per combination of keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsResults {
    pub total: u64,
    pub buckets: Vec<(Vec<Option<String>>, u64)>,
}

/// By count, then keys; "no value" after every value among equals.
fn sort_buckets(buckets: &mut [(Vec<Option<String>>, u64)]) {
    let keys = |bucket: &(Vec<Option<String>>, u64)| {
        bucket.0.iter().map(|key| (key.is_none(), key.clone())).collect::<Vec<_>>()
    };
    buckets.sort_by(|left, right| right.1.cmp(&left.1).then_with(|| keys(left).cmp(&keys(right))));
}

/// Walks nested terms aggregations into flat (keys, count) rows.
/// Facet buckets from the counting tables, one per facet, by count then key.
fn facet_counts(facets: &[FacetField], tables: Vec<crate::counting::Counts>) -> Vec<FacetCounts> {
    facets
        .iter()
        .zip(tables)
        .map(|(facet, table)| {
            let mut buckets: Vec<(Vec<Option<String>>, u64)> = table.into_iter().collect();
            sort_buckets(&mut buckets);
            let buckets = buckets.into_iter().map(|(mut keys, count)| (keys.pop().flatten(), count)).collect();
            FacetCounts { field: *facet, buckets }
        })
        .collect()
}

fn flatten(
    aggregation: &serde_json::Value,
    depth: usize,
    levels: usize,
    keys: &mut Vec<Option<String>>,
    out: &mut Vec<(Vec<Option<String>>, u64)>,
) {
    let Some(buckets) = aggregation["buckets"].as_array() else { return };
    for bucket in buckets {
        let (Some(key), Some(count)) = (bucket["key"].as_str(), bucket["doc_count"].as_u64()) else { continue };
        if count == 0 {
            continue;
        }
        keys.push((key != MISSING).then(|| key.to_string()));
        if depth + 1 == levels {
            out.push((keys.clone(), count));
        } else {
            flatten(&bucket[(depth + 1).to_string()], depth + 1, levels, keys, out);
        }
        keys.pop();
    }
}

/// A search.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub query: String,
    pub filter: SearchFilter,
    pub limit: usize,
    pub after: Option<HitCursor>,
    pub facets: Vec<FacetField>,
    /// Read what each hit of the page keeps ([`Hit::source`]).
    pub sources: bool,
}

/// What a search found.
#[derive(Debug, Clone)]
pub struct SearchResults {
    pub total_hits: u64,
    pub hits: Vec<Hit>,
    /// More hits follow this page.
    pub has_more: bool,
    pub facets: Vec<FacetCounts>,
    /// The query's words, for highlighting.
    pub words: Vec<MatchWord>,
}

/// The sentinel the aggregation uses for "no value".
const MISSING: &str = "\u{0}missing";

/// An open index with its reader.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    ords: OrdsCache,
    filters: Arc<FilterCache>,
    variants: Arc<VariantCache>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("SearchIndex").field("applied_seq", &self.applied_seq()).finish()
    }
}

impl SearchIndex {
    fn wrap(mut index: Index, fields: Fields) -> Result<Self, IndexError> {
        crate::analyzer::register(index.tokenizers());
        // Segments are searched in parallel, one thread per core.
        index.set_default_multithread_executor()?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(SearchIndex {
            index,
            reader,
            fields,
            ords: OrdsCache::default(),
            filters: Arc::default(),
            variants: Arc::default(),
        })
    }

    /// Opens the index in `dir`; `Ok(None)` when there is none or it was built by another
    /// schema version, so the caller rebuilds it.
    pub fn open(dir: &Path) -> Result<Option<Self>, IndexError> {
        if !dir.join("meta.json").exists() {
            return Ok(None);
        }
        let index = Index::open_in_dir(dir)?;
        let fields = Fields::new();
        if index.schema() != fields.schema {
            return Ok(None);
        }
        let opened = Self::wrap(index, fields)?;
        match opened.payload() {
            Some(payload) if payload.schema == SCHEMA_VERSION => Ok(Some(opened)),
            _ => Ok(None),
        }
    }

    /// Creates an empty index in `dir` (created if missing; must not hold an index).
    pub fn create(dir: &Path) -> Result<Self, IndexError> {
        std::fs::create_dir_all(dir)?;
        let fields = Fields::new();
        let index = Index::create_in_dir(dir, fields.schema.clone())?;
        Self::wrap(index, fields)
    }

    /// An index in memory, for tests.
    pub fn in_memory() -> Self {
        let fields = Fields::new();
        let index = Index::create_in_ram(fields.schema.clone());
        Self::wrap(index, fields).expect("an index in memory opens")
    }

    fn payload(&self) -> Option<CommitPayload> {
        let metas = self.index.load_metas().ok()?;
        serde_json::from_str(metas.payload.as_deref()?).ok()
    }

    /// The last change-log sequence number the committed index holds; `None` before the
    /// first commit.
    pub fn applied_seq(&self) -> Option<i64> {
        self.payload().map(|payload| payload.seq)
    }

    /// What identifies the last change the committed index holds (see [`EventWriter::commit`]).
    pub fn applied_change(&self) -> Option<String> {
        self.payload().and_then(|payload| payload.change)
    }

    /// Takes the index's one writer (a second one in any process fails).
    pub fn writer(&self, heap_bytes: usize) -> Result<EventWriter, IndexError> {
        Ok(EventWriter::new(self.index.writer(heap_bytes)?, self.fields.clone()))
    }

    /// Makes the latest commit visible to searches.
    pub fn reload(&self) -> Result<(), IndexError> {
        self.reader.reload()?;
        let live = self.reader.searcher().segment_readers().iter().map(|reader| reader.segment_id()).collect();
        self.ords.retain(&live);
        self.filters.retain(&live);
        self.variants.retain(&live);
        Ok(())
    }

    /// Deletes the files of segments that no commit uses and no search holds. tantivy deletes
    /// them after each merge, but not those a reader still held then: a bulk load's final merge
    /// runs while the loader's reader holds the segments it merges, so their files (nearly half
    /// of the folder after a 1M import) stayed until a later writer's next commit. Call after
    /// [`Self::reload`], with no writer open.
    pub fn collect_garbage(&self) -> Result<(), IndexError> {
        let writer: tantivy::IndexWriter = self.index.writer_with_num_threads(1, crate::writer::MERGE_WRITER_BYTES)?;
        writer.garbage_collect_files().wait()?;
        Ok(())
    }

    /// How many threads search the index: one per core.
    pub fn search_threads(&self) -> usize {
        crate::parallel::search_threads(&self.index)
    }

    /// How many filters are kept as bit sets (one per segment and filter).
    pub fn cached_filters(&self) -> usize {
        self.filters.len()
    }

    /// Memory held by decoded facet ordinals and kept variant terms, in bytes.
    pub fn cached_bytes(&self) -> usize {
        self.ords.bytes() + self.variants.bytes()
    }

    /// A searcher over the latest reloaded commit.
    pub fn searcher(&self) -> tantivy::Searcher {
        self.reader.searcher()
    }

    /// Runs a collector over the latest reloaded commit, segments larger than their share cut
    /// into ranges so every core works ([`crate::parallel`]).
    pub(crate) fn collect<C: Collector>(&self, query: &dyn Query, collector: &C) -> tantivy::Result<C::Fruit> {
        crate::parallel::search(&self.index, &self.reader.searcher(), query, collector)
    }

    /// The schema's fields.
    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    /// How many events the searchable index holds.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// True when the searchable index holds no event.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn facet_field(&self, facet: FacetField) -> Field {
        let fields = &self.fields;
        match facet {
            FacetField::Country => fields.country,
            FacetField::VenueCountry => fields.venue_country,
            FacetField::RegionUn => fields.region_un,
            FacetField::RegionSubregion => fields.region_subregion,
            FacetField::RegionOsce => fields.region_osce,
            FacetField::Topic => fields.topic,
            FacetField::Organizer => fields.organizer_id,
            FacetField::Audience => fields.audience,
            FacetField::EventType => fields.event_type,
            FacetField::Year => fields.year,
            FacetField::Month => fields.month,
        }
    }

    /// The whole query: the user's words and the filter.
    pub fn build_query(&self, text: &str, filter: &SearchFilter) -> (Box<dyn Query>, Vec<MatchWord>) {
        let parsed = crate::query::parse(&self.fields, text, &self.variants);
        let mut clauses = vec![(Occur::Must, parsed.query)];
        if *filter != SearchFilter::default() {
            clauses.push((Occur::Must, self.filter_query(filter)));
        }
        (Box::new(BooleanQuery::new(clauses)), parsed.words)
    }

    /// The filter alone as a query, its documents kept per segment (everything when empty).
    pub(crate) fn filter_query(&self, filter: &SearchFilter) -> Box<dyn Query> {
        if *filter == SearchFilter::default() {
            return Box::new(tantivy::query::AllQuery);
        }
        Box::new(CachedFilter {
            key: format!("{filter:?}"),
            filter: filter.query(&self.fields),
            cache: self.filters.clone(),
        })
    }

    /// Runs a search: one page of hits, the exact total and the requested facet counts.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults, IndexError> {
        let (query, words) = self.build_query(&request.query, &request.filter);
        let page = PageCollector { limit: request.limit + 1, after: request.after };
        // One pass over the matches: the page, the total and the facets together (a second
        // pass for the facets would expand typo and prefix words and walk the postings again).
        let counter = CountCollector { fields: self.field_names(&request.facets), combined: false, cache: &self.ords };
        let searcher = self.reader.searcher();
        // As `collect`, on a searcher kept to read the hits' rows from the same commit.
        let (total, mut found, tables) =
            crate::parallel::search(&self.index, &searcher, &*query, &(Count, page, counter))?;
        let has_more = found.len() > request.limit;
        found.truncate(request.limit);
        let mut hits = Vec::with_capacity(found.len());
        for found in found {
            let source = if request.sources { self.source(&searcher, found.address)? } else { String::new() };
            hits.push(Hit { id: found.id, score: found.score, source });
        }
        let facets = facet_counts(&request.facets, tables);
        Ok(SearchResults { total_hits: total as u64, hits, has_more, facets, words })
    }

    /// What the document at `address` keeps ([`crate::EventDocument::source`]): one block of
    /// the document store read and decompressed, or found in the searcher's cache of blocks.
    fn source(&self, searcher: &tantivy::Searcher, address: tantivy::DocAddress) -> Result<String, IndexError> {
        let document: tantivy::TantivyDocument = searcher.doc(address)?;
        Ok(document
            .get_first(self.fields.source)
            .and_then(|value| value.as_str())
            .map(str::to_string)
            .unwrap_or_default())
    }

    fn field_names(&self, facets: &[FacetField]) -> Vec<String> {
        facets.iter().map(|facet| self.fields.schema.get_field_name(self.facet_field(*facet)).to_string()).collect()
    }

    /// Counts the matches of a query and filter grouped by several dimensions at once (a
    /// bucket per combination of values that occurs): the total and the buckets, by count then
    /// keys. An event counts once in each combination of its values, so multi-valued
    /// dimensions can sum to more than the total.
    pub fn stats(
        &self,
        text: &str,
        filter: &SearchFilter,
        group_by: &[FacetField],
    ) -> Result<StatsResults, IndexError> {
        let (query, _) = self.build_query(text, filter);
        let searcher = self.reader.searcher();
        if group_by.is_empty() {
            let total = searcher.search(&query, &Count)? as u64;
            return Ok(StatsResults { total, buckets: vec![(Vec::new(), total)] });
        }
        let collector = CountCollector { fields: self.field_names(group_by), combined: true, cache: &self.ords };
        match self.collect(&*query, &(Count, collector)) {
            Ok((total, mut tables)) => {
                let mut buckets: Vec<(Vec<Option<String>>, u64)> =
                    tables.pop().unwrap_or_default().into_iter().collect();
                sort_buckets(&mut buckets);
                Ok(StatsResults { total: total as u64, buckets })
            }
            // Too many combinations for the dense table: count with nested aggregations.
            Err(tantivy::TantivyError::InvalidArgument(_)) => self.stats_by_aggregation(&*query, group_by),
            Err(error) => Err(error.into()),
        }
    }

    /// [`Self::stats`] through tantivy's nested terms aggregations: slower, but without a
    /// limit on the number of combinations.
    pub fn stats_by_aggregation(&self, query: &dyn Query, group_by: &[FacetField]) -> Result<StatsResults, IndexError> {
        let schema = &self.fields.schema;
        let mut request: Option<serde_json::Value> = None;
        for (depth, facet) in group_by.iter().enumerate().rev() {
            let field = schema.get_field_name(self.facet_field(*facet));
            let mut terms = serde_json::json!({"terms": {"field": field, "size": 65_000, "segment_size": 65_000, "missing": MISSING}});
            if let Some(inner) = request.take() {
                terms["aggs"] = serde_json::json!({ (depth + 1).to_string(): inner });
            }
            request = Some(terms);
        }
        let Some(request) = request else {
            let total = self.reader.searcher().search(query, &Count)? as u64;
            return Ok(StatsResults { total, buckets: vec![(Vec::new(), total)] });
        };
        let aggregations: Aggregations = serde_json::from_value(serde_json::json!({ "0": request }))?;
        let context = AggContextParams::new(AggregationLimitsGuard::default(), TokenizerManager::default());
        let collector = AggregationCollector::from_aggs(aggregations, context);
        let (total, results) = self.reader.searcher().search(query, &(Count, collector))?;
        let results = serde_json::to_value(results)?;
        let mut buckets = Vec::new();
        flatten(&results["0"], 0, group_by.len(), &mut Vec::new(), &mut buckets);
        sort_buckets(&mut buckets);
        Ok(StatsResults { total: total as u64, buckets })
    }
}
