//! Writing events: upsert by `source_url`, taxonomy created on first use, and the change
//! outbox row appended in the same transaction.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    Set,
};
use sha2::{Digest, Sha256};

use super::entity::{change, event, event_audience, event_country, event_topic};
use super::error::CatalogError;
use super::resolve::{Label, ResolvedEvent, ResolvedVenue};
use super::slug::slugify;

/// What a write did to an event, as recorded in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Created,
    Updated,
    Deleted,
}

impl ChangeKind {
    /// The outbox spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Created => "CREATED",
            ChangeKind::Updated => "UPDATED",
            ChangeKind::Deleted => "DELETED",
        }
    }

    /// Reads the outbox spelling back.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "CREATED" => Some(ChangeKind::Created),
            "UPDATED" => Some(ChangeKind::Updated),
            "DELETED" => Some(ChangeKind::Deleted),
            _ => None,
        }
    }
}

/// Ids of taxonomy rows (organizers, venues, topics, audiences) known to exist, so events
/// sharing them look each up once. Nothing deletes taxonomy rows, so ids from committed
/// transactions stay true for a whole import; ids learnt since the last commit are forgotten
/// when their transaction or savepoint rolls back, since the rows may be gone with it.
#[derive(Debug, Default, Clone)]
pub struct WriteCache {
    /// Ids by table, then by the row's unique key (looked up by `&str`, without allocating).
    ids: HashMap<&'static str, HashMap<String, i64>>,
    /// Keys learnt since the last [`WriteCache::committed`].
    uncommitted: Vec<(&'static str, String)>,
}

impl WriteCache {
    pub(crate) fn get(&self, table: &'static str, key: &str) -> Option<i64> {
        self.ids.get(table)?.get(key).copied()
    }

    pub(crate) fn contains(&self, table: &'static str, key: &str) -> bool {
        self.get(table, key).is_some()
    }

    pub(crate) fn remember(&mut self, table: &'static str, key: String, id: i64) {
        if self.ids.entry(table).or_default().insert(key.clone(), id).is_none() {
            self.uncommitted.push((table, key));
        }
    }

    /// Adds the ids another cache learnt in transactions that committed.
    pub(crate) fn absorb(&mut self, other: WriteCache) {
        for (table, ids) in other.ids {
            self.ids.entry(table).or_default().extend(ids);
        }
    }

    /// The transaction that learnt the latest ids committed: keep them.
    pub fn committed(&mut self) {
        self.uncommitted.clear();
    }

    /// How many keys were learnt since the last commit: a mark for [`WriteCache::learnt_since`].
    pub(crate) fn mark(&self) -> usize {
        self.uncommitted.len()
    }

    /// The keys learnt since `mark` (taken since the last commit).
    pub(crate) fn learnt_since(&self, mark: usize) -> Vec<(&'static str, String)> {
        self.uncommitted.get(mark..).unwrap_or_default().to_vec()
    }

