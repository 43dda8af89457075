//! The one writer of an index: documents in and out, commits that record the change-log
//! position they reach, and merges.

use tantivy::{IndexWriter, Term};

use crate::document::EventDocument;
use crate::schema::{Fields, SCHEMA_VERSION};
use crate::search::{CommitPayload, IndexError};

/// The writer that merges at the end of a bulk load: tantivy's smallest, since merging does
/// not index.
pub(crate) const MERGE_WRITER_BYTES: usize = 15_000_000;

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
    /// one segment per search thread, as Elasticsearch users force-merge after a bulk load.
    /// Each segment costs every search its own term lookups and typo expansions, while up to
    /// one segment per thread costs nothing: searches take a segment per thread, or a large
    /// segment in ranges, one per thread. The groups hold about as many events each and merge
    /// at the same time, one per core, where one merge into a single segment kept one core busy
    /// and left the other idle at the end of every import (6 segments of a 300k import: 8.6 s).
    /// The merges the load's commits started run to their end first, and the last commit
    /// starts none, so no document is merged twice at the end. Closes the writer; returns how
    /// many segments were merged (0 for none).
    pub fn commit_merged(mut self, seq: i64, change: Option<&str>) -> Result<usize, IndexError> {
        self.keep_segments();
        self.commit(seq, change)?;
        let index = self.writer.index().clone();
        self.writer.wait_merging_threads()?;
        let segments = index.searchable_segment_metas()?;
        let threads = crate::parallel::search_threads(&index);
        if segments.len() <= threads {
            return Ok(0);
        }
        let groups: Vec<Vec<tantivy::index::SegmentId>> =
            balanced_groups(segments.iter().map(|meta| (meta.id(), meta.num_docs())).collect(), threads)
                .into_iter()
                .filter(|group| group.len() > 1)
                .collect();
        // Merging needs no indexing memory: the smallest writer tantivy allows. Its merges run
        // on tantivy's pool of merge threads, so the groups merge side by side.
        let mut writer: IndexWriter = index.writer_with_num_threads(1, MERGE_WRITER_BYTES)?;
        let merges: Vec<_> = groups.iter().map(|group| writer.merge(group)).collect();
        for merge in merges {
            merge.wait()?;
        }
        writer.wait_merging_threads()?;
        Ok(groups.iter().map(Vec::len).sum())
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

/// Splits segments (an id and its documents) into at most `groups` groups of about as many
/// documents each: the largest segment first, each into the group that holds the fewest so far.
fn balanced_groups<T>(mut segments: Vec<(T, u32)>, groups: usize) -> Vec<Vec<T>> {
    segments.sort_by_key(|(_, docs)| std::cmp::Reverse(*docs));
    let mut filled: Vec<(u64, Vec<T>)> = (0..groups.max(1)).map(|_| (0, Vec::new())).collect();
    for (segment, docs) in segments {
        let lightest = filled.iter_mut().min_by_key(|(total, _)| *total).expect("at least one group");
        lightest.0 += u64::from(docs);
        lightest.1.push(segment);
    }
    filled.into_iter().map(|(_, group)| group).filter(|group| !group.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::balanced_groups;

    #[test]
    fn segments_split_into_groups_of_about_as_many_documents() {
        let segments = vec![("a", 100), ("b", 90), ("c", 60), ("d", 50), ("e", 40), ("f", 10)];
        let groups = balanced_groups(segments, 2);
        assert_eq!(groups, vec![vec!["a", "d", "e"], vec!["b", "c", "f"]]);
        // Never more groups than segments, and never an empty one.
        assert_eq!(balanced_groups(vec![("a", 5)], 2), vec![vec!["a"]]);
        assert_eq!(balanced_groups(vec![("a", 5), ("b", 7)], 1), vec![vec!["b", "a"]]);
    }
}
