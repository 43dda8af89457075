//! The Convene search engine: tantivy schema, analyzers, search, highlights and facets. A
//! library with no knowledge of HTTP, GraphQL or SQL; the server feeds it documents.

pub mod analyzer;
mod cached;
pub mod collector;
pub mod counting;
mod distance;
pub mod document;
pub mod filter;
pub mod highlight;
mod ordinals;
mod parallel;
mod phrase;
pub mod query;
pub mod schema;
pub mod search;
mod segment_cache;
pub mod sorted;
pub mod suggest;
mod variants;
mod view;
mod word;
mod words;
mod writer;

pub use collector::{Hit, HitCursor};
pub use document::EventDocument;
pub use filter::SearchFilter;
pub use highlight::MatchWord;
pub use search::{
    EventWriter, FacetCounts, FacetField, IndexError, MergeWait, SearchIndex, SearchRequest, SearchResults,
    StatsResults,
};
pub use sorted::{DateField, DateKey, DateOrder};
