//! The `search` and `suggest` queries: full-text search with highlights, facets and cursors.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{Context, Enum, Object, SimpleObject};
use base64::Engine;
use convene_index::highlight::Highlighter;
use convene_index::{FacetField, Hit, HitCursor, SearchRequest};
use serde::{Deserialize, Serialize};

use super::error::{loader_error, ApiResult, ErrorCode};
use super::event::{Event, EventFilter, PageInfo};
use super::labels::{LabelCache, Labels};
use super::loaders::{Loaders, Preloaded, Selection};
use super::taxonomy::RegionScheme;
use crate::catalog::entity::event;
use crate::catalog::reference::RegionScheme as Scheme;
use crate::catalog::{read, Catalog, CatalogError};
use crate::search::{documents, search_filter, Search};

/// A dimension events are counted by.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dimension {
    /// Region of the venue country and of each participating country, in the chosen scheme.
    Region,
    /// The venue country or a participating country (alpha-2).
    Country,
    VenueCountry,
    /// Topic slug.
    Topic,
    /// The organizing unit's own id.
    Organizer,
    /// Audience slug.
    Audience,
    EventType,
    /// Year of the start date, `"2009"`.
    Year,
    /// Month of the start date, `"2009-11"`.
    Month,
}

impl Dimension {
    /// The index field that counts this dimension.
    pub fn facet_field(self, scheme: Scheme) -> FacetField {
        match self {
            Dimension::Region => match scheme {
                Scheme::UnRegion => FacetField::RegionUn,
                Scheme::UnSubregion => FacetField::RegionSubregion,
                Scheme::Osce => FacetField::RegionOsce,
            },
            Dimension::Country => FacetField::Country,
            Dimension::VenueCountry => FacetField::VenueCountry,
            Dimension::Topic => FacetField::Topic,
            Dimension::Organizer => FacetField::Organizer,
            Dimension::Audience => FacetField::Audience,
            Dimension::EventType => FacetField::EventType,
            Dimension::Year => FacetField::Year,
            Dimension::Month => FacetField::Month,
        }
    }
}

/// A value of a dimension and how many events have it.
#[derive(SimpleObject, Debug, Clone)]
pub struct Bucket {
    /// The value (see API.md "Keys"); null for events with no value in this dimension.
    pub key: Option<String>,
    /// A readable name for the value.
    pub label: String,
    pub count: i64,
}

/// Counts of the matching events by one dimension, by count then key.
#[derive(SimpleObject, Debug, Clone)]
pub struct Facet {
    pub dimension: Dimension,
    pub buckets: Vec<Bucket>,
}

/// A part of a hit with the matched words marked.
#[derive(SimpleObject, Debug, Clone)]
pub struct Highlight {
    /// `title` or `description`.
    pub field: String,
    /// HTML-escaped text, matched words in `<mark>…</mark>`.
    pub snippet: String,
}

/// A matching event.
#[derive(SimpleObject, Debug, Clone)]
pub struct SearchHit {
    pub cursor: String,
    pub score: f64,
    pub event: Event,
    pub highlights: Vec<Highlight>,
}

/// One page of search results with the exact total and facet counts over every match.
#[derive(SimpleObject, Debug, Clone)]
pub struct SearchResults {
    pub total_hits: i64,
    pub hits: Vec<SearchHit>,
    pub facets: Vec<Facet>,
    pub page_info: PageInfo,
}

#[derive(Serialize, Deserialize)]
struct SearchCursor {
    s: u32,
    i: u64,
}

fn encode_cursor(score: f32, id: u64) -> String {
    let json = serde_json::to_vec(&SearchCursor { s: score.to_bits(), i: id }).expect("a cursor serialises");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
}

fn decode_cursor(text: &str) -> async_graphql::Result<HitCursor> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .ok()
        .and_then(|json| serde_json::from_slice::<SearchCursor>(&json).ok())
        .map(|cursor| HitCursor { score: f32::from_bits(cursor.s), id: cursor.i })
        .ok_or_else(|| ErrorCode::BadUserInput.error(format!("after: {text:?} is not a search cursor")))
}

/// The page's hits with their events' rows, in the page's order: as the index keeps them with
/// each hit, as Elasticsearch shows `_source` (the event as it was when indexed, a few
/// milliseconds behind a change; no round trip to the database), read from the database for
/// hits that keep none. Events deleted from both are left out.
async fn page_rows<'h>(catalog: &Catalog, hits: &'h [Hit]) -> Result<Vec<(&'h Hit, event::Model)>, CatalogError> {
    let kept: Vec<Option<event::Model>> = hits.iter().map(|hit| documents::row_of(&hit.source)).collect();
    let missing: Vec<i64> =
        hits.iter().zip(&kept).filter(|(_, row)| row.is_none()).map(|(hit, _)| hit.id as i64).collect();
    let mut from_db: HashMap<i64, event::Model> = read::events_by_id(catalog.db(), &missing).await?;
    Ok(hits
        .iter()
        .zip(kept)
        .filter_map(|(hit, row)| Some((hit, row.or_else(|| from_db.remove(&(hit.id as i64)))?)))
        .collect())
}

/// A hit's highlights as a search gives them: its title in full, and 40 words of its
/// description around the best cluster of matches (its first 40 when none matched).
pub fn highlights(event: &event::Model, marker: &mut Highlighter<'_>) -> Vec<Highlight> {
    let mut highlights = vec![Highlight {
        field: "title".to_string(),
        snippet: marker.highlight_all(&event.title).unwrap_or_else(|| escape(&event.title)),
    }];
    if let Some(description) = &event.description {
        let text = marker.snippet(description, 40).unwrap_or_else(|| leading_words(description, 40));
        highlights.push(Highlight { field: "description".to_string(), snippet: text });
    }
    highlights
}

