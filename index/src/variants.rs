//! Typo and prefix matches of a query word in one field, without the word's own forms. The
//! exact postings already match every term sharing the word's stem, so only true variants
//! count ("order" or "boarder" for `border`, not "borders"): a broad word does not walk its
//! matches a second time per field, and an exact match does not also score as its own typo.
//! One walk of each field's terms serves the typo and the prefix automata, which are built
//! once per query word and shared by every field ([`crate::word`] gathers the fields).

use std::collections::HashSet;
use std::sync::Arc;

use tantivy::query::{DfaWrapper, FuzzyTermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, SegmentReader, Term};

use crate::analyzer::stem_of;

/// What a query word's variants are: its automata (typo, prefix) and its stem.
pub struct Variants {
    automata: Vec<DfaWrapper>,
    stem: String,
}

impl std::fmt::Debug for Variants {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Variants").field("automata", &self.automata.len()).field("stem", &self.stem).finish()
    }
}

impl Variants {
    /// The variants of `folded` (lowercased and folded) within `distance` edits and, when
    /// `prefix`, the words it begins; `None` when there are none to look for.
    pub fn new(field: Field, folded: &str, stem: &str, distance: u8, prefix: bool) -> Option<Arc<Self>> {
        let term = Term::from_field_text(field, folded);
        let mut automata = Vec::new();
        if distance > 0 {
            automata.push(FuzzyTermQuery::new(term.clone(), distance, true).automaton().ok()?);
        }
        if prefix {
            automata.push(FuzzyTermQuery::new_prefix(term, 0, true).automaton().ok()?);
        }
        (!automata.is_empty()).then(|| Arc::new(Variants { automata, stem: stem.to_string() }))
    }

    /// Calls `found` with every document of the segment holding a variant of the word in
    /// `field` (a folded field), in no particular order and possibly more than once.
    pub fn for_each_doc(
        &self,
        reader: &SegmentReader,
        field: Field,
        mut found: impl FnMut(DocId),
    ) -> tantivy::Result<()> {
        let inverted = reader.inverted_index(field)?;
        let terms = inverted.terms();
        let mut seen = HashSet::new();
        for automaton in &self.automata {
            let mut stream = terms.search(automaton).into_stream()?;
            while stream.advance() {
                if !seen.insert(stream.term_ord()) {
                    continue;
                }
                // Terms with the word's stem are the exact clause's matches.
                let Ok(word) = std::str::from_utf8(stream.key()) else { continue };
                if stem_of(word) == self.stem {
                    continue;
                }
                let mut postings =
                    inverted.read_block_postings_from_terminfo(stream.value(), IndexRecordOption::Basic)?;
                while !postings.docs().is_empty() {
                    postings.docs().iter().for_each(|&doc| found(doc));
                    postings.advance();
                }
            }
        }
        Ok(())
    }
}
