//! Typo and prefix matches of a query word in one field, without the word's own forms. The
//! exact clause already matches every term sharing the word's stem, so this clause keeps only
//! true variants ("order" or "boarder" for `border`, not "borders"): a broad word no longer
//! fills a second set of its matches for every field, and an exact match no longer also
//! scores as its own typo. One walk of each field's terms serves the typo and the prefix
//! automata, which are built once per query word and shared by every field.

use std::collections::HashSet;
use std::sync::Arc;

use tantivy::query::{
    BitSetDocSet, ConstScorer, DfaWrapper, EmptyScorer, EnableScoring, Explanation, FuzzyTermQuery, Query, Scorer,
    Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{BitSet, DocId, DocSet, Score, SegmentReader, TantivyError, Term};

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
}

/// The variants of a word in one (folded) field, every match scoring the same.
#[derive(Debug, Clone)]
pub struct VariantQuery {
    pub field: Field,
    pub variants: Arc<Variants>,
}

impl Query for VariantQuery {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for VariantQuery {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let inverted = reader.inverted_index(self.field)?;
        let terms = inverted.terms();
        let mut seen = HashSet::new();
        let mut matches: Option<BitSet> = None;
        for automaton in &self.variants.automata {
            let mut stream = terms.search(automaton).into_stream()?;
            while stream.advance() {
                if !seen.insert(stream.term_ord()) {
                    continue;
                }
                // Terms with the word's stem are the exact clause's matches.
                let Ok(word) = std::str::from_utf8(stream.key()) else { continue };
                if stem_of(word) == self.variants.stem {
                    continue;
                }
                let docs = matches.get_or_insert_with(|| BitSet::with_max_value(reader.max_doc()));
                let mut postings =
                    inverted.read_block_postings_from_terminfo(stream.value(), IndexRecordOption::Basic)?;
                while !postings.docs().is_empty() {
                    for &doc in postings.docs() {
                        docs.insert(doc);
                    }
                    postings.advance();
                }
            }
        }
        Ok(match matches {
            Some(docs) => Box::new(ConstScorer::new(BitSetDocSet::from(docs), boost)),
            None => Box::new(EmptyScorer),
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) == doc {
            Ok(Explanation::new("a typo or prefix variant of the word", scorer.score()))
        } else {
            Err(TantivyError::InvalidArgument(format!("document {doc} has no variant of the word")))
        }
    }
}
