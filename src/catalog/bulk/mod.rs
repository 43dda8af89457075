//! The fast path of an import batch: the same rows as [`super::write::write_event`] writes one
//! record at a time, written with a handful of multi-row statements for the whole batch.
//! Any failure sends the batch back to the record-at-a-time path, which pins the error on its
//! record. On PostgreSQL the batch may check its references itself ([`super::references`]).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DatabaseTransaction, Value};

use super::copy::RowSink;
use super::entity::event;
use super::error::CatalogError;
use super::handoff::StoredEvent;
use super::insert::{Insert, MAX_PARAMETERS};
use super::references::{ReferenceChecks, Referenced};
use super::resolve::ResolvedEvent;
use super::write::{new_slug, organizer_path_key, venue_key, ChangeKind, WriteCache};

mod taxonomy;
pub(super) use taxonomy::write_taxonomy;

pub(super) fn id_of(cache: &WriteCache, table: &'static str, key: &str) -> Result<i64, CatalogError> {
    cache.get(table, key).ok_or_else(|| CatalogError::NotFound(format!("{table} {key}")))
}

/// True when the batch can take the fast path: no two records share a source URL or slug.
pub fn eligible(events: &[ResolvedEvent]) -> bool {
    let mut keys = HashSet::new();
    events.iter().all(|event| {
        let url_free = event.source_url.as_ref().is_none_or(|url| keys.insert(format!("u:{url}")));
        let slug_free = event.slug.as_ref().is_none_or(|slug| keys.insert(format!("s:{slug}")));
        url_free && slug_free
    })
}

/// Each event's id and what happened to it, in input order; with `keep_stored`, also each
/// event as stored, by the number of the change that wrote it.
pub type BatchWritten = (Vec<(i64, ChangeKind)>, Vec<(i64, StoredEvent)>);

/// Writes a batch of resolved events (upsert by `source_url`, else by slug) with multi-row
/// statements: [`write_taxonomy`], [`write_events`] and [`record_changes`] in one transaction.
pub async fn write_batch(
    txn: &DatabaseTransaction,
    cache: &mut WriteCache,
    events: &[ResolvedEvent],
    keep_stored: bool,
    checks: ReferenceChecks,
) -> Result<BatchWritten, CatalogError> {
    let mut referenced = Referenced::begin(txn, checks).await?;
    write_taxonomy(txn, cache, events, referenced.as_mut()).await?;
    let stored = stored_ids(txn, events).await?;
    let written = write_events(txn, cache, events, &stored, None, keep_stored, referenced).await?;
    record_changes(txn, written).await
}

/// The events of a batch as written, before their changes are recorded.
#[derive(Debug)]
pub(super) struct EventsWritten {
    results: Vec<(i64, ChangeKind)>,
    stored: Vec<StoredEvent>,
    /// The rows the events and links refer to, when the batch checks them itself.
    referenced: Option<Referenced>,
}

/// The id of each event of the batch that is stored already (by `source_url`, else by slug),
/// in input order; `None` for the new ones.
pub(super) async fn stored_ids(
    txn: &impl ConnectionTrait,
    events: &[ResolvedEvent],
) -> Result<Vec<Option<i64>>, CatalogError> {
    let mut existing: HashMap<String, i64> = HashMap::new();
    for (column, values) in [
        ("source_url", events.iter().filter_map(|event| event.source_url.clone()).collect::<Vec<_>>()),
        (
            "slug",
            events.iter().filter(|event| event.source_url.is_none()).filter_map(|event| event.slug.clone()).collect(),
        ),
    ] {
        for chunk in values.chunks(MAX_PARAMETERS) {
            let select = Query::select()
                .columns(["id", column])
                .from("events")
                .and_where(Expr::col(column).is_in(chunk.to_vec()))
                .to_owned();
            for row in txn.query_all(&select).await? {
                let key: String = row.try_get("", column)?;
                existing.insert(format!("{column}:{key}"), row.try_get("", "id")?);
            }
        }
    }
    let existing_id = |event: &ResolvedEvent| match (&event.source_url, &event.slug) {
        (Some(url), _) => existing.get(&format!("source_url:{url}")).copied(),
        (None, Some(slug)) => existing.get(&format!("slug:{slug}")).copied(),
        (None, None) => None,
    };
    Ok(events.iter().map(existing_id).collect())
}

