//! Filters applied inside the index, with the meaning of `EventFilter`: within a list any
//! value matches, across fields all must match.

use std::ops::Bound;

use chrono::NaiveDate;
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, RangeQuery, TermSetQuery};
use tantivy::schema::Field;
use tantivy::Term;

use crate::document::index_date;
use crate::schema::Fields;

/// What to keep; empty lists keep everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchFilter {
    /// Alpha-2 codes: the venue country or a participating country.
    pub countries: Vec<String>,
    pub venue_countries: Vec<String>,
    /// Region codes of any scheme.
    pub regions: Vec<String>,
    pub topics: Vec<String>,
    /// Organizer ids; each keeps the units below it.
    pub organizers: Vec<u64>,
    pub audiences: Vec<String>,
    pub event_types: Vec<String>,
    /// Inclusive bounds.
    pub start_date: Option<(Option<NaiveDate>, Option<NaiveDate>)>,
    pub added_on: Option<(Option<NaiveDate>, Option<NaiveDate>)>,
}

fn any_of(fields: &[Field], values: &[String]) -> Box<dyn Query> {
    let terms = fields.iter().flat_map(|&field| values.iter().map(move |value| Term::from_field_text(field, value)));
    Box::new(TermSetQuery::new(terms))
}

fn date_range(field: Field, (from, to): (Option<NaiveDate>, Option<NaiveDate>)) -> Box<dyn Query> {
    let bound = |date: Option<NaiveDate>| match date {
        Some(date) => Bound::Included(Term::from_field_date(field, index_date(date))),
        None => Bound::Unbounded,
    };
    Box::new(RangeQuery::new(bound(from), bound(to)))
}

impl SearchFilter {
    /// The filter as clauses that must match and do not change scores.
    pub fn clauses(&self, fields: &Fields) -> Vec<(Occur, Box<dyn Query>)> {
        let mut clauses: Vec<Box<dyn Query>> = Vec::new();
        let mut keyword = |field_list: &[Field], values: &[String]| {
            if !values.is_empty() {
                clauses.push(any_of(field_list, values));
            }
        };
        keyword(&[fields.country], &self.countries);
        keyword(&[fields.venue_country], &self.venue_countries);
        keyword(&[fields.region_un, fields.region_subregion, fields.region_osce], &self.regions);
        keyword(&[fields.topic], &self.topics);
        keyword(&[fields.audience], &self.audiences);
        keyword(&[fields.event_type], &self.event_types);
        let organizers: Vec<String> = self.organizers.iter().map(u64::to_string).collect();
        keyword(&[fields.organizer_tree], &organizers);
        // An open range on both ends filters nothing, as in SQL.
        for (field, range) in [(fields.start_date, self.start_date), (fields.added_on, self.added_on)] {
            if let Some(range) = range.filter(|(from, to)| from.is_some() || to.is_some()) {
                clauses.push(date_range(field, range));
            }
        }
        clauses
            .into_iter()
            .map(|query| (Occur::Must, Box::new(ConstScoreQuery::new(query, 0.0)) as Box<dyn Query>))
            .collect()
    }

    /// The filter alone, as a query (everything when empty).
    pub fn query(&self, fields: &Fields) -> Box<dyn Query> {
        let mut clauses = self.clauses(fields);
        if clauses.is_empty() {
            return Box::new(tantivy::query::AllQuery);
        }
        if clauses.len() == 1 {
            return clauses.pop().expect("one clause").1;
        }
        Box::new(BooleanQuery::new(clauses))
    }
}

fn any_in(values: &[String], wanted: &[String]) -> bool {
    wanted.is_empty() || values.iter().any(|value| wanted.contains(value))
}

fn within(date: Option<chrono::NaiveDate>, range: Option<(Option<NaiveDate>, Option<NaiveDate>)>) -> bool {
    match range {
        None | Some((None, None)) => true,
        Some((from, to)) => {
            date.is_some_and(|date| from.is_none_or(|from| date >= from) && to.is_none_or(|to| date <= to))
        }
    }
}

impl SearchFilter {
    /// True when a document passes the filter: the same meaning as the index query, decided
    /// in memory (for live subscriptions).
    pub fn matches(&self, document: &crate::EventDocument) -> bool {
        let mut countries = document.countries.clone();
        countries.extend(document.venue_country.clone());
        let venue: Vec<String> = document.venue_country.iter().cloned().collect();
        let regions: Vec<String> = [&document.regions_un, &document.regions_subregion, &document.regions_osce]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        let organizers: Vec<String> = document.organizer_ids.iter().map(u64::to_string).collect();
        let wanted_organizers: Vec<String> = self.organizers.iter().map(u64::to_string).collect();
        let event_type: Vec<String> = document.event_type.iter().cloned().collect();
        any_in(&countries, &self.countries)
            && any_in(&venue, &self.venue_countries)
            && any_in(&regions, &self.regions)
            && any_in(&document.topic_slugs, &self.topics)
            && any_in(&organizers, &wanted_organizers)
            && any_in(&document.audience_slugs, &self.audiences)
            && any_in(&event_type, &self.event_types)
            && within(document.start_date, self.start_date)
            && within(document.added_on, self.added_on)
    }
}
