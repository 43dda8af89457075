//! The index's one writer in this process: it follows the `changes` outbox, applies each
//! change to the index and commits with the position reached, so the index never drifts from
//! the database and catches up after any stop.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::Utc;
use std::collections::HashMap;

use convene_index::{EventDocument, EventWriter, SearchIndex};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::documents::assemble;
use crate::catalog::entity::change;
use crate::catalog::handoff::Handoff;
use crate::catalog::read;
use crate::catalog::write::ChangeKind;
use crate::catalog::{Catalog, OrganizerTree};

/// Memory for the tantivy writer of a running server.
pub const WRITER_HEAP_BYTES: usize = 64 * 1024 * 1024;
/// Memory for the writer of an import or a rebuild: larger segments, so less to merge, and
/// the same budget the engine benchmark gives tantivy alone.
pub const BULK_HEAP_BYTES: usize = 256 * 1024 * 1024;
/// An import commits after this many changes, so segments merge while it goes on.
const BULK_COMMIT_CHANGES: usize = 200_000;
/// Changes read from the outbox per step.
const STEP_CHANGES: u64 = 2_000;
/// How much lower an import's indexing threads are scheduled than its storing (a nice value).
const BULK_INDEXING_NICENESS: i32 = 10;

/// Runs `work` on a thread of lower priority, so the threads it starts inherit that priority:
/// tantivy's indexing threads, which a writer starts when it is made and after each commit.
/// An import is searchable once its last batch is stored and indexed. On SQLite storing is a
/// chain that waits for itself (one writer, each batch after the one before) and indexing only
/// has to keep up with it; at equal priority the indexing threads took their share of the 2
/// cores from the chain (300k: -6% until searchable with the indexing lowered). PostgreSQL keeps
/// two batches in flight, so storing already fills the cores at a million events, and lowering
/// the indexing only delayed it: stored 2% sooner, searchable 10% later, with the background
/// merges starved (12 segments left to merge at the end instead of 5). A thread's nice value is
/// its own on Linux and raising it needs no privilege; where it cannot be set, `work` runs at
/// the usual priority.
fn at_lower_priority<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        let thread = scope.spawn(|| {
            if let Err(error) = rustix::process::setpriority_process(None, BULK_INDEXING_NICENESS) {
                tracing::debug!(%error, "indexing at the usual priority");
            }
            work()
        });
        thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// A server merges an index of more segments than this when it starts.
pub const MAX_SEGMENTS_AT_START: usize = 8;
/// A step slower than this is logged with where its time went.
const SLOW_STEP: std::time::Duration = std::time::Duration::from_millis(250);
/// A gap in the sequence older than this is a rolled-back write, not one still committing.
const GAP_GRACE: chrono::TimeDelta = chrono::TimeDelta::seconds(10);

/// A change as subscribers see it: applied to the index, in sequence order.
#[derive(Debug, Clone)]
pub struct ChangeNotice {
    pub seq: i64,
    pub event_id: i64,
    pub kind: ChangeKind,
    /// What subscribers' filters are checked against: the event as indexed or, once it is
    /// deleted, what the index held of it before ([`SearchIndex::filter_view`], with the
    /// organizer's chain). `None` when the index never held it.
    pub document: Option<Arc<EventDocument>>,
}

/// Follows the outbox into one index.
pub struct Follower {
    notices: Option<tokio::sync::broadcast::Sender<Arc<ChangeNotice>>>,
    catalog: Catalog,
    index: Arc<SearchIndex>,
    writer: EventWriter,
    /// Every change up to here is in the index.
    watermark: i64,
    /// What identifies the change at the watermark ([`super::change_id`]).
    watermark_change: Option<String>,
    /// Changes beyond the watermark already applied (the ones past a gap).
    applied_above: BTreeSet<i64>,
    /// Bulk mode: apply changes and commit every [`BULK_COMMIT_CHANGES`] (see
    /// [`Follower::finish`]).
    defer_commits: bool,
    /// Changes applied since the last commit.
    uncommitted: usize,
    /// Events this process's import committed, indexed without reading them back.
    handoff: Option<Arc<Handoff>>,
    /// The indexing threads run at a lower priority, and are started again at it.
    yields: bool,
}

impl Follower {
    /// Takes the index's writer; fails when another process holds it.
    pub fn new(catalog: Catalog, index: Arc<SearchIndex>) -> Result<Self, convene_index::IndexError> {
        Self::with_heap(catalog, index, WRITER_HEAP_BYTES)
    }

    /// For an import nobody searches until it ends, where a commit per step would cost more
    /// than the indexing: a larger writer that commits every [`BULK_COMMIT_CHANGES`]. Call
    /// [`Follower::finish`] at the end; a crash before it leaves the index at its last
    /// commit, and the next follower replays from there.
    ///
    /// On SQLite its indexing threads run at a lower priority than the rest of the process
    /// (see [`at_lower_priority`]).
    pub fn bulk(catalog: Catalog, index: Arc<SearchIndex>) -> Result<Self, convene_index::IndexError> {
        let yields = !catalog.pipelines_imports();
        let writer = match yields {
            true => at_lower_priority(|| index.writer(BULK_HEAP_BYTES))?,
            false => index.writer(BULK_HEAP_BYTES)?,
        };
        let mut follower = Self::with_writer(catalog, index, writer);
        follower.defer_commits = true;
        follower.yields = yields;
        Ok(follower)
    }

