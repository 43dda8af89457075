//! The GraphQL schema: one module per domain, thin resolvers over the catalogue services.

pub mod access;
pub mod error;
pub mod event;
pub mod gate;
pub mod labels;
pub mod loaders;
pub mod mutation;
pub mod scalars;
pub mod search;
pub mod stats;
pub mod subscription;
pub mod taxonomy;

use async_graphql::{MergedObject, Schema};

use crate::catalog::Catalog;
use crate::search::Search;

/// Every query of the API.
#[derive(MergedObject, Default)]
pub struct Query(event::EventQuery, search::SearchQuery, stats::StatsQuery, taxonomy::TaxonomyQuery);

pub use gate::ConveneSchema;

/// Limits that keep one request from taking the server down.
#[derive(Debug, Clone, Copy)]
pub struct SchemaLimits {
    pub max_depth: usize,
    pub max_complexity: usize,
    /// Queries without a token are answered.
    pub anonymous_queries: bool,
}

impl Default for SchemaLimits {
    fn default() -> Self {
        SchemaLimits { max_depth: 12, max_complexity: 5_000, anonymous_queries: true }
    }
}

/// Builds the schema over a catalogue and its search index.
pub fn build_schema(catalog: Catalog, search: Search, limits: SchemaLimits) -> ConveneSchema {
    let schema = Schema::build(Query::default(), mutation::Mutation, subscription::Subscription)
        .data(loaders::loaders(catalog.clone()))
        .data(catalog)
        .data(labels::LabelCache::default())
        .data(search)
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        .finish();
    ConveneSchema::new(schema, access::AccessPolicy { anonymous_queries: limits.anonymous_queries })
}

/// The SDL of the schema, as `convene schema` prints it.
pub fn sdl() -> String {
    Schema::build(Query::default(), mutation::Mutation, subscription::Subscription).finish().sdl()
}
