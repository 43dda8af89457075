//! Two import batches in flight on PostgreSQL: while the server stores one batch, the next
//! resolves its records and writes its events and links, so the client's work, the server's
//! and the index's overlap instead of taking turns. The change log stays in input order: a
//! batch checks its references, takes its change numbers and commits only once the batch
//! before it has committed ([`Turn`]), so followers never see a later batch's changes first.
//! The events' ids follow the input too: a batch takes its new events' ids from the sequence
//! once the batch before has taken its own, and inserts its events with them, so two batches
//! inserting at once do not interleave their numbers (`convene export` writes in id order).
//!
//! Only where batches check their own references ([`ReferenceChecks::PerBatch`]): a batch may
//! name an organizer, venue, topic or audience the batch before it inserted and has not
//! committed yet (the import shares one [`WriteCache`]), which a per-row foreign-key check
//! would refuse at once, while the batch's own check runs after that commit. So a batch writes
//! its taxonomy only after the batch before has written its own, never the reverse.
//!
//! A batch whose fast path does not commit beside its predecessor's (the predecessor fell back,
//! or both wrote the same rows) rolls back, waits for the predecessor to finish and writes its
//! fast path again, with the ids it took. A batch whose fast path fails alone is written record
//! by record, as in a sequential import (its new events take the table's next ids then), while
//! no fast path runs ([`Pipeline`]). Fast-path transactions give up on any lock held longer
//! than [`LOCK_TIMEOUT`] (two batches writing the same event wait for each other), below
//! PostgreSQL's deadlock check: the later batch is then written after the earlier, so a later
//! line still wins.

use std::sync::Arc;

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use tokio::sync::{watch, Mutex, RwLock};

use super::copy::CopyTransaction;
use super::error::CatalogError;
use super::references::{ReferenceChecks, Referenced};
use super::resolve::ResolvedEvent;
use super::write::WriteCache;
use super::{bulk, Catalog, ImportReport, NumberedRecord};

/// How long a fast-path statement waits for a row another transaction holds before the batch
/// gives up and is written after the batch before it (PostgreSQL's `deadlock_timeout` is 1 s).
const LOCK_TIMEOUT: &str = "200ms";

/// Where a batch is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Writing its fast path, to commit it when its turn comes.
    Writing,
    /// It will not commit what it is writing: the batch after it must roll back and wait for
    /// [`Stage::Done`]. It is written again (on the fast path when it can, else record by
    /// record) once the batch before it is done.
    Redoing,
    /// Committed: the next batch may take its turn.
    Done,
}

/// What the batches of one import share.
#[derive(Debug, Default)]
pub struct Pipeline {
    /// Ids of taxonomy rows, learnt by the batches in order (some not yet committed).
    cache: Mutex<WriteCache>,
    /// Held shared by every fast-path transaction and alone by the record-by-record path, so
    /// that path never waits for a row of a later batch's fast path while that batch waits for
    /// one of its own: PostgreSQL's deadlock check could then abort one of its records.
    writers: RwLock<()>,
}

/// Where a batch is, as the batch after it sees it.
#[derive(Debug, Clone, Copy)]
struct Progress {
    /// The number of the attempt `stage` belongs to, so a batch that started beside one
    /// attempt of the batch before does not commit after another.
    attempt: u32,
    stage: Stage,
    /// The batch has written its taxonomy rows and learnt their ids into the shared cache.
    learnt: bool,
    /// The batch has taken its new events' ids, or takes none in turn.
    numbered: bool,
}

/// What a batch watches of the batch before it.
#[derive(Debug)]
pub struct Turn(watch::Receiver<Progress>);

/// What a batch tells the batch after it.
#[derive(Debug)]
pub struct TurnSignal(watch::Sender<Progress>);

/// A batch's signal and the turn the next batch watches.
pub fn turn() -> (TurnSignal, Turn) {
    let (sender, receiver) =
        watch::channel(Progress { attempt: 0, stage: Stage::Writing, learnt: false, numbered: false });
    (TurnSignal(sender), Turn(receiver))
}

