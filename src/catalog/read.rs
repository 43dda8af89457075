//! Reading events: pages in any order under any filter, and the batch loads behind the
//! GraphQL DataLoaders and `export` (one statement per batch, never one per event).

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::entity::{event, event_country, organizer, venue};
use super::error::CatalogError;
use super::filter::EventFilter;
use super::handoff::StoredEvent;
use super::page::{Cursor, EventOrder, PagePlan, PageRequest};
use super::reference::Reference;
use super::resolve::Label;

/// One page of events with what Relay's `pageInfo` needs.
#[derive(Debug, Clone)]
pub struct EventPage {
    pub events: Vec<event::Model>,
    pub order: EventOrder,
    pub has_next_page: bool,
    pub has_previous_page: bool,
    /// How many events pass the filter, when the page's source counted them already.
    pub total: Option<u64>,
}

impl EventPage {
    /// A page fetched one past its size (`has_more`) as `plan` asked, in display order.
    pub fn new(
        events: Vec<event::Model>,
        order: EventOrder,
        plan: &PagePlan,
        has_more: bool,
        total: Option<u64>,
    ) -> Self {
        let has_cursor = plan.cursor.is_some();
        EventPage {
            events,
            order,
            has_next_page: if plan.forward { has_more } else { has_cursor },
            has_previous_page: if plan.forward { has_cursor } else { has_more },
            total,
        }
    }

    /// The cursor of each event of the page.
    pub fn cursor(&self, event: &event::Model) -> String {
        Cursor::of(event, self.order).encode()
    }
}

/// Every organizer; the tree is small, and filters and paths need all of it.
pub async fn all_organizers(db: &DatabaseConnection) -> Result<Vec<organizer::Model>, CatalogError> {
    Ok(organizer::Entity::find().order_by_asc(organizer::Column::Id).all(db).await?)
}

/// A page of events.
pub async fn events_page(
    db: &DatabaseConnection,
    reference: &Reference,
    filter: &EventFilter,
    order: EventOrder,
    page: &PageRequest,
) -> Result<EventPage, CatalogError> {
    let plan = page.plan()?;
    let organizers = if filter.organizers.is_empty() { Vec::new() } else { all_organizers(db).await? };
    let mut select = event::Entity::find().filter(filter.condition(reference, &organizers)?);
    if let Some(cursor) = &plan.cursor {
        select = select.filter(order.beyond(cursor, plan.forward)?);
    }
    let mut events = order.apply(select, !plan.forward).limit(plan.limit + 1).all(db).await?;
    let has_more = events.len() as u64 > plan.limit;
    events.truncate(plan.limit as usize);
    if !plan.forward {
        events.reverse();
    }
    Ok(EventPage::new(events, order, &plan, has_more, None))
}

/// How many events pass a filter.
pub async fn count_events(
    db: &DatabaseConnection,
    reference: &Reference,
    filter: &EventFilter,
) -> Result<u64, CatalogError> {
    let organizers = if filter.organizers.is_empty() { Vec::new() } else { all_organizers(db).await? };
    Ok(event::Entity::find().filter(filter.condition(reference, &organizers)?).count(db).await?)
}

/// Events by id.
pub async fn events_by_id(db: &DatabaseConnection, ids: &[i64]) -> Result<HashMap<i64, event::Model>, CatalogError> {
    // A page of no events (`first: 0`, a search past its last hit) asks nothing of the database.
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let events = event::Entity::find().filter(event::Column::Id.is_in(ids.to_vec())).all(db).await?;
    Ok(events.into_iter().map(|event| (event.id, event)).collect())
}

/// Venues by id.
pub async fn venues_by_id(db: &DatabaseConnection, ids: &[i64]) -> Result<HashMap<i64, venue::Model>, CatalogError> {
    let venues = venue::Entity::find().filter(venue::Column::Id.is_in(ids.to_vec())).all(db).await?;
    Ok(venues.into_iter().map(|venue| (venue.id, venue)).collect())
}

/// The participating countries of each event, in their given order.
pub async fn countries_of_events(
    db: &DatabaseConnection,
    event_ids: &[i64],
) -> Result<HashMap<i64, Vec<String>>, CatalogError> {
    let links = event_country::Entity::find()
        .filter(event_country::Column::EventId.is_in(event_ids.to_vec()))
        .order_by_asc(event_country::Column::EventId)
        .order_by_asc(event_country::Column::Position)
        .all(db)
        .await?;
    let mut countries: HashMap<i64, Vec<String>> = event_ids.iter().map(|&id| (id, Vec::new())).collect();
    for link in links {
        countries.entry(link.event_id).or_default().push(link.country_code);
    }
    Ok(countries)
}

/// The label in a row with `slug` and `label` columns.
fn label_of(row: &sea_orm::QueryResult) -> Result<Label, CatalogError> {
    Ok(Label { slug: row.try_get("", "slug")?, label: row.try_get("", "label")? })
}

