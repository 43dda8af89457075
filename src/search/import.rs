//! Indexing while `convene import` stores: this process follows the change log as batches
//! commit (when no server holds the index), or waits at the end for the server that does.

use std::sync::Arc;
use std::time::Duration;

use convene_index::SearchIndex;

use super::{open_or_build, Follower, IndexLocation};
use crate::catalog::handoff::Handoff;
use crate::catalog::Catalog;

/// Committed events waiting for the follower before the import waits for it: three batches of
/// the default size.
const HANDOFF_CAPACITY: usize = 30_000;

/// Closes a handoff when dropped.
struct CloseOnDrop(Arc<Handoff>);

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// Started before the first batch is stored; [`ImportIndexing::finish`] returns once the
/// whole import is searchable.
pub enum ImportIndexing {
    /// This process holds the index writer and indexes each batch while the next is stored.
    Here {
        stop: tokio::sync::watch::Sender<bool>,
        task: tokio::task::JoinHandle<anyhow::Result<Follower>>,
        /// What the import commits, handed to the follower so it is not read back.
        handoff: Arc<Handoff>,
    },
    /// Another process (a running server) holds the writer; it indexes what we store.
    Elsewhere { location: IndexLocation },
}

impl ImportIndexing {
    /// Opens (or builds) the index and takes its writer when no other process holds it.
    pub async fn start(catalog: &Catalog, location: IndexLocation) -> anyhow::Result<Self> {
        let (index, _) = open_or_build(catalog, &location).await?;
        let Ok(follower) = Follower::bulk(catalog.clone(), index) else {
            return Ok(ImportIndexing::Elsewhere { location });
        };
        let handoff = Arc::new(Handoff::new(HANDOFF_CAPACITY));
        let mut follower = follower.with_handoff(handoff.clone());
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let closing = CloseOnDrop(handoff.clone());
        let task = tokio::spawn(async move {
            // However the follower ends (stopped, failed or panicked), the import stops
            // waiting for it to take what it commits.
            let _closing = closing;
            loop {
                if follower.step().await? {
                    continue;
                }
                tokio::select! {
                    () = follower.catalog().changed().notified() => {}
                    _ = stopped.changed() => return Ok(follower),
                }
            }
        });
        Ok(ImportIndexing::Here { stop, task, handoff })
    }

    /// Where the import should hand what it commits: `None` when another process indexes it.
    pub fn handoff(&self) -> Option<Arc<Handoff>> {
        match self {
            ImportIndexing::Here { handoff, .. } => Some(handoff.clone()),
            ImportIndexing::Elsewhere { .. } => None,
        }
    }

    /// Returns once every change up to `seq` is searchable in the live index.
    pub async fn finish(self, seq: i64, timeout: Duration) -> anyhow::Result<()> {
        match self {
            ImportIndexing::Here { stop, task, handoff } => {
                let _ = stop.send(true);
                let mut follower = task.await??;
                follower.catch_up().await?;
                tracing::debug!(events = handoff.taken(), "events indexed as the import handed them over");
                follower.finish()
            }
            ImportIndexing::Elsewhere { location } => {
                let deadline = tokio::time::Instant::now() + timeout;
                loop {
                    let applied = location
                        .current()
                        .and_then(|dir| SearchIndex::open(&dir).ok().flatten())
                        .and_then(|index| index.applied_seq());
                    if applied.is_some_and(|applied| applied >= seq) {
                        return Ok(());
                    }
                    if tokio::time::Instant::now() > deadline {
                        anyhow::bail!(
                            "the server holding the search index did not index the import within {timeout:?}"
                        );
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }
}