    fn with_heap(
        catalog: Catalog,
        index: Arc<SearchIndex>,
        heap_bytes: usize,
    ) -> Result<Self, convene_index::IndexError> {
        let writer = index.writer(heap_bytes)?;
        Ok(Self::with_writer(catalog, index, writer))
    }

    fn with_writer(catalog: Catalog, index: Arc<SearchIndex>, writer: EventWriter) -> Self {
        let watermark = index.applied_seq().unwrap_or(0);
        let watermark_change = index.applied_change();
        Follower {
            notices: None,
            catalog,
            index,
            writer,
            watermark,
            watermark_change,
            applied_above: BTreeSet::new(),
            defer_commits: false,
            uncommitted: 0,
            handoff: None,
            yields: false,
        }
    }

    /// Commits everything applied so far, merges the segments into one per search thread when
    /// there are more than search threads ([`convene_index::EventWriter::commit_merged`]: a 1M import leaves
    /// about six, and each costs every search its own term lookups), and makes the result
    /// searchable.
    pub fn finish(self) -> anyhow::Result<()> {
        let Follower { writer, index, watermark, watermark_change, .. } = self;
        tokio::task::block_in_place(|| -> anyhow::Result<()> {
            let started = std::time::Instant::now();
            let merged = writer.commit_merged(watermark, watermark_change.as_deref())?;
            if merged > 0 {
                tracing::info!(
                    segments = merged,
                    seconds = started.elapsed().as_secs_f64(),
                    "merged the index's segments, one per search thread"
                );
            }
            index.reload()?;
            index.collect_garbage()?;
            Ok(())
        })
    }

    fn commit_at(&mut self, watermark: i64, change: Option<&str>) -> anyhow::Result<()> {
        let (writer, index) = (&mut self.writer, self.index.clone());
        self.uncommitted = 0;
        let yields = self.yields;
        tokio::task::block_in_place(|| -> anyhow::Result<()> {
            // A commit starts the writer's indexing threads again, from the committing thread.
            match yields {
                true => at_lower_priority(|| writer.commit(watermark, change))?,
                false => writer.commit(watermark, change)?,
            }
            index.reload()?;
            Ok(())
        })
    }

    /// What the index holds of the events among `ids` that are about to leave it (those with
    /// no document), for subscribers' filters; read only when someone may listen.
    async fn last_indexed(
        &self,
        ids: &[i64],
        documents: &HashMap<i64, Arc<EventDocument>>,
    ) -> anyhow::Result<HashMap<i64, Arc<EventDocument>>> {
        let gone: Vec<i64> = ids.iter().copied().filter(|id| !documents.contains_key(id)).collect();
        if self.notices.is_none() || gone.is_empty() {
            return Ok(HashMap::new());
        }
        let organizers = OrganizerTree::new(read::all_organizers(self.catalog.db()).await?);
        tokio::task::block_in_place(|| {
            let mut views = HashMap::new();
            for id in gone {
                let Some(mut view) = self.index.filter_view(id as u64)? else { continue };
                if let Some(&own) = view.organizer_ids.first() {
                    view.organizer_ids = organizers.chain(own as i64);
                }
                views.insert(id, Arc::new(view));
            }
            Ok(views)
        })
    }

    /// Starts merging an index of more than [`MAX_SEGMENTS_AT_START`] segments into one, in the
    /// background: each segment costs every search (its own term walks for typos and prefixes),
    /// and a lightly written index may never reach the merge policy's next level. Searches see
    /// the merged segment when it is done.
    pub fn merge_many_segments(&mut self) -> anyhow::Result<()> {
        let Some(merge) = self.writer.merge_when_more_than(MAX_SEGMENTS_AT_START)? else { return Ok(()) };
        let index = self.index.clone();
        tracing::info!(segments = merge.segments, "merging the search index's segments in the background");
        tokio::task::spawn_blocking(move || {
            let started = std::time::Instant::now();
            match merge.wait().and_then(|()| index.reload()) {
                Ok(()) => {
                    tracing::info!(seconds = started.elapsed().as_secs_f64(), "merged the search index's segments")
                }
                // Merges stopped by a writer closing (a rebuild, a shutdown) are not failures.
                Err(error) => tracing::warn!(%error, "the search index's segments were not merged"),
            }
        });
        Ok(())
    }

    /// Takes the events an import in this process hands over instead of reading them back.
    pub fn with_handoff(mut self, handoff: Arc<Handoff>) -> Self {
        self.handoff = Some(handoff);
        self
    }