/// The labels (topics or audiences) of each event, in their given order: one join.
async fn labels_of_events(
    db: &DatabaseConnection,
    link_table: &'static str,
    label_table: &'static str,
    label_column: &'static str,
    event_ids: &[i64],
) -> Result<HashMap<i64, Vec<Label>>, CatalogError> {
    let select = Query::select()
        .column((link_table, "event_id"))
        .column((label_table, "slug"))
        .column((label_table, "label"))
        .from(link_table)
        .inner_join(label_table, Expr::col((label_table, "id")).equals((link_table, label_column)))
        .and_where(Expr::col((link_table, "event_id")).is_in(event_ids.to_vec()))
        .order_by((link_table, "event_id"), sea_orm::sea_query::Order::Asc)
        .order_by((link_table, "position"), sea_orm::sea_query::Order::Asc)
        .to_owned();
    let mut labels: HashMap<i64, Vec<Label>> = event_ids.iter().map(|&id| (id, Vec::new())).collect();
    for row in db.query_all(&select).await? {
        let event_id: i64 = row.try_get("", "event_id")?;
        let label = label_of(&row)?;
        labels.entry(event_id).or_default().push(label);
    }
    Ok(labels)
}

/// The topics of each event.
pub async fn topics_of_events(
    db: &DatabaseConnection,
    event_ids: &[i64],
) -> Result<HashMap<i64, Vec<Label>>, CatalogError> {
    labels_of_events(db, "event_topics", "topics", "topic_id", event_ids).await
}

/// The audiences of each event.
pub async fn audiences_of_events(
    db: &DatabaseConnection,
    event_ids: &[i64],
) -> Result<HashMap<i64, Vec<Label>>, CatalogError> {
    labels_of_events(db, "event_audiences", "audiences", "audience_id", event_ids).await
}

/// The ids a link table (`event_topics`, `event_audiences`) gives each event, in their order.
async fn linked_ids(
    db: &DatabaseConnection,
    link_table: &'static str,
    id_column: &'static str,
    event_ids: &[i64],
) -> Result<HashMap<i64, Vec<i64>>, CatalogError> {
    let select = Query::select()
        .columns(["event_id", id_column])
        .from(link_table)
        .and_where(Expr::col("event_id").is_in(event_ids.to_vec()))
        .order_by("event_id", sea_orm::sea_query::Order::Asc)
        .order_by("position", sea_orm::sea_query::Order::Asc)
        .to_owned();
    let mut linked: HashMap<i64, Vec<i64>> = HashMap::new();
    for row in db.query_all(&select).await? {
        linked.entry(row.try_get("", "event_id")?).or_default().push(row.try_get("", id_column)?);
    }
    Ok(linked)
}

/// Events by id with their links, as the search index is built from them.
pub async fn stored_events(db: &DatabaseConnection, ids: &[i64]) -> Result<HashMap<i64, StoredEvent>, CatalogError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let events = events_by_id(db, ids).await?;
    let present: Vec<i64> = events.keys().copied().collect();
    let mut countries = countries_of_events(db, &present).await?;
    let mut topics = linked_ids(db, "event_topics", "topic_id", &present).await?;
    let mut audiences = linked_ids(db, "event_audiences", "audience_id", &present).await?;
    Ok(events
        .into_iter()
        .map(|(id, event)| {
            let mut stored = StoredEvent::from_row(event);
            stored.countries = countries.remove(&id).unwrap_or_default();
            stored.topic_ids = topics.remove(&id).unwrap_or_default();
            stored.audience_ids = audiences.remove(&id).unwrap_or_default();
            (id, stored)
        })
        .collect())
}

/// Labels of a taxonomy table (`topics`, `audiences`) by id.
pub async fn labels_by_id(
    db: &DatabaseConnection,
    table: &'static str,
    ids: &[i64],
) -> Result<HashMap<i64, Label>, CatalogError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let select = Query::select()
        .columns(["id", "slug", "label"])
        .from(table)
        .and_where(Expr::col("id").is_in(ids.to_vec()))
        .to_owned();
    let mut labels = HashMap::new();
    for row in db.query_all(&select).await? {
        labels.insert(row.try_get("", "id")?, label_of(&row)?);
    }
    Ok(labels)
}

/// Every label of a taxonomy table, sorted by label.
pub async fn all_labels(db: &DatabaseConnection, table: &'static str) -> Result<Vec<Label>, CatalogError> {
    let select = Query::select()
        .columns(["slug", "label"])
        .from(table)
        .order_by("label", sea_orm::sea_query::Order::Asc)
        .to_owned();
    let rows = db.query_all(&select).await?;
    rows.iter().map(label_of).collect()
}

/// The event with this slug.
pub async fn event_by_slug(db: &DatabaseConnection, slug: &str) -> Result<Option<event::Model>, CatalogError> {
    Ok(event::Entity::find().filter(event::Column::Slug.eq(slug)).one(db).await?)
}
