//! A phrase in every searched field as one scorer, read a window of 4,096 events at a time:
//! for each field, each term's documents in the window are taken from its blocks of documents
//! and frequencies, intersected, and then the positions of the events holding every term are
//! read, in one run for the whole window where most of a term's events are wanted (the
//! positions of consecutive events follow each other), else event by event. tantivy's phrase
//! scorer (one per field, in a union) summed the frequencies of the block's earlier documents
//! again for every event and term, a quarter of a phrase search's instructions at a million
//! events; reading positions event by event was still 60% of a phrase search. Every block of a
//! term is decoded, since the skip lists that hold the positions' offsets are private to
//! tantivy; the phrase count and its BM25 score are tantivy's.

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
        let terms = (0..self.fields[0].0.len()).map(|_| TermWindow::default()).collect();
        let mut scorer = PhraseScorer { fields, window: Window::new(), terms, common: Vec::new(), matched: Vec::new() };
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
        Ok(TermPositions { block, cursor: 0, base: 0, positions })
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
                Some(&last) if last < target => self.next_block(),
                Some(_) => break,
                None => return,
            }
        }
        let docs = self.block.docs();
        while docs[self.cursor] < target {
            self.cursor += 1;
        }
    }

    fn next_block(&mut self) {
        self.base += u64::from(self.block.freqs().iter().sum::<u32>());
        self.block.advance();
        self.cursor = 0;
    }

    /// Takes the documents before `horizon`, from the current one on, into `window`: their
    /// ids, where their positions end, and where the first one's start. Consecutive
    /// documents' positions follow each other, so the window's are one run.
    fn take_before(&mut self, horizon: DocId, window: &mut TermWindow) {
        window.docs.clear();
        window.ends.clear();
        window.offset = self.base + self.block.freqs()[..self.cursor].iter().map(|&freq| u64::from(freq)).sum::<u64>();
        let mut end = 0;
        loop {
            let (docs, freqs) = (self.block.docs(), self.block.freqs());
            if docs.is_empty() {
                return;
            }
            while let Some(&doc) = docs.get(self.cursor).filter(|&&doc| doc < horizon) {
                end += freqs[self.cursor];
                window.docs.push(doc);
                window.ends.push(end);
                self.cursor += 1;
            }
            if self.cursor < docs.len() {
                return;
            }
            self.next_block();
        }
    }

    /// Reads the positions of the window's documents every term has (`window.at`) into
    /// `window.positions`, with where each one's are. All of them in one read when the
    /// documents wanted are a good part of the window's; else each one's, so that blocks of
    /// positions no wanted document has are skipped without being decoded.
    fn read_window(&mut self, window: &mut TermWindow) {
        let TermWindow { docs, ends, offset, at, positions, spans } = window;
        positions.clear();
        spans.clear();
        let start_of = |place: usize| if place == 0 { 0 } else { ends[place - 1] };
        if at.len() * 4 >= docs.len() {
            positions.resize(ends.last().copied().unwrap_or(0) as usize, 0);
            self.positions.read(*offset, positions);
            spans.extend(at.iter().map(|&place| (start_of(place as usize), ends[place as usize])));
        } else {
            for &place in at.iter() {
                let (start, end) = (start_of(place as usize), ends[place as usize]);
                let from = positions.len() as u32;
                positions.resize((from + end - start) as usize, 0);
                self.positions.read(*offset + u64::from(start), &mut positions[from as usize..]);
                spans.push((from, from + end - start));
            }
        }
    }
}

/// A term's documents in the window being filled and the positions read for them.
#[derive(Default)]
struct TermWindow {
    docs: Vec<DocId>,
    /// Where each document's positions end, counted from the window's first one's.
    ends: Vec<u32>,
    /// Where the window's first document's positions start among the term's.
    offset: u64,
    /// The places in `docs` of the documents every term has.
    at: Vec<u32>,
    /// Positions read: within a document, each a delta from the one before.
    positions: Vec<u32>,
    /// Where in `positions` each document every term has keeps its own.
    spans: Vec<(u32, u32)>,
}