    /// Announces every applied change on this channel.
    pub fn with_notices(mut self, notices: tokio::sync::broadcast::Sender<Arc<ChangeNotice>>) -> Self {
        self.notices = Some(notices);
        self
    }

    /// The highest change applied so far.
    pub fn applied(&self) -> i64 {
        self.applied_above.last().copied().unwrap_or(self.watermark).max(self.watermark)
    }

    /// Applies the next changes; `false` when there was nothing to do.
    pub async fn step(&mut self) -> anyhow::Result<bool> {
        let started = std::time::Instant::now();
        let rows = change::Entity::find()
            .filter(change::Column::Seq.gt(self.watermark))
            .order_by_asc(change::Column::Seq)
            .limit(STEP_CHANGES)
            .all(self.catalog.db())
            .await?;
        let now = Utc::now();
        let mut watermark = self.watermark;
        let mut watermark_row = None;
        for row in &rows {
            if row.seq == watermark + 1 || now - row.created_at > GAP_GRACE {
                watermark = row.seq;
                watermark_row = Some(row);
            } else {
                break;
            }
        }
        // Only the change the watermark stops at is named in the commit.
        let watermark_change = watermark_row.map(super::change_id).or_else(|| self.watermark_change.clone());
        let fresh: Vec<&change::Model> = rows.iter().filter(|row| !self.applied_above.contains(&row.seq)).collect();
        if fresh.is_empty() && watermark == self.watermark {
            return Ok(false);
        }
        let mut ids: Vec<i64> = fresh.iter().map(|row| row.event_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let read_changes = started.elapsed();
        let handed = match &self.handoff {
            Some(handoff) => handoff.take(&fresh.iter().map(|row| (row.seq, row.event_id)).collect::<Vec<_>>()),
            None => HashMap::new(),
        };
        let unread: Vec<i64> = ids.iter().copied().filter(|id| !handed.contains_key(id)).collect();
        let mut stored = read::stored_events(self.catalog.db(), &unread).await?;
        stored.extend(handed);
        let documents: HashMap<i64, Arc<EventDocument>> =
            assemble(&self.catalog, stored).await?.into_iter().map(|(id, document)| (id, Arc::new(document))).collect();
        let last_indexed = self.last_indexed(&ids, &documents).await?;
        let read_documents = started.elapsed();
        let writer = &mut self.writer;
        tokio::task::block_in_place(|| -> anyhow::Result<()> {
            for id in &ids {
                match documents.get(id) {
                    Some(document) => writer.upsert(document)?,
                    None => writer.delete(*id as u64),
                }
            }
            Ok(())
        })?;
        self.uncommitted += ids.len();
        let applied = started.elapsed();
        if !self.defer_commits || self.uncommitted >= BULK_COMMIT_CHANGES {
            self.commit_at(watermark, watermark_change.as_deref())?;
        }
        // Writes wait for the follower (at most a second): say where a slow step spent its time.
        if !self.defer_commits && started.elapsed() > SLOW_STEP {
            tracing::warn!(
                changes = ids.len(),
                read_changes_ms = read_changes.as_millis() as u64,
                read_documents_ms = (read_documents - read_changes).as_millis() as u64,
                apply_ms = (applied - read_documents).as_millis() as u64,
                commit_and_reload_ms = (started.elapsed() - applied).as_millis() as u64,
                "a slow step of the index follower"
            );
        }
        if let Some(notices) = &self.notices {
            for row in &fresh {
                let Some(kind) = ChangeKind::parse(&row.kind) else { continue };
                let document = documents.get(&row.event_id).or_else(|| last_indexed.get(&row.event_id)).cloned();
                let notice = ChangeNotice { seq: row.seq, event_id: row.event_id, kind, document };
                // Nobody listening is not an error.
                let _ = notices.send(Arc::new(notice));
            }
        }
        self.applied_above.extend(fresh.iter().map(|row| row.seq));
        self.applied_above.retain(|&seq| seq > watermark);
        self.watermark = watermark;
        self.watermark_change = watermark_change;
        tracing::debug!(changes = fresh.len(), watermark, "index caught up with the change log");
        Ok(true)
    }

    /// Steps until the outbox holds nothing new.
    pub async fn catch_up(&mut self) -> anyhow::Result<()> {
        while self.step().await? {}
        Ok(())
    }

    /// The catalogue it follows.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }
}

#[cfg(test)]
mod tests {
    use super::{at_lower_priority, BULK_INDEXING_NICENESS};

    /// The calling thread's nice value, from `/proc` (field 19 of its `stat`).
    fn niceness() -> i32 {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
        let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
        fields[16].parse().unwrap()
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn threads_started_at_lower_priority_inherit_it_and_the_caller_keeps_its_own() {
        let before = niceness();
        let started = at_lower_priority(|| std::thread::spawn(niceness).join().unwrap());
        assert_eq!(started, (before + BULK_INDEXING_NICENESS).min(19));
        assert_eq!(niceness(), before);
    }
}
