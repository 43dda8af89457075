//! One query word in every searched field as a single scorer: each field's exact (stemmed)
//! postings scored with BM25 and the field's weight, plus the typo and prefix variants of all
//! fields at once. As a tantivy union of fourteen boxed scorers per word, every match paid
//! virtual calls to `doc`, `score` and `advance` per field, and a variant matched in several
//! fields was walked once per field; here a window of 4,096 documents is filled by direct
//! loops over each field's postings, and the variants' postings join it the same way
//! ([`crate::variants::VariantPostings`]), a variant's score coming from the set of fields it
//! matched in.

use std::sync::Arc;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::{Postings, SegmentPostings};
use tantivy::query::{Bm25Weight, EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, Score, SegmentReader, TantivyError, Term, TERMINATED};

use crate::variants::{VariantPostings, Variants};

/// Documents per window (a multiple of 64).
pub(crate) const HORIZON: u32 = 4_096;
/// 64-bit words per window.
pub(crate) const WORDS: usize = HORIZON as usize / 64;

/// A window of 4,096 documents from `start` (a multiple of 64): a bit per document found and
/// a score summed per document, zero wherever the bit is unset. Documents come out in order;
/// the last one taken out is its scorer's current document.
pub(crate) struct Window {
    pub(crate) bits: Box<[u64; WORDS]>,
    pub(crate) scores: Box<[Score; HORIZON as usize]>,
    start: DocId,
    /// The word documents come out of next; `WORDS` once the window is spent.
    word: usize,
    /// The scorer's current document (`TERMINATED` once no match is left) and its score.
    pub(crate) doc: DocId,
    pub(crate) score: Score,
}

impl Window {
    pub(crate) fn new() -> Self {
        let (bits, scores) = (Box::new([0; WORDS]), Box::new([0.0; HORIZON as usize]));
        Window { bits, scores, start: 0, word: WORDS, doc: 0, score: 0.0 }
    }

    /// Starts an empty window at `start`.
    pub(crate) fn reset(&mut self, start: DocId) {
        self.start = start;
        self.word = 0;
    }

    /// The first document after the window.
    pub(crate) fn horizon(&self) -> DocId {
        self.start.saturating_add(HORIZON)
    }

    /// Takes the next document found out of the window and makes it the current one.
    pub(crate) fn pop(&mut self) -> Option<DocId> {
        while self.word < WORDS {
            let bits = self.bits[self.word];
            if bits != 0 {
                self.bits[self.word] = bits & (bits - 1);
                let delta = self.word * 64 + bits.trailing_zeros() as usize;
                (self.doc, self.score) = (self.start + delta as DocId, std::mem::take(&mut self.scores[delta]));
                return Some(self.doc);
            }
            self.word += 1;
        }
        None
    }

    /// No match is left: the current document is `TERMINATED`.
    pub(crate) fn terminate(&mut self) {
        (self.doc, self.score) = (TERMINATED, 0.0);
    }

    /// Takes out the documents before `end` in order, calling `found` with each and its score;
    /// false when the window may hold documents at or after `end`.
    #[inline]
    pub(crate) fn drain_before(&mut self, end: DocId, found: &mut impl FnMut(DocId, Score)) -> bool {
        while self.word < WORDS {
            let base = self.start.saturating_add(self.word as DocId * 64);
            if base >= end {
                return false;
            }
            // The documents of this 64-bit word before `end`: all of them but in the last.
            let before = if end - base < 64 { (1_u64 << (end - base)) - 1 } else { u64::MAX };
            let mut bits = self.bits[self.word] & before;
            self.bits[self.word] &= !before;
            while bits != 0 {
                let delta = self.word * 64 + bits.trailing_zeros() as usize;
                found(self.start + delta as DocId, std::mem::take(&mut self.scores[delta]));
                bits &= bits - 1;
            }
            if before != u64::MAX {
                return false;
            }
            self.word += 1;
        }
        true
    }

    /// Drops what is left of the window before `target`; all of it when `target` is past it.
    pub(crate) fn drop_before(&mut self, target: DocId) {
        let until = (target.saturating_sub(self.start) / 64).min(WORDS as DocId) as usize;
        for word in self.word..until {
            let mut bits = std::mem::take(&mut self.bits[word]);
            while bits != 0 {
                self.scores[word * 64 + bits.trailing_zeros() as usize] = 0.0;
                bits &= bits - 1;
            }
        }
        self.word = self.word.max(until);
    }
}

/// A scorer whose matches come out of a [`Window`] it refills from its postings: the word,
/// all-words and phrase scorers, whose `DocSet` and `Scorer` come from [`windowed_scorer`].
pub(crate) trait Windowed {
    fn window(&mut self) -> &mut Window;
    /// Fills the next window; false when no match is left.
    fn refill(&mut self) -> bool;
    /// Skips the matches before `target` that are not in a window yet.
    fn skip_to(&mut self, target: DocId);
}