impl TurnSignal {
    fn set(&self, stage: Stage) {
        self.0.send_modify(|progress| progress.stage = stage);
    }

    /// The batch after may write its taxonomy rows.
    fn learnt(&self) {
        self.0.send_if_modified(|progress| !std::mem::replace(&mut progress.learnt, true));
    }

    /// The batch after may take its new events' ids (and write its taxonomy rows).
    fn numbered(&self) {
        self.0.send_if_modified(|progress| {
            let changed = !(progress.learnt && progress.numbered);
            (progress.learnt, progress.numbered) = (true, true);
            changed
        });
    }

    /// A new attempt at the fast path begins: it keeps the ids it took, and writes its taxonomy
    /// again (with a cache of its own) before the batch after may write its own.
    fn retry(&self) {
        self.0.send_modify(|progress| {
            (progress.attempt, progress.stage, progress.learnt) = (progress.attempt + 1, Stage::Writing, false);
        });
    }
}

impl Turn {
    /// The attempt of the batch before that is under way.
    fn attempt(&self) -> u32 {
        self.0.borrow().attempt
    }

    /// Waits until the batch before has learnt its taxonomy rows, or no longer writes in turn.
    async fn learnt(&mut self) -> Result<(), CatalogError> {
        let ready = |progress: &Progress| progress.learnt || progress.stage != Stage::Writing;
        self.0.wait_for(ready).await.map(|_| ()).map_err(|_| stopped())
    }

    /// Waits until the batch before has taken its new events' ids, or no longer writes in
    /// turn (what it takes then comes after this batch's).
    async fn numbered(&mut self) -> Result<(), CatalogError> {
        let ready = |progress: &Progress| progress.numbered || progress.stage != Stage::Writing;
        self.0.wait_for(ready).await.map(|_| ()).map_err(|_| stopped())
    }

    /// Waits until that attempt of the batch before has committed (`true`) or was given up.
    async fn committed(&mut self, attempt: u32) -> Result<bool, CatalogError> {
        let current = self
            .0
            .wait_for(|progress| progress.attempt != attempt || progress.stage != Stage::Writing)
            .await
            .map_err(|_| stopped())?;
        Ok((current.attempt, current.stage) == (attempt, Stage::Done))
    }

    /// Waits until the batch before has committed, by either path.
    async fn done(&mut self) -> Result<(), CatalogError> {
        self.0.wait_for(|progress| progress.stage == Stage::Done).await.map(|_| ()).map_err(|_| stopped())
    }
}

/// Takes `count` ids from the events' sequence, ascending (other writers may take some between
/// them). A transaction that rolls back leaves them unused, and nobody else is given them.
async fn take_ids(txn: &CopyTransaction, count: usize) -> Result<Vec<i64>, CatalogError> {
    let sql = "SELECT nextval(s.seq) AS id FROM (SELECT pg_get_serial_sequence('events', 'id')::regclass AS seq) s, \
        generate_series(1, $1) ORDER BY 1";
    let rows =
        txn.query_all_raw(Statement::from_sql_and_values(DbBackend::Postgres, sql, [(count as i64).into()])).await?;
    rows.iter().map(|row| row.try_get("", "id").map_err(CatalogError::from)).collect()
}

/// The batch before stopped without committing: the import is failing.
fn stopped() -> CatalogError {
    CatalogError::Internal("the import batch before this one failed".to_string())
}

impl Catalog {
    /// True when imports keep two batches in flight: on PostgreSQL, where batches check their
    /// own references. SQLite has one writer at a time.
    pub fn pipelines_imports(&self) -> bool {
        self.reference_checks == ReferenceChecks::PerBatch
    }

