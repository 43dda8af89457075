//! The one writer of an index: documents in and out, commits that record the change-log
//! position they reach, and merges.

use tantivy::{IndexWriter, Term};

use crate::document::EventDocument;
use crate::schema::{Fields, SCHEMA_VERSION};
use crate::search::{CommitPayload, IndexError};

/// The writer that merges at the end of a bulk load: tantivy's smallest, since merging does
/// not index.
const MERGE_WRITER_BYTES: usize = 15_000_000;

/// A merge under way ([`EventWriter::merge_when_more_than`]).
pub struct MergeWait {
    /// How many segments are being merged.
    pub segments: usize,
    wait: Box<dyn FnOnce() -> tantivy::Result<()> + Send>,
}

impl std::fmt::Debug for MergeWait {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("MergeWait").field("segments", &self.segments).finish()
    }
}

impl MergeWait {
    /// Blocks until the merge ends.
    pub fn wait(self) -> Result<(), IndexError> {
        (self.wait)()?;
        Ok(())
    }
}

/// The one writer of an index.
pub struct EventWriter {
    writer: IndexWriter,
    fields: Fields,
}

impl EventWriter {
    pub(crate) fn new(writer: IndexWriter, fields: Fields) -> Self {
        EventWriter { writer, fields }
    }

    /// Replaces (or adds) an event's document.
    pub fn upsert(&mut self, document: &EventDocument) -> Result<(), IndexError> {
        self.writer.delete_term(Term::from_field_u64(self.fields.id, document.id));
        self.writer.add_document(document.to_document(&self.fields))?;
        Ok(())
    }

    /// Removes an event.
    pub fn delete(&mut self, id: u64) {
        self.writer.delete_term(Term::from_field_u64(self.fields.id, id));
    }

    /// Commits everything written so far, recording the change-log position it reaches and
    /// what identifies the change there (`None` at seq 0).
    pub fn commit(&mut self, seq: i64, change: Option<&str>) -> Result<(), IndexError> {
        let mut prepared = self.writer.prepare_commit()?;
        let payload = CommitPayload { seq, schema: SCHEMA_VERSION, change: change.map(str::to_string) };
        prepared.set_payload(&serde_json::to_string(&payload)?);
        prepared.commit()?;
        Ok(())
    }

    /// Waits for the merges under way (the last commit's, or [`EventWriter::merge_segments`])
    /// and closes the writer.
    pub fn wait_for_merges(self) -> Result<(), IndexError> {
        self.writer.wait_merging_threads()?;
        Ok(())
    }

    /// The end of a bulk load (an import, a rebuild): commits like [`EventWriter::commit`],
    /// then, when the load left more segments than there are search threads, merges them into
    /// one, as Elasticsearch users force-merge after a bulk load. Each segment costs every
    /// search its own term lookups and typo expansions, while up to one segment per thread
    /// costs nothing (a large segment is searched in ranges, one per thread). The merges the
    /// load's commits started run to their end first, and the last commit starts none, so no
    /// document is merged twice at the end. Closes the writer; returns how many segments were
    /// merged (0 for none).
    pub fn commit_merged(mut self, seq: i64, change: Option<&str>) -> Result<usize, IndexError> {
        self.keep_segments();
        self.commit(seq, change)?;
        let index = self.writer.index().clone();
        self.writer.wait_merging_threads()?;
        let segments = index.searchable_segment_ids()?;
        if segments.len() <= crate::parallel::search_threads(&index) {
            return Ok(0);
        }
        // Merging needs no indexing memory: the smallest writer tantivy allows.
        let mut writer: IndexWriter = index.writer_with_num_threads(1, MERGE_WRITER_BYTES)?;
        writer.merge(&segments).wait()?;
        writer.wait_merging_threads()?;
        Ok(segments.len())
    }

    /// Merges every segment into one and waits for it.
    pub fn merge_segments(&mut self) -> Result<(), IndexError> {
        let segments = self.writer.index().searchable_segment_ids()?;
        if segments.len() > 1 {
            self.writer.merge(&segments).wait()?;
        }
        Ok(())
    }

    /// Starts merging every segment into one when the index has more than `max`, as an index
    /// written before imports merged at their end does; the returned wait blocks until the
    /// merge ends (searches go on meanwhile, and see the merged segment after a reload).
    pub fn merge_when_more_than(&mut self, max: usize) -> Result<Option<MergeWait>, IndexError> {
        let segments = self.writer.index().searchable_segment_ids()?;
        if segments.len() <= max {
            return Ok(None);
        }
        let merge = self.writer.merge(&segments);
        Ok(Some(MergeWait { segments: segments.len(), wait: Box::new(move || merge.wait().map(|_| ())) }))
    }

    /// Keeps every committed segment as it is, unmerged (to reproduce indexes written before
    /// imports merged at their end).
    pub fn keep_segments(&mut self) {
        self.writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
    }

    /// Drops every document (before a rebuild into the same index).
    pub fn clear(&mut self) -> Result<(), IndexError> {
        self.writer.delete_all_documents()?;
        Ok(())
    }
}