/// `DocSet` and `Scorer` for a [`Windowed`] scorer with a `window` field and a
/// `hint(&self) -> u32` method (its `size_hint`).
macro_rules! windowed_scorer {
    ($scorer:ty) => {
        impl tantivy::DocSet for $scorer {
            fn advance(&mut self) -> tantivy::DocId {
                $crate::word::advance_window(self)
            }

            fn seek(&mut self, target: tantivy::DocId) -> tantivy::DocId {
                $crate::word::seek_window(self, target)
            }

            fn doc(&self) -> tantivy::DocId {
                self.window.doc
            }

            fn size_hint(&self) -> u32 {
                self.hint()
            }
        }

        impl tantivy::query::Scorer for $scorer {
            fn score(&mut self) -> tantivy::Score {
                self.window.score
            }
        }
    };
}
pub(crate) use windowed_scorer;

/// [`Weight::explain`] for this crate's scorers: `doc`'s score, described as `matched`, when
/// the weight's scorer reaches it; an error saying `doc` does not have `what` otherwise.
pub(crate) fn explain_by_seeking(
    weight: &dyn Weight,
    reader: &SegmentReader,
    doc: DocId,
    matched: &'static str,
    what: &str,
) -> tantivy::Result<Explanation> {
    let mut scorer = weight.scorer(reader, 1.0)?;
    if scorer.seek(doc) == doc {
        Ok(Explanation::new(matched, scorer.score()))
    } else {
        Err(TantivyError::InvalidArgument(format!("document {doc} does not have {what}")))
    }
}

/// [`DocSet::advance`] of a [`Windowed`] scorer.
#[inline]
pub(crate) fn advance_window(scorer: &mut impl Windowed) -> DocId {
    loop {
        if let Some(doc) = scorer.window().pop() {
            return doc;
        }
        if !scorer.refill() {
            scorer.window().terminate();
            return TERMINATED;
        }
    }
}

/// Calls `found` with every match from the current document to before `end`, in order, a
/// window at a time instead of an `advance` per match; leaves the scorer on its first match at
/// or after `end`.
pub(crate) fn for_each_before(scorer: &mut impl Windowed, end: DocId, found: &mut impl FnMut(DocId, Score)) {
    let window = scorer.window();
    if window.doc >= end {
        return;
    }
    found(window.doc, window.score);
    loop {
        if !scorer.window().drain_before(end, found) {
            advance_window(scorer);
            return;
        }
        if !scorer.refill() {
            scorer.window().terminate();
            return;
        }
    }
}

/// [`DocSet::seek`] of a [`Windowed`] scorer: what is left of the window before `target` is
/// dropped, the postings skip past it when it is beyond the window, then the scorer advances.
pub(crate) fn seek_window(scorer: &mut impl Windowed, target: DocId) -> DocId {
    if scorer.window().doc >= target {
        return scorer.window().doc;
    }
    scorer.window().drop_before(target);
    if target >= scorer.window().horizon() {
        scorer.skip_to(target);
    }
    while scorer.window().doc < target {
        advance_window(scorer);
    }
    scorer.window().doc
}

/// A word in every field: `exact` terms (stemmed fields) with their boosts, and the word's
/// variants in `folded` fields with theirs (at most 8 fields).
#[derive(Debug, Clone)]
pub struct WordQuery {
    pub exact: Vec<(Term, Score)>,
    pub variants: Option<Arc<Variants>>,
    pub folded: Vec<(Field, Score)>,
}

impl WordQuery {
    /// The word's weight, its exact terms' BM25 statistics read from the searcher.
    pub(crate) fn word_weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<WordWeight> {
        let exact = self
            .exact
            .iter()
            .map(|(term, boost)| {
                let bm25 = match scoring {
                    EnableScoring::Enabled { statistics_provider, .. } => {
                        Bm25Weight::for_terms(statistics_provider, std::slice::from_ref(term))?.boost_by(*boost)
                    }
                    // Never asked for a score.
                    EnableScoring::Disabled { .. } => Bm25Weight::for_one_term(1, 1, 1.0),
                };
                Ok((term.clone(), bm25))
            })
            .collect::<tantivy::Result<_>>()?;
        let folded = if self.variants.is_some() { self.folded.clone() } else { Vec::new() };
        assert!(folded.len() <= 8, "a word's variants are counted in one byte of fields");
        Ok(WordWeight { exact, variants: self.variants.clone(), folded, scoring: scoring.is_scoring_enabled() })
    }
}

impl Query for WordQuery {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.word_weight(scoring)?))
    }
}

pub(crate) struct WordWeight {
    exact: Vec<(Term, Bm25Weight)>,
    variants: Option<Arc<Variants>>,
    folded: Vec<(Field, Score)>,
    scoring: bool,
}

