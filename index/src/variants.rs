//! Typo and prefix matches of a query word in one field, without the word's own forms. The
//! exact postings already match every term sharing the word's stem, so only true variants
//! count ("order" or "boarder" for `border`, not "borders"): a broad word does not walk its
//! matches a second time per field, and an exact match does not also score as its own typo.
//! One walk of each field's terms serves the typo and the prefix automata, which are built
//! once per query word and shared by every field ([`crate::word`] gathers the fields). The
//! variants' postings are read a window of the word's scorer at a time, as its exact postings
//! are ([`VariantPostings`]). The terms a walk finds are kept per segment ([`VariantCache`]).

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use tantivy::index::SegmentId;
use tantivy::postings::{BlockSegmentPostings, TermInfo};
use tantivy::query::{DfaWrapper, FuzzyTermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, Score, SegmentReader, Term, TERMINATED};

use crate::analyzer::stem_of;
use crate::segment_cache::SegmentCache;
use crate::word::{Window, HORIZON, WORDS};

/// Variant terms kept at most, over every word (a term takes 40 bytes); past it, words'
/// terms are dropped as new ones come.
const MAX_KEPT_TERMS: usize = 1 << 18;

/// The variant terms walks of the term dictionaries found, per segment, field and query word.
/// Walking seven fields' dictionaries with a two-edit automaton was the largest part of a
/// selective search at 100k events (a ninth of the server's samples), and people search the
/// same words again and again: a search-as-you-type box resends every earlier word with each
/// letter.
#[derive(Debug)]
pub struct VariantCache {
    terms: SegmentCache<(Field, Arc<str>), Vec<TermInfo>>,
}

impl Default for VariantCache {
    fn default() -> Self {
        VariantCache { terms: SegmentCache::new(MAX_KEPT_TERMS, Vec::len) }
    }
}

impl VariantCache {
    /// Keeps the terms of these segments only (the ones a fresh searcher sees).
    pub(crate) fn retain(&self, live: &HashSet<SegmentId>) {
        self.terms.retain(live);
    }

    /// Memory held by the kept terms, in bytes.
    pub(crate) fn bytes(&self) -> usize {
        self.terms.cost() * std::mem::size_of::<TermInfo>()
    }
}

/// What a query word's variants are: its automata (typo, prefix) and its stem.
pub struct Variants {
    /// The word as a term of the field it was asked for, its typo budget and prefix flag.
    term: Term,
    distance: u8,
    prefix: bool,
    /// The typo and prefix automata, built when a segment first misses the kept terms: most
    /// searches find every segment's terms kept, and building a two-edit automaton was about
    /// 1% of a search's samples.
    automata: OnceLock<Vec<DfaWrapper>>,
    stem: String,
    /// The word, its stem, typo budget and prefix flag: what decides the terms found.
    key: Arc<str>,
    cache: Arc<VariantCache>,
}

impl std::fmt::Debug for Variants {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Variants").field("key", &self.key).finish()
    }
}

impl Variants {
    /// The variants of `folded` (lowercased and folded) within `distance` edits and, when
    /// `prefix`, the words it begins; `None` when there are none to look for.
    pub fn new(
        field: Field,
        folded: &str,
        stem: &str,
        distance: u8,
        prefix: bool,
        cache: &Arc<VariantCache>,
    ) -> Option<Arc<Self>> {
        let key = format!("{folded}\u{0}{stem}\u{0}{distance}\u{0}{prefix}").into();
        (distance > 0 || prefix).then(|| {
            Arc::new(Variants {
                term: Term::from_field_text(field, folded),
                distance,
                prefix,
                automata: OnceLock::new(),
                stem: stem.to_string(),
                key,
                cache: cache.clone(),
            })
        })
    }

    /// The typo automaton (within the budget) and the prefix one, as the word asks.
    fn automata(&self) -> tantivy::Result<&[DfaWrapper]> {
        if let Some(automata) = self.automata.get() {
            return Ok(automata);
        }
        let mut automata = Vec::new();
        if self.distance > 0 {
            automata.push(FuzzyTermQuery::new(self.term.clone(), self.distance, true).automaton()?);
        }
        if self.prefix {
            automata.push(FuzzyTermQuery::new_prefix(self.term.clone(), 0, true).automaton()?);
        }
        // Two threads missing at once both build; the first one kept serves both.
        Ok(self.automata.get_or_init(|| automata))
    }

    /// Opens the postings (documents only) of every variant of the word in `field` (a folded
    /// field), each term once.
    pub fn postings(&self, reader: &SegmentReader, field: Field) -> tantivy::Result<Vec<BlockSegmentPostings>> {
        let inverted = reader.inverted_index(field)?;
        let (segment, key) = (reader.segment_id(), (field, self.key.clone()));
        let terms = match self.cache.terms.get(segment, &key) {
            Some(terms) => terms,
            None => self.cache.terms.insert(segment, key, self.walk(&inverted)?),
        };
        terms
            .iter()
            .map(|info| Ok(inverted.read_block_postings_from_terminfo(info, IndexRecordOption::Basic)?))
            .collect()
    }

