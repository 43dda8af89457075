//! A phrase in every searched field as one scorer, read a window of 4,096 events at a time:
//! each field's terms leapfrog through their blocks of documents and frequencies, and the
//! positions of the events holding every term are read from where the block's prefix sums of
//! frequencies put them. tantivy's phrase scorer (one per field, in a union) summed the
//! frequencies of the block's earlier documents again for every event and term, a quarter of a
//! phrase search's instructions at a million events. Every block of a term is decoded, since
//! the skip lists that hold the positions' offsets are private to tantivy; the phrase count and
//! its BM25 score are tantivy's.

use std::path::PathBuf;

use tantivy::directory::{CompositeFile, FileSlice};
use tantivy::fieldnorm::FieldNormReader;
use tantivy::index::SegmentComponent;
use tantivy::positions::PositionReader;
use tantivy::postings::BlockSegmentPostings;
use tantivy::query::{Bm25Weight, EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Directory, DocId, DocSet, Score, SegmentReader, TantivyError, Term, TERMINATED};

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
        let mut scorer = PhraseScorer { fields, window: Window::new(), buffers: Buffers::default() };
        scorer.advance();
        Ok(Box::new(scorer))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        explain_by_seeking(self, reader, doc, "the phrase in any field", "the phrase")
    }
}

/// A term's documents, frequencies and positions in one field, walked forward a block at a time.
struct TermPositions {
    block: BlockSegmentPostings,
    /// The current document's place in the block.
    cursor: usize,
    /// Where the block's first document's positions start among the term's positions.
    base: u64,
    /// Where each document's positions of the block start, once one of them is read.
    starts: Vec<u64>,
    positions: PositionReader,
}

impl TermPositions {
    fn open(
        inverted: &tantivy::InvertedIndexReader,
        file: &FileSlice,
        info: &tantivy::postings::TermInfo,
    ) -> tantivy::Result<Self> {
        let block = inverted.read_block_postings_from_terminfo(info, IndexRecordOption::WithFreqs)?;
        let positions = PositionReader::open(file.read_bytes_slice(info.positions_range.clone())?)?;
        Ok(TermPositions { block, cursor: 0, base: 0, starts: Vec::with_capacity(129), positions })
    }

    /// The current document, `TERMINATED` past the last.
    fn doc(&self) -> DocId {
        self.block.docs().get(self.cursor).copied().unwrap_or(TERMINATED)
    }

    /// Moves to the first document at or after `target`: whole blocks before it only add up
    /// their frequencies.
    fn skip_to(&mut self, target: DocId) {
        loop {
            match self.block.docs().last() {
                Some(&last) if last < target => {
                    self.base += u64::from(self.block.freqs().iter().sum::<u32>());
                    self.block.advance();
                    self.cursor = 0;
                    self.starts.clear();
                }
                Some(_) => break,
                None => return,
            }
        }
        let docs = self.block.docs();
        while docs[self.cursor] < target {
            self.cursor += 1;
        }
    }

    /// The current document's positions, in order.
    fn read_positions(&mut self, output: &mut Vec<u32>) {
        let freqs = self.block.freqs();
        if self.starts.is_empty() {
            let mut start = self.base;
            self.starts.extend(freqs.iter().map(|&freq| {
                let this = start;
                start += u64::from(freq);
                this
            }));
        }
        output.clear();
        output.resize(freqs[self.cursor] as usize, 0);
        self.positions.read(self.starts[self.cursor], output);
        // Stored as deltas from the position before, within the document.
        let mut position = 0;
        for delta in output.iter_mut() {
            position += *delta;
            *delta = position;
        }
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

/// The positions read for the event being checked: the first term's that every term so far
/// follows, and the next term's.
#[derive(Default)]
struct Buffers {
    matched: Vec<u32>,
    positions: Vec<u32>,
}

/// The scorer of a phrase in one segment (see the module's comment).
pub(crate) struct PhraseScorer {
    fields: Vec<FieldPhrase>,
    window: Window,
    buffers: Buffers,
}

impl PhraseScorer {
    /// Fills the (empty) window of the 4,096 documents from `start`, a multiple of 64 not
    /// before the last window's end.
    fn fill_at(&mut self, start: DocId) {
        self.window.reset(start);
        let horizon = self.window.horizon();
        for field in &mut self.fields {
            let mut doc = start;
            // The terms leapfrog to an event holding them all, where the phrase is looked for.
            'events: loop {
                for term in &mut field.terms {
                    term.skip_to(doc);
                    if term.doc() > doc {
                        doc = term.doc();
                        if doc >= horizon {
                            break 'events;
                        }
                        continue 'events;
                    }
                }
                let count = phrase_count(&mut field.terms, &mut self.buffers);
                if count > 0 {
                    let delta = (doc - start) as usize & (HORIZON as usize - 1);
                    self.window.bits[delta / 64] |= 1 << (delta % 64);
                    if let Some(bm25) = &field.bm25 {
                        self.window.scores[delta] += bm25.score(field.norms.fieldnorm_id(doc), count);
                    }
                }
                doc += 1;
                if doc >= horizon {
                    break;
                }
            }
            // Every term past the window, for the next one.
            for term in &mut field.terms {
                term.skip_to(horizon);
            }
        }
        self.fields.retain(|field| field.candidate() != TERMINATED);
    }

    /// The first event not in a window yet that may hold the phrase.
    fn next_match(&self) -> DocId {
        self.fields.iter().map(FieldPhrase::candidate).min().unwrap_or(TERMINATED)
    }
}

/// How many times the phrase occurs in the event every term is on: the first term's positions
/// that each later term follows in turn.
fn phrase_count(terms: &mut [TermPositions], buffers: &mut Buffers) -> u32 {
    let Buffers { matched, positions } = buffers;
    for (index, term) in terms.iter_mut().enumerate() {
        let target = if index == 0 { &mut *matched } else { &mut *positions };
        term.read_positions(target);
        if index == 0 {
            continue;
        }
        // Keep the first term's positions `p` where this term is at `p + index`.
        let (mut kept, mut right) = (0, 0);
        for left in 0..matched.len() {
            let wanted = matched[left] + index as u32;
            while right < positions.len() && positions[right] < wanted {
                right += 1;
            }
            if right == positions.len() {
                break;
            }
            if positions[right] == wanted {
                matched[kept] = matched[left];
                kept += 1;
            }
        }
        matched.truncate(kept);
        if matched.is_empty() {
            return 0;
        }
    }
    matched.len() as u32
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

#[cfg(test)]
#[path = "phrase_tests.rs"]
mod tests;
