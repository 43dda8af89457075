//! The catalogue domain: entities, reference data, and the services that read and write events.
//!
//! GraphQL resolvers and CLI commands call [`Catalog`]; nothing outside this module builds SQL.

pub mod bulk;
pub mod copy;
pub mod entity;
pub mod error;
pub mod export;
pub mod filter;
pub mod handoff;
pub mod insert;
pub mod osce;
pub mod page;
pub mod pipeline;
pub mod read;
pub mod record;
pub mod reference;
pub mod references;
pub mod resolve;
pub mod slug;
pub mod write;

use std::collections::HashMap;
use std::sync::Arc;

use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};

use entity::organizer;
pub use error::CatalogError;
use record::EventRecord;
use reference::Reference;
use write::{ChangeKind, WriteCache, WriteMode};

/// The PostgreSQL channel every committed write is announced on.
const CHANGES_CHANNEL: &str = "convene_changes";

/// Wakes `changed` on every announcement until the connection fails.
async fn listen(
    pool: &sea_orm::sqlx::PgPool,
    changed: &tokio::sync::Notify,
) -> Result<std::convert::Infallible, sea_orm::sqlx::Error> {
    let mut listener = sea_orm::sqlx::postgres::PgListener::connect_with(pool).await?;
    listener.listen(CHANGES_CHANNEL).await?;
    // Writes committed before the listening began were announced to nobody.
    changed.notify_one();
    loop {
        listener.recv().await?;
        changed.notify_one();
    }
}

/// The catalogue service: a database connection and the reference data loaded from it.
#[derive(Debug, Clone)]
pub struct Catalog {
    db: DatabaseConnection,
    reference: Arc<Reference>,
    changed: Arc<tokio::sync::Notify>,
    /// Where imports hand what they commit to this process's index follower.
    handoff: Option<Arc<handoff::Handoff>>,
    /// Who checks an import batch's references ([`references::ReferenceChecks`]).
    reference_checks: references::ReferenceChecks,
}

/// A record that was not stored, with its line (or position) and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub line: usize,
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub imported: u64,
    pub updated: u64,
    pub rejected: Vec<Rejection>,
    /// Ids of the events written, in input order.
    pub event_ids: Vec<i64>,
    /// Batches written record by record instead of in a few statements: a record failed, the
    /// batch names a row twice, or it waited too long for another writer's rows.
    pub batches_one_by_one: u64,
}

impl ImportReport {
    fn count(&mut self, event_id: i64, kind: ChangeKind) {
        self.event_ids.push(event_id);
        match kind {
            ChangeKind::Updated => self.updated += 1,
            _ => self.imported += 1,
        }
    }

    /// Adds another batch's counts to this one.
    pub fn absorb(&mut self, other: ImportReport) {
        self.imported += other.imported;
        self.updated += other.updated;
        self.rejected.extend(other.rejected);
        self.event_ids.extend(other.event_ids);
        self.batches_one_by_one += other.batches_one_by_one;
    }
}

/// An input line: its number and the parsed record, or why it could not be parsed.
pub type NumberedRecord = (usize, Result<EventRecord, String>);

impl Catalog {
    /// Wraps a migrated database and loads its reference data.
    pub async fn new(db: DatabaseConnection) -> Result<Self, CatalogError> {
        let reference = Arc::new(Reference::load(&db).await?);
        let reference_checks = references::ReferenceChecks::for_connection(&db).await?;
        Ok(Catalog { db, reference, changed: Arc::default(), handoff: None, reference_checks })
    }

    /// This catalogue, handing the events its imports commit to `handoff`.
    pub fn with_handoff(mut self, handoff: Arc<handoff::Handoff>) -> Self {
        self.handoff = Some(handoff);
        self
    }

    /// Who checks an import batch's references on this database.
    pub fn reference_checks(&self) -> references::ReferenceChecks {
        self.reference_checks
    }

    /// The database connection.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Woken after every write this process commits, so the indexer follows at once (and, on
    /// PostgreSQL, after other processes' writes: [`Catalog::listen_for_writes`]).
    pub fn changed(&self) -> &tokio::sync::Notify {
        &self.changed
    }

    /// Wakes this process's indexer and, on PostgreSQL, every other process listening.
    async fn announce(&self) {
        self.changed.notify_one();
        if self.db.get_database_backend() == sea_orm::DbBackend::Postgres {
            // Best effort: a follower that misses it still polls the change log.
            if let Err(error) = self.db.execute_unprepared(&format!("NOTIFY {CHANGES_CHANNEL}")).await {
                tracing::warn!(error = %error, "could not announce a write to other processes");
            }
        }
    }

