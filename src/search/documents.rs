//! Events read from the database as the search engine's documents, a batch at a time.

use std::collections::HashMap;

use convene_index::EventDocument;

use crate::catalog::entity::event;
use crate::catalog::handoff::StoredEvent;
use crate::catalog::reference::{Reference, RegionScheme};
use crate::catalog::resolve::Label;
use crate::catalog::{read, Catalog, CatalogError, OrganizerTree};

fn regions_of(reference: &Reference, codes: &[String], scheme: RegionScheme) -> Vec<String> {
    let mut regions: Vec<String> = Vec::new();
    for code in codes {
        if let Some(region) = reference.region_of(code, scheme) {
            if !regions.contains(&region.code) {
                regions.push(region.code.clone());
            }
        }
    }
    regions
}

fn distinct(ids: impl Iterator<Item = i64>) -> Vec<i64> {
    let mut ids: Vec<i64> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// What the index keeps of an event to show it as a hit without reading it back: its row, as
/// JSON (about 1.1 times the row's text; the document store compresses it).
pub fn source_of(row: &event::Model) -> String {
    serde_json::to_string(row).expect("an event's row serialises")
}

/// The row a hit's source holds; `None` when it holds none (an event indexed without one) or
/// one this version cannot read, which the caller then reads from the database.
pub fn row_of(source: &str) -> Option<event::Model> {
    serde_json::from_str(source).ok()
}

/// The documents of these events; ids of events that no longer exist are left out.
pub async fn documents(catalog: &Catalog, ids: &[i64]) -> Result<HashMap<i64, EventDocument>, CatalogError> {
    assemble(catalog, read::stored_events(catalog.db(), ids).await?).await
}

/// The documents of events as stored, with the names and labels of the organizers, venues,
/// topics and audiences they point to read from the database now.
pub async fn assemble(
    catalog: &Catalog,
    events: HashMap<i64, StoredEvent>,
) -> Result<HashMap<i64, EventDocument>, CatalogError> {
    let db = catalog.db();
    let reference = catalog.reference();
    let venue_ids = distinct(events.values().filter_map(|event| event.row.venue_id));
    let topic_ids = distinct(events.values().flat_map(|event| event.topic_ids.iter().copied()));
    let audience_ids = distinct(events.values().flat_map(|event| event.audience_ids.iter().copied()));
    let venues = read::venues_by_id(db, &venue_ids).await?;
    let topics = read::labels_by_id(db, "topics", &topic_ids).await?;
    let audiences = read::labels_by_id(db, "audiences", &audience_ids).await?;
    let organizers = OrganizerTree::new(read::all_organizers(db).await?);

    let mut documents = HashMap::with_capacity(events.len());
    for (id, event) in events {
        let row = event.row;
        let venue = row.venue_id.and_then(|venue_id| venues.get(&venue_id));
        let venue_country = venue.and_then(|venue| venue.country_code.clone());
        let participating = event.countries;
        let mut every_country = participating.clone();
        every_country.extend(venue_country.clone());
        let topic_labels: Vec<&Label> = event.topic_ids.iter().filter_map(|topic| topics.get(topic)).collect();
        let organizer_ids = row.organizer_id.map(|unit| organizers.chain(unit)).unwrap_or_default();
        let mut country_names: Vec<String> = Vec::new();
        for code in &every_country {
            for name in reference.names_of(code) {
                if !country_names.contains(name) {
                    country_names.push(name.clone());
                }
            }
        }
        let source = source_of(&row);
        let document = EventDocument {
            id: id as u64,
            title: row.title,
            subtitle: row.subtitle,
            description: row.description,
            topic_slugs: topic_labels.iter().map(|label| label.slug.clone()).collect(),
            topic_labels: topic_labels.iter().map(|label| label.label.clone()).collect(),
            audience_slugs: event
                .audience_ids
                .iter()
                .filter_map(|audience| audiences.get(audience))
                .map(|label| label.slug.clone())
                .collect(),
            organizer_path: row.organizer_id.map(|unit| organizers.path(unit)).unwrap_or_default(),
            organizer_ids,
            venue_text: venue
                .map(|venue| [&venue.name, &venue.address, &venue.city].into_iter().flatten().cloned().collect())
                .unwrap_or_default(),
            venue_country,
            regions_un: regions_of(reference, &every_country, RegionScheme::UnRegion),
            regions_subregion: regions_of(reference, &every_country, RegionScheme::UnSubregion),
            regions_osce: regions_of(reference, &every_country, RegionScheme::Osce),
            countries: participating,
            country_names,
            event_type: row.event_type,
            start_date: row.start_date,
            added_on: row.added_on,
            source,
        };
        documents.insert(id, document);
    }
    Ok(documents)
}