/// Inserts or updates the events and replaces their links; every taxonomy row they name must
/// be in `cache` ([`write_taxonomy`]) and `stored` is [`stored_ids`]. The new events take the
/// ids in `new_ids` (one each, in input order) when given, else the table's next ones.
pub(super) async fn write_events(
    txn: &impl RowSink,
    cache: &WriteCache,
    events: &[ResolvedEvent],
    stored: &[Option<i64>],
    new_ids: Option<&[i64]>,
    keep_stored: bool,
    mut referenced: Option<Referenced>,
) -> Result<EventsWritten, CatalogError> {
    // In microseconds, as PostgreSQL keeps it: the rows handed to the index are what a read
    // of the database would give.
    let now = Utc::now().trunc_subsecs(6);
    let mut results: Vec<Option<(i64, ChangeKind)>> = vec![None; events.len()];
    // Each event's slug and creation time as stored, for the rows handed to the index.
    let mut kept: Vec<Option<(String, DateTime<Utc>)>> = vec![None; events.len()];
    // Each new event's position, slug and given id, and its row's values.
    let mut new_events: Vec<(usize, String, Option<i64>)> = Vec::new();
    let mut new_rows: Vec<Vec<Value>> = Vec::new();
    let mut owners: Vec<(Option<i64>, Option<i64>)> = Vec::with_capacity(events.len());
    for (position, event) in events.iter().enumerate() {
        let organizer_id = if event.organizer_path.is_empty() {
            None
        } else {
            Some(id_of(cache, "organizers", &organizer_path_key(&event.organizer_path))?)
        };
        let venue_id = match &event.venue {
            Some(venue) => Some(id_of(cache, "venues", &venue_key(venue))?),
            None => None,
        };
        owners.push((organizer_id, venue_id));
        let fields: Vec<(&'static str, Value)> = vec![
            ("title", event.title.clone().into()),
            ("subtitle", event.subtitle.clone().into()),
            ("description", event.description.clone().into()),
            ("event_type", event.event_type.clone().into()),
            ("start_date", event.start_date.into()),
            ("end_date", event.end_date.into()),
            ("added_on", event.added_on.into()),
            ("source_url", event.source_url.clone().into()),
            ("organizer_id", organizer_id.into()),
            ("venue_id", venue_id.into()),
            ("updated_at", now.into()),
        ];
        match stored[position] {
            Some(id) => {
                let mut update = Query::update();
                update.table("events").and_where(Expr::col("id").eq(id));
                for (column, value) in fields {
                    update.value(column, value);
                }
                if let Some(slug) = &event.slug {
                    update.value("slug", slug.clone());
                }
                update.returning(Query::returning().columns(["slug", "created_at"]));
                // None: deleted since it was looked up, and its links would point nowhere.
                let row = txn.query_one(&update).await?.ok_or_else(|| CatalogError::NotFound(format!("event {id}")))?;
                kept[position] = Some((row.try_get("", "slug")?, row.try_get("", "created_at")?));
                results[position] = Some((id, ChangeKind::Updated));
            }
            None => {
                let slug = event.slug.clone().unwrap_or_else(|| new_slug(event));
                let too_few = || CatalogError::Internal("too few event ids".into());
                let given = new_ids.map(|ids| ids.get(new_rows.len()).copied().ok_or_else(too_few)).transpose()?;
                let mut values: Vec<Value> = Vec::with_capacity(fields.len() + 3);
                values.extend(given.map(Value::from));
                values.extend(fields.into_iter().map(|(_, value)| value));
                values.push(slug.clone().into());
                values.push(now.into());
                new_events.push((position, slug, given));
                new_rows.push(values);
            }
        }
    }
    const COLUMNS: [&str; 14] = [
        "id",
        "title",
        "subtitle",
        "description",
        "event_type",
        "start_date",
        "end_date",
        "added_on",
        "source_url",
        "organizer_id",
        "venue_id",
        "updated_at",
        "slug",
        "created_at",
    ];
    if new_ids.is_some() {
        // Ids given are not read back, so the rows may go the sink's fastest way (`COPY`).
        txn.insert_rows("events", &COLUMNS, new_rows).await?;
        for (position, slug, given) in &new_events {
            results[*position] = Some((given.expect("an id given for each new event"), ChangeKind::Created));
            kept[*position] = Some((slug.clone(), now));
        }
    } else {
        let insert = Insert { table: "events", columns: &COLUMNS[1..], tail: "RETURNING \"id\", \"slug\"" };
        for (held, statement) in insert.statements(txn.get_database_backend(), new_rows) {
            let mut ids: HashMap<String, i64> = HashMap::new();
            for row in txn.query_all_raw(statement).await? {
                ids.insert(row.try_get("", "slug")?, row.try_get("", "id")?);
            }
            for (position, slug, _) in &new_events[held] {
                let id = *ids.get(slug).ok_or_else(|| CatalogError::NotFound(format!("inserted event {slug}")))?;
                results[*position] = Some((id, ChangeKind::Created));
                kept[*position] = Some((slug.clone(), now));
            }
        }
    }
    let results: Vec<(i64, ChangeKind)> =
        results.into_iter().map(|result| result.expect("every event written")).collect();

    // Links: drop those of updated events, insert everyone's.
    let updated: Vec<i64> =
        results.iter().filter(|(_, kind)| *kind == ChangeKind::Updated).map(|(id, _)| *id).collect();
    for table in ["event_countries", "event_topics", "event_audiences"] {
        for chunk in updated.chunks(MAX_PARAMETERS) {
            txn.execute(
                &Query::delete().from_table(table).and_where(Expr::col("event_id").is_in(chunk.to_vec())).to_owned(),
            )
            .await?;
        }
    }
    let mut countries: Vec<Vec<Value>> = Vec::new();
    let mut topics: Vec<Vec<Value>> = Vec::new();
    let mut audiences: Vec<Vec<Value>> = Vec::new();
    let mut stored: Vec<StoredEvent> = Vec::new();
    for (((event, (id, _)), (organizer_id, venue_id)), kept) in events.iter().zip(&results).zip(owners).zip(kept) {
        for (position, code) in event.country_codes.iter().enumerate() {
            countries.push(vec![(*id).into(), code.clone().into(), (position as i32).into()]);
        }
        let topic_ids =
            event.topics.iter().map(|label| id_of(cache, "topics", &label.slug)).collect::<Result<Vec<_>, _>>()?;
        let audience_ids = event
            .audiences
            .iter()
            .map(|label| id_of(cache, "audiences", &label.slug))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(referenced) = referenced.as_mut() {
            referenced.note((organizer_id, venue_id), &event.country_codes, &topic_ids, &audience_ids);
        }
        for (position, topic_id) in topic_ids.iter().enumerate() {
            topics.push(vec![(*id).into(), (*topic_id).into(), (position as i32).into()]);
        }
        for (position, audience_id) in audience_ids.iter().enumerate() {
            audiences.push(vec![(*id).into(), (*audience_id).into(), (position as i32).into()]);
        }
        if keep_stored {
            let (slug, created_at) = kept.expect("every event written");
            stored.push(StoredEvent {
                row: event::Model {
                    id: *id,
                    slug,
                    title: event.title.clone(),
                    subtitle: event.subtitle.clone(),
                    description: event.description.clone(),
                    event_type: event.event_type.clone(),
                    start_date: event.start_date,
                    end_date: event.end_date,
                    added_on: event.added_on,
                    source_url: event.source_url.clone(),
                    organizer_id,
                    venue_id,
                    created_at,
                    updated_at: now,
                },
                countries: event.country_codes.clone(),
                topic_ids,
                audience_ids,
            });
        }
    }
    for (table, columns, rows) in [
        ("event_countries", ["event_id", "country_code", "position"], countries),
        ("event_topics", ["event_id", "topic_id", "position"], topics),
        ("event_audiences", ["event_id", "audience_id", "position"], audiences),
    ] {
        txn.insert_rows(table, &columns, rows).await?;
    }
    Ok(EventsWritten { results, stored, referenced })
}

