//! `export`: the whole catalogue as NDJSON records that `import` reads back unchanged.

use std::io::Write;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::entity::event;
use super::error::CatalogError;
use super::read;
use super::record::{EventRecord, VenueRecord};
use super::{Catalog, OrganizerTree};

const EXPORT_BATCH: u64 = 500;

impl Catalog {
    /// Writes every event, in id order, one JSON object a line; returns how many.
    pub async fn export(&self, out: &mut (dyn Write + Send)) -> Result<u64, anyhow::Error> {
        let db = self.db();
        let organizers = OrganizerTree::new(read::all_organizers(db).await?);
        let mut last_id = 0_i64;
        let mut written = 0_u64;
        loop {
            let events = event::Entity::find()
                .filter(event::Column::Id.gt(last_id))
                .order_by_asc(event::Column::Id)
                .limit(EXPORT_BATCH)
                .all(db)
                .await?;
            let Some(last) = events.last() else { break };
            last_id = last.id;
            for record in self.records(&organizers, events).await? {
                serde_json::to_writer(&mut *out, &record)?;
                out.write_all(b"\n")?;
                written += 1;
            }
        }
        out.flush()?;
        Ok(written)
    }

    /// Turns event rows back into records, loading their links in one statement each.
    async fn records(
        &self,
        organizers: &OrganizerTree,
        events: Vec<event::Model>,
    ) -> Result<Vec<EventRecord>, CatalogError> {
        let db = self.db();
        let ids: Vec<i64> = events.iter().map(|event| event.id).collect();
        let venue_ids: Vec<i64> = events.iter().filter_map(|event| event.venue_id).collect();
        let venues = read::venues_by_id(db, &venue_ids).await?;
        let mut countries = read::countries_of_events(db, &ids).await?;
        let mut topics = read::topics_of_events(db, &ids).await?;
        let mut audiences = read::audiences_of_events(db, &ids).await?;
        let country_name = |code: &str| {
            self.reference().country(code).map(|country| country.name.clone()).unwrap_or_else(|| code.to_string())
        };
        Ok(events
            .into_iter()
            .map(|event| EventRecord {
                source_url: event.source_url,
                slug: Some(event.slug),
                title: event.title,
                subtitle: event.subtitle,
                description: event.description,
                event_type: event.event_type,
                start_date: event.start_date,
                end_date: event.end_date,
                added_on: event.added_on,
                organizer: event.organizer_id.map(|id| organizers.path(id)).unwrap_or_default(),
                venue: event.venue_id.and_then(|id| venues.get(&id)).map(|venue| VenueRecord {
                    name: venue.name.clone(),
                    address: venue.address.clone(),
                    city: venue.city.clone(),
                    country: venue.country_code.as_deref().map(country_name),
                }),
                audiences: audiences
                    .remove(&event.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|label| label.label)
                    .collect(),
                countries: countries
                    .remove(&event.id)
                    .unwrap_or_default()
                    .iter()
                    .map(|code| country_name(code))
                    .collect(),
                topics: topics.remove(&event.id).unwrap_or_default().into_iter().map(|label| label.label).collect(),
            })
            .collect())
    }
}