fn escape(text: &str) -> String {
    convene_index::highlight::escape(text, true)
}

/// The first `count` words of `text`, escaped, with `…` when more follow; splits no further.
fn leading_words(text: &str, count: usize) -> String {
    let mut words = text.split_whitespace();
    let lead: Vec<&str> = words.by_ref().take(count).collect();
    let mut lead = escape(&lead.join(" "));
    if words.next().is_some() {
        lead.push('…');
    }
    lead
}

/// The `search` and `suggest` queries.
#[derive(Debug, Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
    /// Full-text search over titles (weighted most), subtitles, topics, descriptions,
    /// organizers, venues and country names. All words must match; typos are forgiven; the
    /// last word also matches as a prefix; `"phrases"`, `-word` and `OR` work. `totalHits`
    /// and facets cover every match.
    #[allow(clippy::too_many_arguments)]
    async fn search(
        &self,
        ctx: &Context<'_>,
        query: String,
        filter: Option<EventFilter>,
        #[graphql(default_with = "Some(20)")] first: Option<i32>,
        after: Option<String>,
        facets: Option<Vec<Dimension>>,
        #[graphql(default_with = "Some(RegionScheme::UnSubregion)")] region_scheme: Option<RegionScheme>,
    ) -> async_graphql::Result<SearchResults> {
        let catalog = ctx.data_unchecked::<Catalog>();
        let search = ctx.data_unchecked::<Search>();
        let first = first.unwrap_or(20);
        if !(0..=crate::catalog::page::MAX_PAGE_SIZE as i32).contains(&first) {
            return Err(ErrorCode::BadUserInput.error(format!("first: must be between 0 and 100, got {first}")));
        }
        let domain_filter = filter.unwrap_or_default().into_domain()?;
        let scheme: Scheme = region_scheme.unwrap_or_default().into();
        let dimensions = facets.unwrap_or_default();
        let request = SearchRequest {
            query,
            filter: search_filter(catalog, &domain_filter).api()?,
            limit: first as usize,
            after: after.as_deref().map(decode_cursor).transpose()?,
            facets: dimensions.iter().map(|dimension| dimension.facet_field(scheme)).collect(),
            sources: true,
        };
        let has_cursor = request.after.is_some();
        // The facets' labels come from the cache, or from the database while the index searches.
        let (results, labels) = tokio::join!(
            search.search(request),
            Labels::load(catalog, ctx.data_unchecked::<LabelCache>(), search.applied_seq(), &dimensions)
        );
        let results = results.map_err(|error| {
            tracing::error!(error = format!("{error:#}"), "search failed");
            ErrorCode::Internal.error("internal error")
        })?;
        let labels = labels.api()?;
        let found = page_rows(catalog, &results.hits).await.api()?;
        let models: Vec<event::Model> = found.iter().map(|(_, event)| event.clone()).collect();
        let selection = Selection::of(&ctx.look_ahead().field("hits").field("event"));
        let preloaded =
            Arc::new(Preloaded::load(ctx.data_unchecked::<Loaders>(), &models, selection).await.map_err(loader_error)?);
        // Highlighting reads every word of each description, comparing each distinct word with
        // the query once per page. On this thread: spreading a page over rayon's pool saved no
        // time and cost 0.6-0.8 ms of CPU per request in its idle threads' spinning. Skipped when
        // the query does not ask for highlights.
        let marked: Vec<Vec<Highlight>> = if ctx.look_ahead().field("hits").field("highlights").exists() {
            let mut marker = Highlighter::new(&results.words);
            found.iter().map(|(_, event)| highlights(event, &mut marker)).collect()
        } else {
            vec![Vec::new(); found.len()]
        };
        let hits: Vec<SearchHit> = found
            .into_iter()
            .zip(marked)
            .map(|((hit, event), highlights)| SearchHit {
                cursor: encode_cursor(hit.score, hit.id),
                score: f64::from(hit.score),
                highlights,
                event: Event(event, Some(preloaded.clone())),
            })
            .collect();
        let facet_list: Vec<Facet> = dimensions
            .iter()
            .zip(&results.facets)
            .map(|(&dimension, counts)| Facet {
                dimension,
                buckets: counts
                    .buckets
                    .iter()
                    .map(|(key, count)| labels.bucket(catalog, dimension, key, *count))
                    .collect(),
            })
            .collect();
        let page_info = PageInfo {
            has_next_page: results.has_more,
            has_previous_page: has_cursor,
            start_cursor: hits.first().map(|hit| hit.cursor.clone()),
            end_cursor: hits.last().map(|hit| hit.cursor.clone()),
        };
        Ok(SearchResults { total_hits: results.total_hits as i64, hits, facets: facet_list, page_info })
    }

    /// Completions of what the user is typing, best first: titles, topics, organizers and
    /// country names.
    async fn suggest(
        &self,
        ctx: &Context<'_>,
        prefix: String,
        #[graphql(default = 8)] limit: i32,
    ) -> async_graphql::Result<Vec<String>> {
        let search = ctx.data_unchecked::<Search>();
        if !(0..=50).contains(&limit) {
            return Err(ErrorCode::BadUserInput.error(format!("limit: must be between 0 and 50, got {limit}")));
        }
        search.suggest(prefix, limit as usize).await.map_err(|error| {
            tracing::error!(error = format!("{error:#}"), "suggest failed");
            ErrorCode::Internal.error("internal error")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::leading_words;

    #[test]
    fn a_description_without_matches_shows_its_first_words() {
        assert_eq!(leading_words("Border  <police>\nmet", 2), "Border &lt;police&gt;…");
        assert_eq!(leading_words("Border police met", 3), "Border police met");
        assert_eq!(leading_words("  Border police  ", 5), "Border police");
    }
}
