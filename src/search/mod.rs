//! Search in the server: the index derived from the database, opened or rebuilt at start,
//! followed by one writer task, and searched on blocking threads (a small index on the
//! request's own thread).

pub mod documents;
pub mod follower;
pub mod import;
pub mod listing;
pub mod location;

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::Context;
use convene_index::{SearchIndex, SearchRequest, SearchResults};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::catalog::entity::{change, event};
use crate::catalog::filter::EventFilter as DomainFilter;
use crate::catalog::{Catalog, CatalogError};
use convene_index::SearchFilter;
pub use follower::{ChangeNotice, Follower, MAX_SEGMENTS_AT_START};
pub use import::ImportIndexing;
pub use location::IndexLocation;

/// Changes a slow subscriber may fall behind by before it misses some.
const NOTICE_BUFFER: usize = 4_096;

/// Up to this many events a search runs on the request's own thread: at 100k the suite's
/// searches take 0.1-0.7 ms in the index (about twice that at this size), near what
/// highlighting the page costs on that thread anyway, while handing a search to a blocking
/// thread and back cost 0.1-0.15 ms of waking threads. Larger indexes keep the hand-off, so a
/// long search never holds a runtime thread.
const INLINE_SEARCH_EVENTS: u64 = 200_000;

/// Events read from the database per batch while building an index.
const BUILD_BATCH: u64 = 1_000;

/// Builds a complete index of the catalogue in `dir`. It records the change-log position
/// taken before reading, so changes made meanwhile are replayed by the follower.
pub async fn build(catalog: &Catalog, dir: &std::path::Path) -> anyhow::Result<Arc<SearchIndex>> {
    let started = std::time::Instant::now();
    let index = SearchIndex::create(dir).with_context(|| format!("creating an index in {}", dir.display()))?;
    let mut writer = index.writer(follower::BULK_HEAP_BYTES)?;
    let last = catalog.last_change().await?;
    let seq = last.as_ref().map_or(0, |change| change.seq);
    let mut last_id = 0_i64;
    let mut count = 0_usize;
    loop {
        let ids: Vec<i64> = event::Entity::find()
            .select_only()
            .column(event::Column::Id)
            .filter(event::Column::Id.gt(last_id))
            .order_by_asc(event::Column::Id)
            .limit(BUILD_BATCH)
            .into_tuple()
            .all(catalog.db())
            .await?;
        let Some(&last) = ids.last() else { break };
        last_id = last;
        let documents = documents::documents(catalog, &ids).await?;
        count += documents.len();
        tokio::task::block_in_place(|| documents.values().try_for_each(|document| writer.upsert(document)))?;
    }
    tokio::task::block_in_place(|| writer.commit_merged(seq, last.as_ref().map(change_id).as_deref()))?;
    index.reload()?;
    index.collect_garbage()?;
    tracing::info!(events = count, seconds = started.elapsed().as_secs_f64(), dir = %dir.display(), "built the search index");
    Ok(Arc::new(index))
}

/// What identifies a change in the index's commit payload: its event, kind and time, which a
/// change with the same number in another database (a recreated one, another deployment) does
/// not share.
pub fn change_id(change: &change::Model) -> String {
    format!("{}:{}:{}", change.event_id, change.kind, change.created_at.timestamp_micros())
}

/// True when the index follows this database's change log: the change it last applied is the
/// one this database holds under that number.
async fn follows(catalog: &Catalog, index: &SearchIndex) -> anyhow::Result<bool> {
    match index.applied_seq() {
        None | Some(0) => Ok(true),
        Some(seq) => {
            let change = catalog.change_at(seq).await?;
            Ok(change.is_some() && change.as_ref().map(change_id) == index.applied_change())
        }
    }
}

/// Opens the live index, or builds and publishes a new one when it is missing, stale,
/// unreadable or built from another database. Returns the index and its folder.
pub async fn open_or_build(catalog: &Catalog, location: &IndexLocation) -> anyhow::Result<(Arc<SearchIndex>, PathBuf)> {
    if let Some(dir) = location.current() {
        match SearchIndex::open(&dir) {
            Ok(Some(index)) if follows(catalog, &index).await? => return Ok((Arc::new(index), dir)),
            Ok(Some(index)) if index.applied_change().is_none() => {
                tracing::info!(dir = %dir.display(), "the search index predates change ids in its commits; rebuilding once")
            }
            Ok(Some(_)) => tracing::warn!(
                dir = %dir.display(),
                "the search index was built from another database (its last change is not in this change log); rebuilding"
            ),
            Ok(None) => {
                tracing::warn!(dir = %dir.display(), "the search index is missing or from another version; rebuilding")
            }
            Err(error) => tracing::warn!(%error, dir = %dir.display(), "the search index cannot be read; rebuilding"),
        }
    }
    let dir = location.new_generation();
    let index = build(catalog, &dir).await?;
    location.publish(&dir, None)?;
    Ok((index, dir))
}