    /// [`Catalog::import_batch_with`] for a batch that runs beside the one before it:
    /// `pipeline` is shared by the import's batches, `previous` is the turn of the batch before
    /// (`None` for the first) and `signal` tells the next batch where this one is.
    pub async fn import_batch_in_turn(
        &self,
        records: Vec<NumberedRecord>,
        pipeline: Arc<Pipeline>,
        mut previous: Option<Turn>,
        signal: TurnSignal,
    ) -> Result<ImportReport, CatalogError> {
        let (mut report, lines, events) = self.resolve_records(records);
        if events.is_empty() {
            // Nothing to write: the batch after only waits for the one before.
            signal.numbered();
            if let Some(previous) = previous.as_mut() {
                previous.done().await?;
            }
            // Rejected while resolving, so already in line order.
            signal.set(Stage::Done);
            return Ok(report);
        }
        if bulk::eligible(&events) {
            // The new events' ids, taken in turn by the first attempt and kept by a second.
            let mut ids = Vec::new();
            let mut outcome =
                self.fast_path_in_turn(&pipeline, &pipeline.cache, &events, previous.as_mut(), &signal, &mut ids).await;
            if !matches!(outcome, Ok(Some(_))) {
                if let Some(mut previous) = previous.take() {
                    // Written beside the batch before, which did not commit in turn or wrote the
                    // same rows: write this one again after it, with a cache of its own (the
                    // shared one may hold ids the batch after this one has not committed).
                    signal.set(Stage::Redoing);
                    previous.done().await?;
                    // A new attempt: a batch after this one that starts beside it may commit
                    // after it (else a redo would make every later batch redo too).
                    signal.retry();
                    let own = Mutex::default();
                    outcome = self.fast_path_in_turn(&pipeline, &own, &events, None, &signal, &mut ids).await;
                    if matches!(outcome, Ok(Some(_))) {
                        // What it learnt serves the batches after it.
                        pipeline.cache.lock().await.absorb(own.into_inner());
                    }
                }
            }
            match outcome {
                Ok(Some((results, stored))) => {
                    if let Some(handoff) = &self.handoff {
                        handoff.offer(stored).await;
                    }
                    // After the handoff, so the index receives the batches in order.
                    signal.set(Stage::Done);
                    for (event_id, kind) in results {
                        report.count(event_id, kind);
                    }
                    self.announce().await;
                    return Ok(report);
                }
                // Only beside a batch before it, which a second attempt never is.
                Ok(None) => {}
                Err(error) => tracing::debug!(%error, "batch write failed; writing record by record"),
            }
        }
        signal.set(Stage::Redoing);
        if let Some(previous) = previous.as_mut() {
            previous.done().await?;
        }
        // Alone: the batch after this one sees it redoing, rolls back and waits for it.
        let alone = pipeline.writers.write().await;
        report.batches_one_by_one += 1;
        // A cache of its own: the shared one may hold ids the batch after this one inserted and
        // has not committed, which the database's own checks on this path would refuse.
        self.write_one_by_one(&mut WriteCache::default(), lines.into_iter().zip(events).collect(), &mut report).await?;
        drop(alone);
        signal.set(Stage::Done);
        self.announce().await;
        report.rejected.sort_by_key(|rejection| rejection.line);
        Ok(report)
    }

    /// The fast path of a pipelined batch in one transaction. `Ok(None)` when the batch before
    /// did not commit in turn: this one rolled back and must follow it. On any rollback the
    /// shared cache forgets the ids this transaction learnt (the batch before forgets its own
    /// when it rolls back). It used to be emptied: the batch after then inserted again every
    /// row of its taxonomy, among them the new rows of the batch in flight beside it, waited
    /// for that batch's commit past the lock timeout, rolled back and emptied the cache in
    /// turn, so one rollback made most later batches of an import roll back once.
    async fn fast_path_in_turn(
        &self,
        pipeline: &Pipeline,
        cache: &Mutex<WriteCache>,
        events: &[ResolvedEvent],
        previous: Option<&mut Turn>,
        signal: &TurnSignal,
        ids: &mut Vec<i64>,
    ) -> Result<Option<bulk::BatchWritten>, CatalogError> {
        let _writing = pipeline.writers.read().await;
        let txn = CopyTransaction::begin(self.db.get_postgres_connection_pool()).await?;
        let mut learnt = Vec::new();
        let outcome = self.write_in_turn(&txn, cache, events, (previous, signal), ids, &mut learnt).await;
        let outcome = match outcome {
            Ok(Some(written)) => txn.commit().await.map(|()| Some(written)),
            Ok(None) => txn.rollback().await.map(|()| None),
            Err(error) => {
                txn.rollback().await?;
                Err(error)
            }
        };
        let mut cache = cache.lock().await;
        match outcome {
            Ok(Some(_)) => cache.committed(),
            _ => cache.forget(&learnt),
        }
        outcome
    }