    /// Forgets these keys, learnt by a transaction that rolled back, and nothing else: the
    /// ids other transactions learnt stay.
    pub(crate) fn forget(&mut self, keys: &[(&'static str, String)]) {
        for (table, key) in keys {
            if let Some(ids) = self.ids.get_mut(table) {
                ids.remove(key);
            }
        }
    }

    /// A transaction or savepoint rolled back: forget what was learnt since the last commit.
    pub fn rolled_back(&mut self) {
        let learnt = std::mem::take(&mut self.uncommitted);
        self.forget(&learnt);
    }
}

/// Inserts a row keyed by a unique text column unless it exists, and returns its id.
async fn ensure_row(
    txn: &DatabaseTransaction,
    cache: &mut WriteCache,
    table: &'static str,
    key_column: &'static str,
    values: Vec<(&'static str, sea_orm::Value)>,
) -> Result<i64, CatalogError> {
    let key = values
        .iter()
        .find(|(column, _)| *column == key_column)
        .and_then(|(_, value)| match value {
            sea_orm::Value::String(Some(text)) => Some(text.clone()),
            _ => None,
        })
        .expect("the key column is one of the values");
    if let Some(id) = cache.get(table, &key) {
        return Ok(id);
    }
    let mut insert = Query::insert();
    insert
        .into_table(table)
        .columns(values.iter().map(|(column, _)| *column))
        .values_panic(values.into_iter().map(|(_, value)| Expr::val(value)))
        .on_conflict(OnConflict::column(key_column).do_nothing().to_owned());
    txn.execute(&insert).await?;
    let select = Query::select().column("id").from(table).and_where(Expr::col(key_column).eq(key.clone())).to_owned();
    let row = txn.query_one(&select).await?.ok_or_else(|| CatalogError::NotFound(format!("{table} {key}")))?;
    let id: i64 = row.try_get("", "id")?;
    cache.remember(table, key, id);
    Ok(id)
}

/// The unique key of an organizer path: the names joined by the unit separator.
pub fn organizer_path_key(path: &[String]) -> String {
    path.join("\u{1f}")
}

async fn ensure_organizer(
    txn: &DatabaseTransaction,
    cache: &mut WriteCache,
    path: &[String],
) -> Result<Option<i64>, CatalogError> {
    let mut parent_id: Option<i64> = None;
    for depth in 1..=path.len() {
        let values = vec![
            ("parent_id", parent_id.into()),
            ("name", path[depth - 1].clone().into()),
            ("path_key", organizer_path_key(&path[..depth]).into()),
        ];
        parent_id = Some(ensure_row(txn, cache, "organizers", "path_key", values).await?);
    }
    Ok(parent_id)
}

pub(crate) fn venue_key(venue: &ResolvedVenue) -> String {
    let parts = [&venue.name, &venue.address, &venue.city, &venue.country_code];
    parts.iter().map(|part| part.as_deref().unwrap_or("").to_lowercase()).collect::<Vec<_>>().join("\u{1f}")
}

async fn ensure_venue(
    txn: &DatabaseTransaction,
    cache: &mut WriteCache,
    venue: &ResolvedVenue,
) -> Result<i64, CatalogError> {
    let values = vec![
        ("venue_key", venue_key(venue).into()),
        ("name", venue.name.clone().into()),
        ("address", venue.address.clone().into()),
        ("city", venue.city.clone().into()),
        ("country_code", venue.country_code.clone().into()),
    ];
    ensure_row(txn, cache, "venues", "venue_key", values).await
}

async fn ensure_labels(
    txn: &DatabaseTransaction,
    cache: &mut WriteCache,
    table: &'static str,
    labels: &[Label],
) -> Result<Vec<i64>, CatalogError> {
    let mut ids = Vec::with_capacity(labels.len());
    for label in labels {
        let values = vec![("slug", label.slug.clone().into()), ("label", label.label.clone().into())];
        ids.push(ensure_row(txn, cache, table, "slug", values).await?);
    }
    Ok(ids)
}

/// A new event's slug: its title, then a hash of its source URL (or of a random number), so
/// slugs stay readable, unique and the same on every import of the same record.
pub(crate) fn new_slug(event: &ResolvedEvent) -> String {
    let seed = match &event.source_url {
        Some(url) => url.clone(),
        None => rand::random::<u64>().to_string(),
    };
    let digest = Sha256::digest(seed.as_bytes());
    let suffix: String = digest.iter().take(5).map(|byte| format!("{byte:02x}")).collect();
    let title = slugify(&event.title, 70);
    if title.is_empty() {
        suffix
    } else {
        format!("{title}-{suffix}")
    }
}

/// How a write finds the event it changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// The event with the same `source_url` (or slug) is updated, else one is created: import.
    Upsert,
    /// Always a new event; a `source_url` or slug already taken is the user's error.
    Create,
    /// The event with this id, which must exist.
    Update(i64),
}

async fn find_by_key(txn: &DatabaseTransaction, event: &ResolvedEvent) -> Result<Option<event::Model>, CatalogError> {
    let condition = match (&event.source_url, &event.slug) {
        (Some(url), _) => event::Column::SourceUrl.eq(url.clone()),
        (None, Some(slug)) => event::Column::Slug.eq(slug.clone()),
        (None, None) => return Ok(None),
    };
    Ok(event::Entity::find().filter(condition).one(txn).await?)
}

/// Refuses a `source_url` or slug that another event already has.
async fn ensure_keys_free(
    txn: &DatabaseTransaction,
    event: &ResolvedEvent,
    own_id: Option<i64>,
) -> Result<(), CatalogError> {
    let checks =
        [("sourceUrl", event::Column::SourceUrl, &event.source_url), ("slug", event::Column::Slug, &event.slug)];
    for (field, column, value) in checks {
        let Some(value) = value else { continue };
        let taken = event::Entity::find().filter(column.eq(value.clone())).one(txn).await?;
        if let Some(other) = taken.filter(|other| Some(other.id) != own_id) {
            return Err(CatalogError::invalid(field, format!("{value:?} already belongs to event {}", other.id)));
        }
    }
    Ok(())
}

async fn find_existing(
    txn: &DatabaseTransaction,
    event: &ResolvedEvent,
    mode: WriteMode,
) -> Result<Option<event::Model>, CatalogError> {
    match mode {
        WriteMode::Upsert => find_by_key(txn, event).await,
        WriteMode::Create => {
            ensure_keys_free(txn, event, None).await?;
            Ok(None)
        }
        WriteMode::Update(id) => {
            let existing = event::Entity::find_by_id(id)
                .one(txn)
                .await?
                .ok_or_else(|| CatalogError::NotFound(format!("event {id}")))?;
            ensure_keys_free(txn, event, Some(id)).await?;
            Ok(Some(existing))
        }
    }
}

/// Appends a row to the change outbox.
pub async fn record_change(txn: &DatabaseTransaction, event_id: i64, kind: ChangeKind) -> Result<(), CatalogError> {
    let row = change::ActiveModel {
        seq: NotSet,
        event_id: Set(event_id),
        kind: Set(kind.as_str().to_string()),
        created_at: Set(Utc::now()),
    };
    change::Entity::insert(row).exec_without_returning(txn).await?;
    Ok(())
}

/// Writes one resolved event (found as `mode` says, or inserted), replaces its countries,
/// topics and audiences, and records the change in the outbox.
pub async fn write_event(
    txn: &DatabaseTransaction,
    cache: &mut WriteCache,
    event: ResolvedEvent,
    mode: WriteMode,
) -> Result<(i64, ChangeKind), CatalogError> {
    let existing = find_existing(txn, &event, mode).await?;
    let organizer_id = ensure_organizer(txn, cache, &event.organizer_path).await?;
    let venue_id = match &event.venue {
        Some(venue) => Some(ensure_venue(txn, cache, venue).await?),
        None => None,
    };
    let topic_ids = ensure_labels(txn, cache, "topics", &event.topics).await?;
    let audience_ids = ensure_labels(txn, cache, "audiences", &event.audiences).await?;
    let now = Utc::now();
    let (event_id, kind) = match existing {
        Some(existing) => {
            let mut row: event::ActiveModel = existing.into();
            if let Some(slug) = &event.slug {
                row.slug = Set(slug.clone());
            }
            fill(&mut row, &event, organizer_id, venue_id);
            row.updated_at = Set(now);
            let row = row.update(txn).await?;
            (row.id, ChangeKind::Updated)
        }
        None => {
            let mut row = event::ActiveModel {
                id: NotSet,
                slug: Set(event.slug.clone().unwrap_or_else(|| new_slug(&event))),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            };
            fill(&mut row, &event, organizer_id, venue_id);
            let row = row.insert(txn).await?;
            (row.id, ChangeKind::Created)
        }
    };
    replace_links(txn, event_id, &event.country_codes, &topic_ids, &audience_ids).await?;
    record_change(txn, event_id, kind).await?;
    Ok((event_id, kind))
}

fn fill(row: &mut event::ActiveModel, event: &ResolvedEvent, organizer_id: Option<i64>, venue_id: Option<i64>) {
    row.title = Set(event.title.clone());
    row.subtitle = Set(event.subtitle.clone());
    row.description = Set(event.description.clone());
    row.event_type = Set(event.event_type.clone());
    row.start_date = Set(event.start_date);
    row.end_date = Set(event.end_date);
    row.added_on = Set(event.added_on);
    row.source_url = Set(event.source_url.clone());
    row.organizer_id = Set(organizer_id);
    row.venue_id = Set(venue_id);
}

async fn replace_links(
    txn: &DatabaseTransaction,
    event_id: i64,
    country_codes: &[String],
    topic_ids: &[i64],
    audience_ids: &[i64],
) -> Result<(), CatalogError> {
    event_country::Entity::delete_many().filter(event_country::Column::EventId.eq(event_id)).exec(txn).await?;
    event_topic::Entity::delete_many().filter(event_topic::Column::EventId.eq(event_id)).exec(txn).await?;
    event_audience::Entity::delete_many().filter(event_audience::Column::EventId.eq(event_id)).exec(txn).await?;
    if !country_codes.is_empty() {
        let rows = country_codes.iter().enumerate().map(|(position, code)| event_country::ActiveModel {
            event_id: Set(event_id),
            country_code: Set(code.clone()),
            position: Set(position as i32),
        });
        event_country::Entity::insert_many(rows).exec_without_returning(txn).await?;
    }
    if !topic_ids.is_empty() {
        let rows = topic_ids.iter().enumerate().map(|(position, &topic_id)| event_topic::ActiveModel {
            event_id: Set(event_id),
            topic_id: Set(topic_id),
            position: Set(position as i32),
        });
        event_topic::Entity::insert_many(rows).exec_without_returning(txn).await?;
    }
    if !audience_ids.is_empty() {
        let rows = audience_ids.iter().enumerate().map(|(position, &audience_id)| event_audience::ActiveModel {
            event_id: Set(event_id),
            audience_id: Set(audience_id),
            position: Set(position as i32),
        });
        event_audience::Entity::insert_many(rows).exec_without_returning(txn).await?;
    }
    Ok(())
}

/// Deletes an event and records the deletion; `NotFound` if there is no such event.
pub async fn delete_event(txn: &DatabaseTransaction, event_id: i64) -> Result<(), CatalogError> {
    let result = event::Entity::delete_by_id(event_id).exec(txn).await?;
    if result.rows_affected == 0 {
        return Err(CatalogError::NotFound(format!("event {event_id}")));
    }
    record_change(txn, event_id, ChangeKind::Deleted).await
}

/// Relabels a topic or audience (`table` is `topics` or `audiences`) and records an update of
/// every event carrying it, so indexes and subscribers follow. `NotFound` for an unknown slug.
pub async fn relabel(
    txn: &DatabaseTransaction,
    table: &'static str,
    slug: &str,
    label: &str,
) -> Result<Vec<i64>, CatalogError> {
    let label = label.trim();
    if label.is_empty() {
        return Err(CatalogError::invalid("label", "must not be empty"));
    }
    let update = Query::update().table(table).value("label", label).and_where(Expr::col("slug").eq(slug)).to_owned();
    if txn.execute(&update).await?.rows_affected() == 0 {
        return Err(CatalogError::NotFound(format!("{slug:?} in {table}")));
    }
    let (link_table, link_column) =
        if table == "topics" { ("event_topics", "topic_id") } else { ("event_audiences", "audience_id") };
    let ids = Query::select().column("id").from(table).and_where(Expr::col("slug").eq(slug)).to_owned();
    let events = Query::select()
        .column("event_id")
        .from(link_table)
        .and_where(Expr::col(link_column).in_subquery(ids))
        .to_owned();
    let mut event_ids = Vec::new();
    for row in txn.query_all(&events).await? {
        let event_id: i64 = row.try_get("", "event_id")?;
        record_change(txn, event_id, ChangeKind::Updated).await?;
        event_ids.push(event_id);
    }
    Ok(event_ids)
}