    /// Walks the field's terms with the automata: every variant term once, without those
    /// sharing the word's stem.
    fn walk(&self, inverted: &tantivy::InvertedIndexReader) -> tantivy::Result<Vec<TermInfo>> {
        let terms = inverted.terms();
        // The terms of the automata before the last, by ordinal, so that a term both match is
        // read once: a typo word alone (most words) keeps none.
        let mut seen: Vec<u64> = Vec::new();
        let mut found = Vec::new();
        let automata = self.automata()?;
        let last = automata.len() - 1;
        for (index, automaton) in automata.iter().enumerate() {
            let earlier = seen.len();
            let mut stream = terms.search(automaton).into_stream()?;
            while stream.advance() {
                let ord = stream.term_ord();
                if seen[..earlier].binary_search(&ord).is_ok() {
                    continue;
                }
                if index < last {
                    seen.push(ord);
                }
                // Terms with the word's stem are the exact clause's matches.
                let Ok(word) = std::str::from_utf8(stream.key()) else { continue };
                if stem_of(word) == self.stem {
                    continue;
                }
                found.push(stream.value().clone());
            }
            seen.sort_unstable();
        }
        Ok(found)
    }
}

/// A variant term's postings in one field, read a decoded block of documents at a time.
struct VariantTerm {
    block: BlockSegmentPostings,
    /// The current document's place in the block.
    cursor: usize,
    /// The bit of the term's field.
    field: u8,
}

impl VariantTerm {
    /// The current document, the block moved on when the cursor is past its end.
    fn settle(&mut self) -> DocId {
        loop {
            if let Some(&doc) = self.block.docs().get(self.cursor) {
                return doc;
            }
            if self.block.docs().is_empty() {
                return TERMINATED;
            }
            self.block.advance();
            self.cursor = 0;
        }
    }

    /// Moves to the first document at or after `target`.
    fn seek(&mut self, target: DocId) -> DocId {
        self.cursor = self.block.seek(target);
        self.settle()
    }
}

/// The word's typo and prefix variants in every folded field, read a window at a time like
/// the exact postings: a range of a segment searched on its own thread reads only its own
/// part, and nothing is allocated per segment.
pub(crate) struct VariantPostings {
    terms: Vec<VariantTerm>,
    /// Each term's current document, checked once per window without touching its postings.
    next: Vec<DocId>,
    /// Per document of the window, the fields its variants were found in (zero between fills).
    fields: Box<[u8; HORIZON as usize]>,
    /// The sum of the boosts of the fields of each mask.
    scores: [Score; 256],
    /// The documents of all terms, counted once per term.
    pub(crate) doc_freq: u32,
}

impl VariantPostings {
    pub(crate) fn read(
        reader: &SegmentReader,
        variants: &Variants,
        folded: &[(Field, Score)],
        boost: Score,
    ) -> tantivy::Result<Option<Self>> {
        let mut terms = Vec::new();
        let mut next = Vec::new();
        let mut doc_freq = 0_u32;
        for (position, (field, _)) in folded.iter().enumerate() {
            for block in variants.postings(reader, *field)? {
                doc_freq = doc_freq.saturating_add(block.doc_freq());
                let mut term = VariantTerm { block, cursor: 0, field: 1 << position };
                let first = term.settle();
                if first != TERMINATED {
                    terms.push(term);
                    next.push(first);
                }
            }
        }
        if terms.is_empty() {
            return Ok(None);
        }
        let mut scores = [0.0; 256];
        for (mask, score) in scores.iter_mut().enumerate() {
            *score = folded.iter().enumerate().filter(|(bit, _)| mask & (1 << bit) != 0).map(|(_, (_, b))| b).sum();
            *score *= boost;
        }
        Ok(Some(VariantPostings { terms, next, fields: Box::new([0; HORIZON as usize]), scores, doc_freq }))
    }

    /// The first variant document not in a window yet, `TERMINATED` when there is none.
    pub(crate) fn next_match(&self) -> DocId {
        self.next.iter().copied().min().unwrap_or(TERMINATED)
    }

    /// Adds the variant documents of the window (from `start`, skipping those before it) to
    /// its bits and, when scoring, their fields' boosts to its scores.
    /// Not inlined: in the word's `fill_at` it made the exact postings' loop slower.
    #[inline(never)]
    pub(crate) fn fill(&mut self, window: &mut Window, start: DocId, scoring: bool) {
        let horizon = window.horizon();
        let mut found = [0_u64; WORDS];
        for (next, term) in self.next.iter_mut().zip(&mut self.terms) {
            if *next >= horizon {
                continue;
            }
            if *next < start {
                term.seek(start);
            }
            loop {
                let docs = term.block.docs();
                let mut cursor = term.cursor;
                while let Some(&doc) = docs.get(cursor).filter(|&&doc| doc < horizon) {
                    let delta = (doc - start) as usize & (HORIZON as usize - 1);
                    found[delta / 64] |= 1 << (delta % 64);
                    self.fields[delta] |= term.field;
                    cursor += 1;
                }
                term.cursor = cursor;
                *next = term.settle();
                if *next >= horizon {
                    break;
                }
            }
        }
        for (index, &bits) in found.iter().enumerate() {
            window.bits[index] |= bits;
            let mut bits = bits;
            while bits != 0 {
                let delta = index * 64 + bits.trailing_zeros() as usize;
                let fields = std::mem::take(&mut self.fields[delta]);
                if scoring {
                    window.scores[delta] += self.scores[usize::from(fields)];
                }
                bits &= bits - 1;
            }
        }
    }

    /// Skips the documents before `target`.
    pub(crate) fn skip_to(&mut self, target: DocId) {
        for (next, term) in self.next.iter_mut().zip(&mut self.terms) {
            if *next < target {
                *next = term.seek(target);
            }
        }
    }
}