    /// On PostgreSQL, wakes this process's indexer whenever any process commits a write
    /// (LISTEN/NOTIFY), so replicas follow each other at once instead of at their next poll.
    /// `None` on SQLite. The task reconnects after a lost connection until it is aborted.
    pub fn listen_for_writes(&self) -> Option<tokio::task::JoinHandle<()>> {
        if self.db.get_database_backend() != sea_orm::DbBackend::Postgres {
            return None;
        }
        let pool = self.db.get_postgres_connection_pool().clone();
        let changed = self.changed.clone();
        Some(tokio::spawn(async move {
            loop {
                let Err(error) = listen(&pool, &changed).await;
                tracing::warn!(error = %error, "listening for other processes' writes failed; retrying in a second");
                // Whatever was announced meanwhile is found by the next step.
                changed.notify_one();
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        }))
    }

    /// The newest sequence number of the change log (0 when empty).
    pub async fn last_change_seq(&self) -> Result<i64, CatalogError> {
        Ok(self.last_change().await?.map(|change| change.seq).unwrap_or(0))
    }

    /// The newest change of the change log.
    pub async fn last_change(&self) -> Result<Option<entity::change::Model>, CatalogError> {
        use sea_orm::{EntityTrait, QueryOrder};
        Ok(entity::change::Entity::find().order_by_desc(entity::change::Column::Seq).one(&self.db).await?)
    }

    /// The change with this sequence number, if the change log holds it.
    pub async fn change_at(&self, seq: i64) -> Result<Option<entity::change::Model>, CatalogError> {
        use sea_orm::EntityTrait;
        Ok(entity::change::Entity::find_by_id(seq).one(&self.db).await?)
    }

    /// Countries and regions.
    pub fn reference(&self) -> &Reference {
        &self.reference
    }

    /// Validates and writes a batch of records in one transaction. The batch is first written
    /// whole with multi-row statements; when the database refuses that, the transaction is
    /// rolled back and each record is written under its own savepoint, so a bad one is
    /// rejected and the others are kept.
    pub async fn import_batch(&self, records: Vec<NumberedRecord>) -> Result<ImportReport, CatalogError> {
        self.import_batch_with(records, &mut WriteCache::default()).await
    }

    /// [`Catalog::import_batch`] for one batch of a longer import: `cache` carries the ids of
    /// organizers, venues, topics and audiences from one batch to the next, so each is looked
    /// up once per import rather than once per batch.
    pub async fn import_batch_with(
        &self,
        records: Vec<NumberedRecord>,
        cache: &mut WriteCache,
    ) -> Result<ImportReport, CatalogError> {
        let (mut report, lines, events) = self.resolve_records(records);
        // No savepoint around the fast path: SQLite pays for every statement inside one (a
        // twentieth of an import's CPU), and the transaction holds this batch alone anyway.
        let written = if bulk::eligible(&events) && !events.is_empty() {
            let txn = self.db.begin().await?;
            match bulk::write_batch(&txn, cache, &events, self.handoff.is_some(), self.reference_checks).await {
                Ok((results, stored)) => {
                    commit(txn, cache).await?;
                    if let Some(handoff) = &self.handoff {
                        handoff.offer(stored).await;
                    }
                    for (event_id, kind) in results {
                        report.count(event_id, kind);
                    }
                    true
                }
                Err(error) => {
                    tracing::debug!(%error, "batch write failed; writing record by record");
                    // An id kept from an earlier batch may be of a row deleted since: the
                    // records look every row up again.
                    *cache = WriteCache::default();
                    txn.rollback().await?;
                    false
                }
            }
        } else {
            false
        };
        if !written {
            report.batches_one_by_one += u64::from(!events.is_empty());
            self.write_one_by_one(cache, lines.into_iter().zip(events).collect(), &mut report).await?;
        }
        self.announce().await;
        report.rejected.sort_by_key(|rejection| rejection.line);
        Ok(report)
    }

    /// Resolves a batch's records: the report holding those rejected, and the others with
    /// their line numbers.
    fn resolve_records(&self, records: Vec<NumberedRecord>) -> (ImportReport, Vec<usize>, Vec<resolve::ResolvedEvent>) {
        let mut report = ImportReport::default();
        let mut lines = Vec::with_capacity(records.len());
        let mut events = Vec::with_capacity(records.len());
        for (line, parsed) in records {
            let outcome = parsed.map_err(|reason| (line, reason)).and_then(|record| {
                resolve::resolve(&self.reference, record).map_err(|error| (line, error.to_string()))
            });
            match outcome {
                Ok(event) => {
                    lines.push(line);
                    events.push(event);
                }
                Err((line, reason)) => report.rejected.push(Rejection { line, reason }),
            }
        }
        (report, lines, events)
    }

    /// The slow path of a batch, in a transaction of its own: each record under its own
    /// savepoint, so a record the database refuses is rejected alone with the reason.
    async fn write_one_by_one(
        &self,
        cache: &mut WriteCache,
        resolved: Vec<(usize, resolve::ResolvedEvent)>,
        report: &mut ImportReport,
    ) -> Result<(), CatalogError> {
        let txn = self.db.begin().await?;
        for (line, event) in resolved {
            let savepoint = txn.begin().await?;
            match write::write_event(&savepoint, cache, event, WriteMode::Upsert).await {
                Ok((event_id, kind)) => {
                    savepoint.commit().await?;
                    report.count(event_id, kind);
                }
                Err(error) => {
                    cache.rolled_back();
                    savepoint.rollback().await?;
                    let reason = match &error {
                        CatalogError::Database(cause) => format!("could not be stored: {cause}"),
                        other => other.to_string(),
                    };
                    report.rejected.push(Rejection { line, reason });
                }
            }
        }
        commit(txn, cache).await
    }

    /// Writes one record in its own transaction and returns the stored event: the path
    /// `createEvent` and `updateEvent` take, the same checks as an import.
    pub async fn write_one(
        &self,
        record: EventRecord,
        mode: WriteMode,
    ) -> Result<(entity::event::Model, ChangeKind), CatalogError> {
        let resolved = resolve::resolve(&self.reference, record)?;
        let txn = self.db.begin().await?;
        let (event_id, kind) = write::write_event(&txn, &mut WriteCache::default(), resolved, mode).await?;
        txn.commit().await?;
        self.announce().await;
        let event = read::events_by_id(&self.db, &[event_id]).await?.remove(&event_id);
        Ok((event.ok_or_else(|| CatalogError::NotFound(format!("event {event_id}")))?, kind))
    }

    /// Gives a topic or audience a new label; its events are marked updated.
    pub async fn relabel(&self, table: &'static str, slug: &str, label: &str) -> Result<(), CatalogError> {
        let txn = self.db.begin().await?;
        write::relabel(&txn, table, slug, label).await?;
        txn.commit().await?;
        self.announce().await;
        Ok(())
    }

    /// Deletes an event, recording the change.
    pub async fn delete_event(&self, event_id: i64) -> Result<(), CatalogError> {
        let txn = self.db.begin().await?;
        write::delete_event(&txn, event_id).await?;
        txn.commit().await?;
        self.announce().await;
        Ok(())
    }
}

/// Organizers by id, with the path from the top body down to each.
#[derive(Debug, Clone, Default)]
pub struct OrganizerTree {
    units: HashMap<i64, organizer::Model>,
}

impl OrganizerTree {
    /// Indexes a list of organizers.
    pub fn new(units: Vec<organizer::Model>) -> Self {
        OrganizerTree { units: units.into_iter().map(|unit| (unit.id, unit)).collect() }
    }

