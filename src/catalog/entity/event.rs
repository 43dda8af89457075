//! An event of the catalogue: one row per workshop, conference or training.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Serialisable: the index keeps each event's row to show it as a hit
/// ([`crate::search::documents::source_of`]).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub slug: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub description: Option<String>,
    pub event_type: Option<String>,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    pub added_on: Option<Date>,
    pub source_url: Option<String>,
    pub organizer_id: Option<i64>,
    pub venue_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