    /// Everything of [`Self::fast_path_in_turn`] but the commit: the taxonomy once the batch
    /// before has written its own (under the cache's lock; the keys this batch learnt go to
    /// `learnt`), the new events' ids once the batch before has taken its own (kept in
    /// `ids` for a second attempt), the events and their links, then, once the batch before
    /// has committed, the reference check and the changes.
    async fn write_in_turn(
        &self,
        txn: &CopyTransaction,
        cache: &Mutex<WriteCache>,
        events: &[ResolvedEvent],
        (mut previous, signal): (Option<&mut Turn>, &TurnSignal),
        ids: &mut Vec<i64>,
        learnt: &mut Vec<(&'static str, String)>,
    ) -> Result<Option<bulk::BatchWritten>, CatalogError> {
        txn.execute_unprepared(&format!("SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")).await?;
        let attempt = previous.as_ref().map(|previous| previous.attempt());
        let mut referenced = Referenced::begin(txn, self.reference_checks).await?;
        // The batch before writes its taxonomy first: this batch may then use the rows that
        // one inserted, which it checks once that one has committed, and never the reverse.
        // The batch before cannot wait for this one's commit, so it would refuse rows this one
        // inserted first: a race that small batches lost, each loss writing a batch record by
        // record.
        if let Some(previous) = previous.as_mut() {
            previous.learnt().await?;
        }
        let known = {
            let mut cache = cache.lock().await;
            let mark = cache.mark();
            let written = bulk::write_taxonomy(txn, &mut cache, events, referenced.as_mut()).await;
            *learnt = cache.learnt_since(mark);
            written?;
            cache.clone()
        };
        signal.learnt();
        let stored = bulk::stored_ids(txn, events).await?;
        let new = stored.iter().filter(|id| id.is_none()).count();
        // A second attempt may find more new events than the first (another writer deleted
        // one meanwhile): those take ids out of turn.
        if ids.len() < new {
            if let Some(previous) = previous.as_mut() {
                previous.numbered().await?;
            }
            ids.extend(take_ids(txn, new - ids.len()).await?);
        }
        signal.numbered();
        let written =
            bulk::write_events(txn, &known, events, &stored, Some(ids), self.handoff.is_some(), referenced).await?;
        if let (Some(previous), Some(attempt)) = (previous, attempt) {
            if !previous.committed(attempt).await? {
                return Ok(None);
            }
        }
        Ok(Some(bulk::record_changes(txn, written).await?))
    }
}

#[cfg(test)]
mod tests {
    use super::WriteCache;

    #[test]
    fn a_batch_that_rolls_back_forgets_its_own_rows_only() {
        let mut shared = WriteCache::default();
        shared.remember("venues", "committed".into(), 1);
        shared.committed();
        // The batch in flight learns its rows, then the batch after it learns its own.
        shared.remember("venues", "in flight".into(), 2);
        let mark = shared.mark();
        shared.remember("venues", "later".into(), 3);
        shared.remember("topics", "later".into(), 4);
        let learnt = shared.learnt_since(mark);
        assert_eq!(learnt.len(), 2);
        // The later batch rolls back: the batch in flight's rows are still known, so the next
        // batch does not insert them again and wait for that batch's commit.
        shared.forget(&learnt);
        assert_eq!(shared.get("venues", "committed"), Some(1));
        assert_eq!(shared.get("venues", "in flight"), Some(2));
        assert_eq!((shared.get("venues", "later"), shared.get("topics", "later")), (None, None));
    }
}