/// Searching the live index; cheap to clone.
#[derive(Clone)]
pub struct Search {
    live: Arc<RwLock<Arc<SearchIndex>>>,
    applied: tokio::sync::watch::Receiver<i64>,
    notices: tokio::sync::broadcast::Sender<Arc<ChangeNotice>>,
}

impl std::fmt::Debug for Search {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Search").field("applied", &*self.applied.borrow()).finish()
    }
}

/// The running follower; stop it to release the index.
#[derive(Debug)]
pub struct SearchTask {
    stop: tokio::sync::watch::Sender<bool>,
    handle: tokio::task::JoinHandle<()>,
    /// On PostgreSQL, what wakes the follower when another process writes.
    listener: Option<tokio::task::JoinHandle<()>>,
}

impl SearchTask {
    /// Stops following and waits for the last commit to finish.
    pub async fn stop(self) {
        if let Some(listener) = &self.listener {
            listener.abort();
        }
        let _ = self.stop.send(true);
        let _ = self.handle.await;
    }
}

impl Search {
    /// Opens (or rebuilds) the index, catches up with the change log, and starts following it:
    /// woken by this process's writes and, on PostgreSQL, by any process's; else every `poll`.
    pub async fn start(
        catalog: &Catalog,
        location: IndexLocation,
        poll: Duration,
    ) -> anyhow::Result<(Search, SearchTask)> {
        let (index, dir) = open_or_build(catalog, &location).await?;
        let (notices, _) = tokio::sync::broadcast::channel(NOTICE_BUFFER);
        let mut follower = Follower::new(catalog.clone(), index.clone())
            .context(
                "the search index is in use by another process (is another server running on this data directory?)",
            )?
            .with_notices(notices.clone());
        follower.catch_up().await?;
        follower.merge_many_segments()?;
        let (applied_sender, applied) = tokio::sync::watch::channel(follower.applied());
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let live = Arc::new(RwLock::new(index));
        let supervisor = Supervisor {
            follower,
            location,
            dir,
            live: live.clone(),
            applied: applied_sender,
            notices: notices.clone(),
        };
        let handle = tokio::spawn(supervisor.run(poll, stopped));
        let listener = catalog.listen_for_writes();
        Ok((Search { live, applied, notices }, SearchTask { stop, handle, listener }))
    }

    /// The live index.
    pub fn index(&self) -> Arc<SearchIndex> {
        self.live.read().expect("index lock").clone()
    }

    /// The last change-log position the live index has applied.
    pub fn applied_seq(&self) -> i64 {
        *self.applied.borrow()
    }

    /// Searches on a blocking thread, or on this one when the index is small enough for a
    /// search to take a millisecond or so (see [`INLINE_SEARCH_EVENTS`]).
    pub async fn search(&self, request: SearchRequest) -> anyhow::Result<SearchResults> {
        let index = self.index();
        if index.len() <= INLINE_SEARCH_EVENTS {
            // A panic fails this request with an error, as it does on a blocking thread.
            let searched = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| index.search(&request)));
            return Ok(searched.map_err(|_| anyhow::anyhow!("the search panicked"))??);
        }
        Ok(tokio::task::spawn_blocking(move || index.search(&request)).await??)
    }

    /// Completions on a blocking thread.
    pub async fn suggest(&self, prefix: String, limit: usize) -> anyhow::Result<Vec<String>> {
        let index = self.index();
        Ok(tokio::task::spawn_blocking(move || index.suggest(&prefix, limit)).await??)
    }

    /// Every change from now on, as the index applies it (in sequence order).
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<Arc<ChangeNotice>> {
        self.notices.subscribe()
    }

    /// Waits until the change `seq` is searchable; false on timeout.
    pub async fn wait_for(&self, seq: i64, timeout: Duration) -> bool {
        let mut applied = self.applied.clone();
        tokio::time::timeout(timeout, applied.wait_for(|&applied| applied >= seq))
            .await
            .is_ok_and(|result| result.is_ok())
    }
}

