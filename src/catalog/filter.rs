//! Event filters (the `EventFilter` of API.md) turned into SQL conditions.

use chrono::NaiveDate;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query, SimpleExpr};
use sea_orm::ColumnTrait;

use super::entity::{event, event_country, organizer};
use super::error::CatalogError;
use super::reference::Reference;

/// An inclusive date range; either end may be open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DateRange {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// Within a list any value matches; across fields all must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// Alpha-2 codes (or any spelling); the venue country or a participating country.
    pub countries: Vec<String>,
    pub venue_countries: Vec<String>,
    /// Region codes of any scheme.
    pub regions: Vec<String>,
    pub topics: Vec<String>,
    /// Organizer ids; each includes the units below it.
    pub organizers: Vec<i64>,
    pub audiences: Vec<String>,
    pub event_types: Vec<String>,
    pub start_date: Option<DateRange>,
    pub added_on: Option<DateRange>,
}

fn resolve_codes(reference: &Reference, field: &str, spellings: &[String]) -> Result<Vec<String>, CatalogError> {
    spellings
        .iter()
        .enumerate()
        .map(|(position, spelling)| {
            reference.resolve_country(spelling).map(|country| country.code.clone()).ok_or_else(|| {
                CatalogError::invalid(format!("filter.{field}[{position}]"), format!("unknown country {spelling:?}"))
            })
        })
        .collect()
}

fn events_with_venue_in(codes: Vec<String>) -> SimpleExpr {
    Expr::col((event::Entity, event::Column::VenueId)).in_subquery(
        Query::select().column("id").from("venues").and_where(Expr::col("country_code").is_in(codes)).to_owned(),
    )
}

fn events_taking_part(codes: Vec<String>) -> SimpleExpr {
    Expr::col((event::Entity, event::Column::Id)).in_subquery(
        Query::select()
            .column(event_country::Column::EventId)
            .from(event_country::Entity)
            .and_where(event_country::Column::CountryCode.is_in(codes))
            .to_owned(),
    )
}

fn events_in_countries(codes: Vec<String>) -> Condition {
    Condition::any().add(events_taking_part(codes.clone())).add(events_with_venue_in(codes))
}

/// Events linked through `link_table` to a label (topic or audience) with one of the slugs.
fn events_with_label(
    link_table: &'static str,
    label_column: &'static str,
    label_table: &'static str,
    slugs: &[String],
) -> SimpleExpr {
    let labels =
        Query::select().column("id").from(label_table).and_where(Expr::col("slug").is_in(slugs.to_vec())).to_owned();
    let link = Query::select()
        .column("event_id")
        .from(link_table)
        .and_where(Expr::col(label_column).in_subquery(labels))
        .to_owned();
    Expr::col((event::Entity, event::Column::Id)).in_subquery(link)
}

fn date_range(column: event::Column, range: &DateRange) -> Condition {
    let mut condition = Condition::all();
    if let Some(from) = range.from {
        condition = condition.add(column.gte(from));
    }
    if let Some(to) = range.to {
        condition = condition.add(column.lte(to));
    }
    condition
}

/// Ids of the given organizers and every unit below them.
pub fn organizer_subtrees(all: &[organizer::Model], roots: &[i64]) -> Vec<i64> {
    let mut selected: Vec<i64> = roots.to_vec();
    let mut frontier: Vec<i64> = roots.to_vec();
    while !frontier.is_empty() {
        let children: Vec<i64> = all
            .iter()
            .filter(|unit| unit.parent_id.is_some_and(|parent| frontier.contains(&parent)))
            .map(|unit| unit.id)
            .filter(|id| !selected.contains(id))
            .collect();
        selected.extend(&children);
        frontier = children;
    }
    selected
}

impl EventFilter {
    /// The SQL condition on `events`; `organizers` is the whole organizer table, needed to
    /// expand a unit into its subtree. Unknown countries and regions are user errors.
    pub fn condition(&self, reference: &Reference, organizers: &[organizer::Model]) -> Result<Condition, CatalogError> {
        let mut condition = Condition::all();
        if !self.countries.is_empty() {
            condition = condition.add(events_in_countries(resolve_codes(reference, "countries", &self.countries)?));
        }
        if !self.venue_countries.is_empty() {
            condition =
                condition.add(events_with_venue_in(resolve_codes(reference, "venueCountries", &self.venue_countries)?));
        }
        if !self.regions.is_empty() {
            let mut codes = Vec::new();
            for (position, region_code) in self.regions.iter().enumerate() {
                if reference.region(region_code).is_none() {
                    return Err(CatalogError::invalid(
                        format!("filter.regions[{position}]"),
                        format!("unknown region {region_code:?}"),
                    ));
                }
                codes.extend(reference.countries_in(region_code).map(|country| country.code.clone()));
            }
            condition = condition.add(events_in_countries(codes));
        }
        if !self.topics.is_empty() {
            condition = condition.add(events_with_label("event_topics", "topic_id", "topics", &self.topics));
        }
        if !self.audiences.is_empty() {
            condition =
                condition.add(events_with_label("event_audiences", "audience_id", "audiences", &self.audiences));
        }
        if !self.organizers.is_empty() {
            condition =
                condition.add(event::Column::OrganizerId.is_in(organizer_subtrees(organizers, &self.organizers)));
        }
        if !self.event_types.is_empty() {
            condition = condition.add(event::Column::EventType.is_in(self.event_types.clone()));
        }
        if let Some(range) = &self.start_date {
            condition = condition.add(date_range(event::Column::StartDate, range));
        }
        if let Some(range) = &self.added_on {
            condition = condition.add(date_range(event::Column::AddedOn, range));
        }
        Ok(condition)
    }
}
