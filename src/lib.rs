//! Convene: an open catalogue service for international events.
//!
//! The library holds everything the `convene` binary runs, so tests can start the whole
//! application in-process.

pub mod allocator;
pub mod auth;
pub mod catalog;
pub mod commands;
pub mod config;
pub mod db;
pub mod generate;
pub mod graphql;
pub mod http;
pub mod search;
pub mod telemetry;