/// Checks the rows the batch refers to (when it checks them itself) and records a change for
/// each event written. The change log's numbers are taken here, so a batch that must follow
/// another calls this only once that one has committed.
pub(super) async fn record_changes(
    txn: &impl ConnectionTrait,
    written: EventsWritten,
) -> Result<BatchWritten, CatalogError> {
    let EventsWritten { results, stored, referenced } = written;
    // Checked here rather than as the rows are written, so the rows a pipelined batch takes
    // from the batch before it are checked once that batch has committed them.
    if let Some(referenced) = referenced {
        referenced.lock(txn).await?;
    }
    // Stamped as the numbers are taken: a follower skips a gap below a change older than its
    // grace, and a pipelined batch may have waited a whole batch since writing its events.
    let now = Utc::now();
    let changes: Vec<Vec<Value>> =
        results.iter().map(|(id, kind)| vec![(*id).into(), kind.as_str().into(), now.into()]).collect();
    let mut seqs: HashMap<i64, Option<i64>> = HashMap::new();
    let insert = Insert {
        table: "changes",
        columns: &["event_id", "kind", "created_at"],
        tail: "RETURNING \"seq\", \"event_id\"",
    };
    for (_, statement) in insert.statements(txn.get_database_backend(), changes) {
        for row in txn.query_all_raw(statement).await? {
            let event_id: i64 = row.try_get("", "event_id")?;
            let seq: i64 = row.try_get("", "seq")?;
            // An event written twice in one batch (by URL and by slug) is read back instead.
            seqs.entry(event_id).and_modify(|seq| *seq = None).or_insert(Some(seq));
        }
    }
    let stored =
        stored.into_iter().filter_map(|event| Some((seqs.get(&event.id()).copied().flatten()?, event))).collect();
    Ok((results, stored))
}
