//! Several query words that must all match, in one scorer. When every word is broad (matched
//! by at least one event in [`DENSE`]), their windows are filled for the same 4,096 events
//! and intersected a 64-bit word at a time; tantivy's intersection instead leapfrogged the
//! words through a `seek` per candidate, each stepping a window one match at a time. A rare
//! word keeps tantivy's intersection, which skips the broad word's postings between its few
//! matches instead of reading them all. Excluded words (`-word`) fill their windows for the
//! same events and take their matches out, where tantivy's exclusion sought each candidate.

use tantivy::query::{intersect_scorers, EmptyScorer, EnableScoring, Exclude, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED};

use crate::phrase::PhraseScorer;
use crate::word::{
    explain_by_seeking, for_each_before, windowed_scorer, Window, Windowed, WordQuery, WordScorer, WordWeight,
};

/// A word is broad when it matches at least one event in this many.
const DENSE: u32 = 32;

/// Words that must all match, and words that must not (`-word`: matched exactly, no typos).
#[derive(Debug, Clone)]
pub struct AllWordsQuery {
    pub words: Vec<WordQuery>,
    pub excluded: Vec<WordQuery>,
}

impl Query for AllWordsQuery {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let words = self.words.iter().map(|word| word.word_weight(scoring)).collect::<tantivy::Result<_>>()?;
        // An excluded word only removes events: it is never scored.
        let unscored = EnableScoring::disabled_from_schema(scoring.schema());
        let excluded = self.excluded.iter().map(|word| word.word_weight(unscored)).collect::<tantivy::Result<_>>()?;
        Ok(Box::new(AllWordsWeight { words, excluded, scoring: scoring.is_scoring_enabled() }))
    }
}

struct AllWordsWeight {
    words: Vec<WordWeight>,
    excluded: Vec<WordWeight>,
    scoring: bool,
}

impl Weight for AllWordsWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut words = Vec::with_capacity(self.words.len());
        for weight in &self.words {
            match weight.word_scorer(reader, boost)? {
                Some(scorer) => words.push(scorer),
                None => return Ok(Box::new(EmptyScorer)),
            }
        }
        let mut excluded = Vec::with_capacity(self.excluded.len());
        for weight in &self.excluded {
            excluded.extend(weight.word_scorer(reader, boost)?);
        }
        let broad = words.iter().all(|word| word.size_hint().saturating_mul(DENSE) >= reader.max_doc());
        if !broad {
            let started = |words: Vec<WordScorer>| -> Vec<Box<dyn Scorer>> {
                words
                    .into_iter()
                    .map(|mut word| {
                        word.advance();
                        Box::new(word) as Box<dyn Scorer>
                    })
                    .collect()
            };
            let all = intersect_scorers(started(words), reader.num_docs());
            return Ok(match excluded.is_empty() {
                true => all,
                false => Box::new(Exclude::new(all, started(excluded))),
            });
        }
        let mut scorer = AllWordsScorer { words, excluded, scoring: self.scoring, window: Window::new() };
        scorer.advance();
        Ok(Box::new(scorer))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        explain_by_seeking(self, reader, doc, "every word, each in any field", "every word")
    }
}

/// Calls `found` with every match of `scorer` from its current document to before `end`, a
/// window at a time, when it is a word, words or phrase scorer; false (and nothing called)
/// otherwise.
pub(crate) fn for_each_windowed(scorer: &mut dyn Scorer, end: DocId, found: &mut impl FnMut(DocId, Score)) -> bool {
    if let Some(word) = scorer.downcast_mut::<WordScorer>() {
        for_each_before(word, end, found);
    } else if let Some(words) = scorer.downcast_mut::<AllWordsScorer>() {
        for_each_before(words, end, found);
    } else if let Some(phrase) = scorer.downcast_mut::<PhraseScorer>() {
        for_each_before(phrase, end, found);
    } else {
        return false;
    }
    true
}

/// Broad words intersected window by window, less the excluded words' windows.
struct AllWordsScorer {
    words: Vec<WordScorer>,
    excluded: Vec<WordScorer>,
    scoring: bool,
    /// The documents every word matched, and their summed scores.
    window: Window,
}

impl Windowed for AllWordsScorer {
    fn window(&mut self) -> &mut Window {
        &mut self.window
    }