impl TermWindow {
    /// The positions read for the `index`th document every term has.
    fn span(&self, index: usize) -> &[u32] {
        let (start, end) = self.spans[index];
        &self.positions[start as usize..end as usize]
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
    /// Each term's part of the window being filled.
    terms: Vec<TermWindow>,
    /// The documents of the window every term has, then the first term's positions that
    /// every later term follows.
    common: Vec<DocId>,
    matched: Vec<u32>,
}

impl PhraseScorer {
    /// Fills the (empty) window of the 4,096 documents from `start`, a multiple of 64 not
    /// before the last window's end: for each field, the documents every term has, and then
    /// their positions, read for the whole window at once where most of a term's documents
    /// are wanted.
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
            intersect(&mut self.terms[..field.terms.len()], &mut self.common);
            if self.common.is_empty() {
                continue;
            }
            for (term, window) in field.terms.iter_mut().zip(&mut self.terms) {
                term.read_window(window);
            }
            for (index, &doc) in self.common.iter().enumerate() {
                let count = phrase_count(&mut self.terms[..field.terms.len()], index, &mut self.matched);
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

/// The documents every term's window has, into `common`, and each one's place in each term's
/// documents (`TermWindow::at`).
fn intersect(terms: &mut [TermWindow], common: &mut Vec<DocId>) {
    common.clear();
    common.extend_from_slice(&terms[0].docs);
    terms[0].at.clear();
    terms[0].at.extend(0..common.len() as u32);
    for index in 1..terms.len() {
        let (before, after) = terms.split_at_mut(index);
        let term = &mut after[0];
        term.at.clear();
        let (mut kept, mut place) = (0, 0);
        for candidate in 0..common.len() {
            let doc = common[candidate];
            while place < term.docs.len() && term.docs[place] < doc {
                place += 1;
            }
            if place == term.docs.len() {
                break;
            }
            if term.docs[place] == doc {
                common[kept] = doc;
                for earlier in before.iter_mut() {
                    earlier.at[kept] = earlier.at[candidate];
                }
                term.at.push(place as u32);
                kept += 1;
            }
        }
        common.truncate(kept);
        for earlier in before.iter_mut() {
            earlier.at.truncate(kept);
        }
    }
}

/// How many times the phrase occurs in the window's `index`th document every term has: the
/// first term's positions that each later term follows in turn.
fn phrase_count(terms: &mut [TermWindow], index: usize, matched: &mut Vec<u32>) -> u32 {
    if let [first, second] = terms {
        return pair_count(first.span(index), second.span(index));
    }
    for (place, term) in terms.iter_mut().enumerate() {
        let (start, end) = term.spans[index];
        let positions = &mut term.positions[start as usize..end as usize];
        // Stored as deltas from the position before, within the document.
        let mut position = 0;
        for delta in positions.iter_mut() {
            position += *delta;
            *delta = position;
        }
        if place == 0 {
            matched.clear();
            matched.extend_from_slice(positions);
            continue;
        }
        // Keep the first term's positions `p` where this term is at `p + place`.
        let (mut kept, mut right) = (0, 0);
        for left in 0..matched.len() {
            let wanted = matched[left] + place as u32;
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

/// How many times a position of `second` follows one of `first`, both given as deltas from
/// the position before: the count of a phrase of two words, read without a copy.
fn pair_count(first: &[u32], second: &[u32]) -> u32 {
    let (Some(&first_at), Some(&second_at)) = (first.first(), second.first()) else {
        return 0;
    };
    let (mut left, mut right, mut count) = ((1, first_at), (1, second_at), 0);
    loop {
        if right.1 <= left.1 {
            // Not after this position of the first word: the next one of the second.
            let Some(&delta) = second.get(right.0) else { return count };
            right = (right.0 + 1, right.1 + delta);
        } else {
            count += u32::from(right.1 == left.1 + 1);
            let Some(&delta) = first.get(left.0) else { return count };
            left = (left.0 + 1, left.1 + delta);
        }
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

#[cfg(test)]
#[path = "phrase_tests.rs"]
mod tests;