impl WordWeight {
    /// The word's scorer in a segment, before its first window; `None` when nothing matches.
    pub(crate) fn word_scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Option<WordScorer>> {
        let mut exact = Vec::new();
        for (term, bm25) in &self.exact {
            let inverted = reader.inverted_index(term.field())?;
            let Some(info) = inverted.get_term_info(term)? else { continue };
            let record = if self.scoring { IndexRecordOption::WithFreqs } else { IndexRecordOption::Basic };
            let postings = inverted.read_postings_from_terminfo(&info, record)?;
            let norms = match self.scoring {
                true => reader.fieldnorms_readers().get_field(term.field())?,
                false => None,
            };
            let norms = norms.unwrap_or_else(|| FieldNormReader::constant(reader.max_doc(), 1));
            if postings.doc() != TERMINATED {
                exact.push(Exact { postings, norms, bm25: bm25.boost_by(boost) });
            }
        }
        let variant = match &self.variants {
            Some(variants) => VariantPostings::read(reader, variants, &self.folded, boost)?,
            None => None,
        };
        if exact.is_empty() && variant.is_none() {
            return Ok(None);
        }
        Ok(Some(WordScorer::unstarted(exact, variant, self.scoring)))
    }
}

impl Weight for WordWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(match self.word_scorer(reader, boost)? {
            Some(mut scorer) => {
                scorer.advance();
                Box::new(scorer)
            }
            None => Box::new(EmptyScorer),
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        explain_by_seeking(self, reader, doc, "the word in any field, exactly or as a variant", "the word")
    }
}

/// A field's exact postings and how they score.
struct Exact {
    postings: SegmentPostings,
    norms: FieldNormReader,
    bm25: Bm25Weight,
}

impl Exact {
    #[inline]
    fn score(&self) -> Score {
        self.bm25.score(self.norms.fieldnorm_id(self.postings.doc()), self.postings.term_freq())
    }
}

/// The scorer of a word in one segment (see the module's comment).
pub struct WordScorer {
    exact: Vec<Exact>,
    variant: Option<VariantPostings>,
    scoring: bool,
    /// The exact matches found and their summed scores, with the variants' bits.
    pub(crate) window: Window,
}

impl WordScorer {
    /// A scorer before its first window: `advance` starts it (and [`crate::words`] fills its
    /// windows itself).
    fn unstarted(exact: Vec<Exact>, variant: Option<VariantPostings>, scoring: bool) -> Self {
        WordScorer { exact, variant, scoring, window: Window::new() }
    }

    /// The first match not in a window yet, `TERMINATED` when there is none.
    pub(crate) fn next_match(&self) -> DocId {
        let next_variant = self.variant.as_ref().map_or(TERMINATED, VariantPostings::next_match);
        self.exact.iter().map(|exact| exact.postings.doc()).fold(next_variant, DocId::min)
    }

    /// Fills the (empty) window of the 4,096 documents from `start`, a multiple of 64 not
    /// before the last window's end; matches before `start` are skipped.
    pub(crate) fn fill_at(&mut self, start: DocId) {
        self.window.reset(start);
        let horizon = self.window.horizon();
        for exact in &mut self.exact {
            let mut doc = exact.postings.doc();
            if doc < start {
                doc = exact.postings.seek(start);
            }
            while doc < horizon {
                // Below `HORIZON`: the masks only spare the bounds checks.
                let delta = (doc - start) as usize & (HORIZON as usize - 1);
                self.window.bits[delta / 64] |= 1 << (delta % 64);
                if self.scoring {
                    self.window.scores[delta] += exact.score();
                }
                doc = exact.postings.advance();
            }
        }
        self.exact.retain(|exact| exact.postings.doc() != TERMINATED);
        if let Some(variant) = &mut self.variant {
            variant.fill(&mut self.window, start, self.scoring);
        }
    }
}

impl Windowed for WordScorer {
    fn window(&mut self) -> &mut Window {
        &mut self.window
    }

    /// From the lowest next match.
    fn refill(&mut self) -> bool {
        let lowest = self.next_match();
        if lowest == TERMINATED {
            return false;
        }
        self.fill_at(lowest & !63);
        true
    }

    fn skip_to(&mut self, target: DocId) {
        for exact in &mut self.exact {
            if exact.postings.doc() < target {
                exact.postings.seek(target);
            }
        }
        self.exact.retain(|exact| exact.postings.doc() != TERMINATED);
        if let Some(variant) = &mut self.variant {
            variant.skip_to(target);
        }
    }
}

impl WordScorer {
    fn hint(&self) -> u32 {
        let variants = self.variant.as_ref().map_or(0, |variant| variant.doc_freq);
        self.exact.iter().map(|exact| exact.postings.size_hint()).sum::<u32>().saturating_add(variants)
    }
}

windowed_scorer!(WordScorer);

#[cfg(test)]
#[path = "word_tests.rs"]
pub(crate) mod tests;