/// Owns the follower; swaps in a generation that `convene reindex` published.
struct Supervisor {
    follower: Follower,
    location: IndexLocation,
    dir: PathBuf,
    live: Arc<RwLock<Arc<SearchIndex>>>,
    applied: tokio::sync::watch::Sender<i64>,
    notices: tokio::sync::broadcast::Sender<Arc<ChangeNotice>>,
}

impl Supervisor {
    async fn run(mut self, poll: Duration, mut stop: tokio::sync::watch::Receiver<bool>) {
        loop {
            match self.follower.step().await {
                Ok(true) => {
                    self.applied.send_replace(self.follower.applied());
                    continue;
                }
                Ok(false) => {}
                Err(error) => tracing::error!(error = format!("{error:#}"), "indexing changes failed; retrying"),
            }
            self.swap_if_republished();
            tokio::select! {
                () = self.follower.catalog().changed().notified() => {}
                () = tokio::time::sleep(poll) => {}
                _ = stop.changed() => return,
            }
        }
    }

    fn swap_if_republished(&mut self) {
        let Some(current) = self.location.current().filter(|current| current != &self.dir) else { return };
        let index = match SearchIndex::open(&current) {
            Ok(Some(index)) => Arc::new(index),
            _ => return,
        };
        let follower = match Follower::new(self.follower.catalog().clone(), index.clone()) {
            Ok(follower) => follower.with_notices(self.notices.clone()),
            Err(error) => {
                tracing::debug!(%error, "the new index generation is still being written");
                return;
            }
        };
        let old = std::mem::replace(&mut self.follower, follower);
        drop(old);
        *self.live.write().expect("index lock") = index;
        self.location.remove(&self.dir);
        tracing::info!(dir = %current.display(), "swapped in the rebuilt search index");
        self.dir = current;
    }
}

/// Builds a fresh index beside the live one and swaps it in; a running server switches to it
/// and keeps answering meanwhile. Returns how many events the new index holds.
pub async fn reindex(catalog: &Catalog, location: &IndexLocation) -> anyhow::Result<u64> {
    let previous = location.current();
    let dir = location.new_generation();
    let index = build(catalog, &dir).await?;
    let mut follower = Follower::new(catalog.clone(), index.clone())?;
    follower.catch_up().await?;
    drop(follower);
    location.publish(&dir, previous.as_deref())?;
    if let Some(previous) = previous {
        // Nobody follows the old generation when its writer can be taken: remove it now.
        let unused = SearchIndex::open(&previous).ok().flatten().is_some_and(|old| old.writer(15_000_000).is_ok());
        if unused {
            location.remove(&previous);
        }
    }
    Ok(index.len())
}

/// The index filter for a domain filter: countries resolved, regions checked.
pub fn search_filter(catalog: &Catalog, filter: &DomainFilter) -> Result<SearchFilter, CatalogError> {
    let reference = catalog.reference();
    let codes = |field: &str, spellings: &[String]| -> Result<Vec<String>, CatalogError> {
        spellings
            .iter()
            .enumerate()
            .map(|(position, spelling)| {
                reference.resolve_country(spelling).map(|country| country.code.clone()).ok_or_else(|| {
                    CatalogError::invalid(
                        format!("filter.{field}[{position}]"),
                        format!("unknown country {spelling:?}"),
                    )
                })
            })
            .collect()
    };
    for (position, region) in filter.regions.iter().enumerate() {
        if reference.region(region).is_none() {
            return Err(CatalogError::invalid(
                format!("filter.regions[{position}]"),
                format!("unknown region {region:?}"),
            ));
        }
    }
    let range = |range: &Option<crate::catalog::filter::DateRange>| range.map(|range| (range.from, range.to));
    Ok(SearchFilter {
        countries: codes("countries", &filter.countries)?,
        venue_countries: codes("venueCountries", &filter.venue_countries)?,
        regions: filter.regions.clone(),
        topics: filter.topics.clone(),
        organizers: filter.organizers.iter().map(|&id| id as u64).collect(),
        audiences: filter.audiences.clone(),
        event_types: filter.event_types.clone(),
        start_date: range(&filter.start_date),
        added_on: range(&filter.added_on),
    })
}
