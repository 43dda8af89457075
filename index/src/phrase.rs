//! A phrase in every searched field as one scorer, read a window of 4,096 events at a time:
//! for each field, each term's documents in the window are taken from its blocks of documents
//! and frequencies, intersected, and then the positions of the events holding every term are
//! read, in one run for the whole window where a quarter or more of a term's events in it are
//! wanted (the positions of consecutive events follow each other), else event by event.
//! tantivy's phrase scorer (one per field, in a union) summed the frequencies of the block's
//! earlier documents again for every event and term, a quarter of a phrase search's
//! instructions at a million events; reading positions event by event was still 60% of a
//! phrase search. Every block of a term is decoded, since the skip lists that hold the
//! positions' offsets are private to tantivy; the phrase count and its BM25 score are
//! tantivy's.

use std::path::PathBuf;

use tantivy::directory::CompositeFile;
use tantivy::fieldnorm::FieldNormReader;
use tantivy::index::SegmentComponent;
use tantivy::query::{Bm25Weight, EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::Field;
use tantivy::{Directory, DocId, DocSet, Score, SegmentReader, TantivyError, Term, TERMINATED};

use self::positions::{intersect, phrase_count, TermPositions, TermWindow};
use crate::word::{explain_by_seeking, windowed_scorer, Window, Windowed, HORIZON};

/// Two or more stems in a row in any of `fields` (stemmed fields, with their boosts).
#[derive(Debug, Clone)]
pub struct PhraseQuery {
    pub fields: Vec<(Field, Score)>,
    pub stems: Vec<String>,
}

impl Query for PhraseQuery {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        assert!(self.stems.len() > 1, "a phrase has two words or more");
        let fields = self
            .fields
            .iter()
            .map(|&(field, boost)| {
                let terms: Vec<Term> = self.stems.iter().map(|stem| Term::from_field_text(field, stem)).collect();
                let bm25 = match scoring {
                    EnableScoring::Enabled { statistics_provider, .. } => {
                        Some(Bm25Weight::for_terms(statistics_provider, &terms)?.boost_by(boost))
                    }
                    EnableScoring::Disabled { .. } => None,
                };
                Ok((terms, bm25))
            })
            .collect::<tantivy::Result<_>>()?;
        Ok(Box::new(PhraseWeight { fields }))
    }
}

struct PhraseWeight {
    fields: Vec<(Vec<Term>, Option<Bm25Weight>)>,
}

/// The segment's positions file, one part per field, named as `Segment::relative_path` names
/// it (tantivy keeps its segment reader's own handle private).
fn positions_file(reader: &SegmentReader) -> tantivy::Result<CompositeFile> {
    let path = PathBuf::from(format!("{}.{}", reader.segment_id().uuid_string(), SegmentComponent::Positions));
    let file = reader.index().directory().open_read(&path)?;
    Ok(CompositeFile::open(&file)?)
}

impl Weight for PhraseWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        // Opened once a field holds every term: a segment may have no positions at all.
        let mut positions: Option<CompositeFile> = None;
        let mut fields = Vec::new();
        for (terms, bm25) in &self.fields {
            let field = terms[0].field();
            let inverted = reader.inverted_index(field)?;
            let mut infos = Vec::with_capacity(terms.len());
            for term in terms {
                match inverted.get_term_info(term)? {
                    Some(info) => infos.push(info),
                    None => break,
                }
            }
            if infos.len() < terms.len() {
                continue;
            }
            let positions = match &mut positions {
                Some(positions) => positions,
                None => positions.insert(positions_file(reader)?),
            };
            let file = positions
                .open_read(field)
                .ok_or_else(|| TantivyError::SchemaError(format!("field {field:?} has no positions for phrases")))?;
            let postings =
                infos.iter().map(|info| TermPositions::open(&inverted, &file, info)).collect::<tantivy::Result<_>>()?;
            let norms = match bm25 {
                Some(_) => reader.fieldnorms_readers().get_field(field)?,
                None => None,
            };
            let norms = norms.unwrap_or_else(|| FieldNormReader::constant(reader.max_doc(), 1));
            fields.push(FieldPhrase { terms: postings, norms, bm25: bm25.as_ref().map(|bm25| bm25.boost_by(boost)) });
        }
        if fields.is_empty() {
            return Ok(Box::new(EmptyScorer));
        }
        let terms = (0..self.fields[0].0.len()).map(|_| TermWindow::default()).collect();
        let mut scorer = PhraseScorer { fields, window: Window::new(), terms, common: Vec::new(), matched: Vec::new() };
        scorer.advance();
        Ok(Box::new(scorer))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        explain_by_seeking(self, reader, doc, "the phrase in any field", "the phrase")
    }
}