    /// The unit with this id.
    pub fn get(&self, id: i64) -> Option<&organizer::Model> {
        self.units.get(&id)
    }

    /// This unit's id, then the ids of the units above it up to the top body.
    pub fn chain(&self, id: i64) -> Vec<u64> {
        let mut chain = vec![id as u64];
        let mut current = self.units.get(&id).and_then(|unit| unit.parent_id);
        while let Some(parent) = current {
            chain.push(parent as u64);
            current = self.units.get(&parent).and_then(|unit| unit.parent_id);
        }
        chain
    }

    /// Names from the top body down to this unit.
    pub fn path(&self, id: i64) -> Vec<String> {
        let mut path = Vec::new();
        let mut current = self.units.get(&id);
        while let Some(unit) = current {
            path.push(unit.name.clone());
            current = unit.parent_id.and_then(|parent| self.units.get(&parent));
        }
        path.reverse();
        path
    }

    /// The direct children of a unit, by name.
    pub fn children(&self, id: i64) -> Vec<&organizer::Model> {
        let mut children: Vec<_> = self.units.values().filter(|unit| unit.parent_id == Some(id)).collect();
        children.sort_by(|left, right| left.name.cmp(&right.name));
        children
    }

    /// Every unit, sorted by path.
    pub fn all(&self) -> Vec<&organizer::Model> {
        let mut units: Vec<_> = self.units.values().collect();
        units.sort_by_cached_key(|unit| self.path(unit.id));
        units
    }
}

/// Commits a transaction that taught `cache` ids, and tells the cache whether they stay.
async fn commit(txn: sea_orm::DatabaseTransaction, cache: &mut WriteCache) -> Result<(), CatalogError> {
    match txn.commit().await {
        Ok(()) => {
            cache.committed();
            Ok(())
        }
        Err(error) => {
            cache.rolled_back();
            Err(error.into())
        }
    }
}