    /// With the next documents every word matches.
    fn refill(&mut self) -> bool {
        loop {
            // No event before the furthest of the words' next matches has every word.
            let mut target = 0;
            for word in &self.words {
                let next = word.next_match();
                if next == TERMINATED {
                    return false;
                }
                target = target.max(next);
            }
            let start = target & !63;
            for word in &mut self.words {
                word.fill_at(start);
            }
            self.window.reset(start);
            for word in &mut self.excluded {
                word.fill_at(start);
            }
            let mut found = 0;
            for (index, bits) in self.window.bits.iter_mut().enumerate() {
                let all = self.words.iter().fold(u64::MAX, |all, word| all & word.window.bits[index]);
                *bits = self.excluded.iter().fold(all, |all, word| all & !word.window.bits[index]);
                found |= *bits;
            }
            if self.scoring && found != 0 {
                for (index, &bits) in self.window.bits.iter().enumerate() {
                    let mut bits = bits;
                    while bits != 0 {
                        let delta = index * 64 + bits.trailing_zeros() as usize;
                        self.window.scores[delta] = self.words.iter().map(|word| word.window.scores[delta]).sum();
                        bits &= bits - 1;
                    }
                }
            }
            for word in self.words.iter_mut().chain(&mut self.excluded) {
                word.window.drop_before(TERMINATED);
            }
            if found != 0 {
                return true;
            }
        }
    }

    fn skip_to(&mut self, target: DocId) {
        for word in &mut self.words {
            word.skip_to(target);
        }
    }
}

impl AllWordsScorer {
    fn hint(&self) -> u32 {
        self.words.iter().map(WordScorer::size_hint).min().unwrap_or(0)
    }
}

windowed_scorer!(AllWordsScorer);

#[cfg(test)]
mod tests {
    use tantivy::query::{BooleanQuery, EnableScoring, Occur, Query};

    use super::{AllWordsQuery, AllWordsScorer};
    use crate::analyzer::stem_of;
    use crate::query::word_query;
    use crate::word::tests::{
        advanced, index, seeks_land_where_advancing_does, windows_hand_over_what_advancing_finds,
    };

    #[test]
    fn words_intersect_and_exclude_as_tantivy_does() {
        let index = index();
        let searcher = index.searcher();
        let reader = searcher.segment_reader(0);
        let scoring = EnableScoring::enabled_from_searcher(&searcher);
        // Broad words take the windows; `4002` is in one title, so its cases take tantivy's
        // intersection (and exclusion).
        let cases: [(&[&str], &[&str], bool); 8] = [
            (&["border", "public"], &[], true),
            (&["border", "house"], &[], true),
            (&["house", "order"], &[], true),
            (&["border", "4002"], &[], false),
            (&["border"], &["house"], true),
            (&["border", "public"], &["boarder", "borders"], true),
            (&["border", "4002"], &["house"], false),
            (&["4002"], &["house"], false),
        ];
        for (texts, excluded, windows) in cases {
            let word = |text: &&str, typos| {
                word_query(index.fields(), &stem_of(text), text, typos, false, &Default::default()).0
            };
            let words: Vec<_> = texts.iter().map(|text| word(text, true)).collect();
            let excluded: Vec<_> = excluded.iter().map(|text| word(text, false)).collect();
            let all = AllWordsQuery { words: words.clone(), excluded: excluded.clone() };
            let weight = all.weight(scoring).unwrap();
            assert_eq!(weight.scorer(reader, 1.0).unwrap().is::<AllWordsScorer>(), windows, "{texts:?}");
            let found = advanced(&mut *weight.scorer(reader, 1.0).unwrap());
            let must = words.into_iter().map(|word| (Occur::Must, Box::new(word) as Box<dyn Query>));
            let must_not = excluded.into_iter().map(|word| (Occur::MustNot, Box::new(word) as Box<dyn Query>));
            let reference = BooleanQuery::new(must.chain(must_not).collect());
            let expected = advanced(&mut *reference.weight(scoring).unwrap().scorer(reader, 1.0).unwrap());
            assert!(!found.is_empty(), "{texts:?}");
            assert_eq!(found.len(), expected.len(), "{texts:?}");
            for ((doc, score), (expected_doc, expected_score)) in found.iter().zip(&expected) {
                assert_eq!(doc, expected_doc, "{texts:?}");
                assert!((score - expected_score).abs() < 1e-4, "{texts:?}, doc {doc}: {score} vs {expected_score}");
            }
            seeks_land_where_advancing_does(&*weight, reader, &found);
            if windows {
                windows_hand_over_what_advancing_finds(&*weight, reader);
            }
        }
    }
}