/// The phrase in one field: its terms in order, the field's norms and BM25 weight.
struct FieldPhrase {
    terms: Vec<TermPositions>,
    norms: FieldNormReader,
    bm25: Option<Bm25Weight>,
}

impl FieldPhrase {
    /// The first document at or after every term's current one: no earlier one has them all.
    fn candidate(&self) -> DocId {
        self.terms.iter().map(TermPositions::doc).max().unwrap_or(TERMINATED)
    }
}

/// The scorer of a phrase in one segment (see the module's comment).
pub(crate) struct PhraseScorer {
    fields: Vec<FieldPhrase>,
    window: Window,
    /// Each term's part of the window being filled (every field has the phrase's terms).
    terms: Vec<TermWindow>,
    /// The documents of the window every term has.
    common: Vec<DocId>,
    /// The first term's positions that every later term follows (phrases of three words or more).
    matched: Vec<u32>,
}

impl PhraseScorer {
    /// Fills the (empty) window of the 4,096 documents from `start`, a multiple of 64 not
    /// before the last window's end: for each field, the documents every term has, and then
    /// their positions, read for the whole window at once where a quarter or more of a term's
    /// documents in it are wanted.
    fn fill_at(&mut self, start: DocId) {
        self.window.reset(start);
        let horizon = self.window.horizon();
        for field in &mut self.fields {
            for term in &mut field.terms {
                term.skip_to(start);
            }
            // No term may be past the window: else nothing in it has them all.
            if field.candidate() >= horizon {
                continue;
            }
            for (term, window) in field.terms.iter_mut().zip(&mut self.terms) {
                term.take_before(horizon, window);
            }
            intersect(&mut self.terms, &mut self.common);
            if self.common.is_empty() {
                continue;
            }
            for (term, window) in field.terms.iter_mut().zip(&mut self.terms) {
                term.read_window(window);
            }
            for (index, &doc) in self.common.iter().enumerate() {
                let count = phrase_count(&mut self.terms, index, &mut self.matched);
                if count > 0 {
                    let delta = (doc - start) as usize & (HORIZON as usize - 1);
                    self.window.bits[delta / 64] |= 1 << (delta % 64);
                    if let Some(bm25) = &field.bm25 {
                        self.window.scores[delta] += bm25.score(field.norms.fieldnorm_id(doc), count);
                    }
                }
            }
        }
        self.fields.retain(|field| field.candidate() != TERMINATED);
    }

    /// The first event not in a window yet that may hold the phrase.
    fn next_match(&self) -> DocId {
        self.fields.iter().map(FieldPhrase::candidate).min().unwrap_or(TERMINATED)
    }
}

impl Windowed for PhraseScorer {
    fn window(&mut self) -> &mut Window {
        &mut self.window
    }

    /// From the lowest event that may hold the phrase, until a window holds one.
    fn refill(&mut self) -> bool {
        loop {
            let lowest = self.next_match();
            if lowest == TERMINATED {
                return false;
            }
            self.fill_at(lowest & !63);
            if self.window.bits.iter().any(|&bits| bits != 0) {
                return true;
            }
        }
    }

    fn skip_to(&mut self, target: DocId) {
        for field in &mut self.fields {
            for term in &mut field.terms {
                term.skip_to(target);
            }
        }
        self.fields.retain(|field| field.candidate() != TERMINATED);
    }
}

impl PhraseScorer {
    fn hint(&self) -> u32 {
        let rarest = |field: &FieldPhrase| field.terms.iter().map(|term| term.block.doc_freq()).min().unwrap_or(0);
        self.fields.iter().map(rarest).sum()
    }
}

windowed_scorer!(PhraseScorer);

#[path = "phrase_positions.rs"]
mod positions;

#[cfg(test)]
#[path = "phrase_tests.rs"]
mod tests;
