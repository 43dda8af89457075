//! Convene's integration tests, in one binary to keep link time down.

mod support;

mod catalog_import;
mod connections;
mod graphql_events;
mod http;
mod import_index;
mod import_pipeline;
mod limits;
mod loaders;
mod mutations;
mod schema_file;
mod search;
mod stats;
mod subscriptions;
