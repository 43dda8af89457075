//! Validation and resolution of an incoming record, before anything is written.
//!
//! Every write path (NDJSON import, GraphQL mutations) goes through [`resolve`], so a record
//! is judged the same way wherever it comes from.

use chrono::NaiveDate;

use super::error::CatalogError;
use super::record::{EventRecord, VenueRecord};
use super::reference::Reference;
use super::slug::slugify;

/// A label of the taxonomy (topic or audience) with the slug it is stored under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub slug: String,
    pub label: String,
}

/// A venue whose country has been resolved to its alpha-2 code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedVenue {
    pub name: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub country_code: Option<String>,
}

/// A record that passed validation: every reference resolved, ready to write.
#[derive(Debug, Clone)]
pub struct ResolvedEvent {
    pub source_url: Option<String>,
    pub slug: Option<String>,
    pub title: String,
    pub subtitle: Option<String>,
    pub description: Option<String>,
    pub event_type: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub added_on: Option<NaiveDate>,
    pub organizer_path: Vec<String>,
    pub venue: Option<ResolvedVenue>,
    pub country_codes: Vec<String>,
    pub topics: Vec<Label>,
    pub audiences: Vec<Label>,
}

/// Trims a text and treats an empty one as missing.
fn clean(text: Option<String>) -> Option<String> {
    text.map(|value| value.trim().to_string()).filter(|value| !value.is_empty())
}

fn resolve_country_field(reference: &Reference, field: &str, spelling: &str) -> Result<String, CatalogError> {
    reference
        .resolve_country(spelling)
        .map(|country| country.code.clone())
        .ok_or_else(|| CatalogError::invalid(field, format!("unknown country {spelling:?}")))
}

fn resolve_labels(field: &str, labels: Vec<String>) -> Result<Vec<Label>, CatalogError> {
    let mut resolved: Vec<Label> = Vec::with_capacity(labels.len());
    for (position, label) in labels.into_iter().enumerate() {
        let label = label.trim().to_string();
        if label.is_empty() {
            continue;
        }
        let slug = slugify(&label, 80);
        if slug.is_empty() {
            return Err(CatalogError::invalid(
                format!("{field}[{position}]"),
                format!("label {label:?} has no letters or digits"),
            ));
        }
        if !resolved.iter().any(|existing| existing.slug == slug) {
            resolved.push(Label { slug, label });
        }
    }
    Ok(resolved)
}

fn resolve_venue(reference: &Reference, venue: VenueRecord) -> Result<Option<ResolvedVenue>, CatalogError> {
    let country_code = match clean(venue.country) {
        Some(spelling) => Some(resolve_country_field(reference, "venue.country", &spelling)?),
        None => None,
    };
    let resolved =
        ResolvedVenue { name: clean(venue.name), address: clean(venue.address), city: clean(venue.city), country_code };
    let is_empty = resolved.name.is_none()
        && resolved.address.is_none()
        && resolved.city.is_none()
        && resolved.country_code.is_none();
    Ok((!is_empty).then_some(resolved))
}

/// Checks a record and resolves its countries and labels; the first problem found is returned
/// with the field it concerns, e.g. `countries[2]: unknown country "Atlantis"`.
pub fn resolve(reference: &Reference, record: EventRecord) -> Result<ResolvedEvent, CatalogError> {
    let title = record.title.trim().to_string();
    if title.is_empty() {
        return Err(CatalogError::invalid("title", "must not be empty"));
    }
    let mut country_codes: Vec<String> = Vec::with_capacity(record.countries.len());
    for (position, spelling) in record.countries.iter().enumerate() {
        if spelling.trim().is_empty() {
            continue;
        }
        let code = resolve_country_field(reference, &format!("countries[{position}]"), spelling)?;
        if !country_codes.contains(&code) {
            country_codes.push(code);
        }
    }
    let organizer_path: Vec<String> =
        record.organizer.iter().map(|unit| unit.trim().to_string()).filter(|unit| !unit.is_empty()).collect();
    let venue = match record.venue {
        Some(venue) => resolve_venue(reference, venue)?,
        None => None,
    };
    let slug = match clean(record.slug) {
        Some(slug) if slugify(&slug, 200) != slug => {
            return Err(CatalogError::invalid("slug", format!("{slug:?} is not a slug (lowercase words joined by -)")));
        }
        other => other,
    };
    Ok(ResolvedEvent {
        source_url: clean(record.source_url),
        slug,
        title,
        subtitle: clean(record.subtitle),
        description: clean(record.description),
        event_type: clean(record.event_type),
        start_date: record.start_date,
        end_date: record.end_date,
        added_on: record.added_on,
        organizer_path,
        venue,
        country_codes,
        topics: resolve_labels("topics", record.topics)?,
        audiences: resolve_labels("audiences", record.audiences)?,
    })
}
