//! The user's query string turned into a tantivy query: every word must match (in any
//! searched field, exactly, by stem, with a typo, or as a prefix for the last word),
//! `"phrases"` match in order, `-word` excludes and `OR` joins alternatives. Nothing the user
//! types is an error: what is not syntax is searched as words.

use std::sync::Arc;

use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::Term;

use crate::analyzer::{folded, stemmed};
use crate::highlight::MatchWord;
use crate::phrase::PhraseQuery;
use crate::schema::Fields;
use crate::variants::{VariantCache, Variants};
use crate::word::WordQuery;
use crate::words::AllWordsQuery;

/// A piece of the query string.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Word(String),
    Phrase(String),
    Or,
}

/// One clause of the query after `OR` grouping: alternatives, any of which must match.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Clause {
    negated: bool,
    alternatives: Vec<Piece>,
}

fn lex(text: &str) -> Vec<(bool, Piece)> {
    let mut pieces = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&next) = chars.peek() {
        if next.is_whitespace() {
            chars.next();
            continue;
        }
        let mut negated = false;
        if next == '-' {
            chars.next();
            negated = chars.peek().is_some_and(|after| !after.is_whitespace());
        }
        if chars.peek() == Some(&'"') {
            chars.next();
            let phrase: String = chars.by_ref().take_while(|&character| character != '"').collect();
            pieces.push((negated, Piece::Phrase(phrase)));
            continue;
        }
        let word: String = std::iter::from_fn(|| chars.next_if(|character| !character.is_whitespace())).collect();
        if word == "OR" && !negated {
            pieces.push((false, Piece::Or));
        } else if !word.is_empty() {
            pieces.push((negated, Piece::Word(word)));
        }
    }
    pieces
}

fn clauses(text: &str) -> Vec<Clause> {
    let mut clauses: Vec<Clause> = Vec::new();
    let mut join_next = false;
    for (negated, piece) in lex(text) {
        if piece == Piece::Or {
            join_next = !clauses.is_empty();
            continue;
        }
        match clauses.last_mut() {
            Some(last) if join_next && !last.negated && !negated => last.alternatives.push(piece),
            _ => clauses.push(Clause { negated, alternatives: vec![piece] }),
        }
        join_next = false;
    }
    clauses
}

fn tokens(analyzer: &mut tantivy::tokenizer::TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut tokens = Vec::new();
    while let Some(token) = stream.next() {
        tokens.push(token.text.clone());
    }
    tokens
}

/// Edits forgiven in a word of this many letters: none up to 4, one from 5, two from 9.
pub fn typo_budget(word: &str) -> u8 {
    if word.chars().any(|character| character.is_ascii_digit()) {
        return 0;
    }
    match word.chars().count() {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// The parsed query: the tantivy query and the words to highlight.
pub struct ParsedQuery {
    pub query: Box<dyn Query>,
    pub words: Vec<MatchWord>,
}

/// How much an exact (or stem) match weighs against a typo or prefix match in the same field.
const EXACT_BOOST: f32 = 3.0;
const FUZZY_BOOST: f32 = 0.4;

impl std::fmt::Debug for ParsedQuery {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("ParsedQuery").field("words", &self.words).finish()
    }
}

/// One word in every field: exact stem, and its typo and prefix variants (typo within budget
/// when `typos`, prefix when it is the last word) without the forms the exact stem already
/// matches.
pub(crate) fn word_query(
    fields: &Fields,
    stem: &str,
    folded_word: &str,
    typos: bool,
    prefix: bool,
    cache: &Arc<VariantCache>,
) -> (WordQuery, MatchWord) {
    let budget = if typos { typo_budget(folded_word) } else { 0 };
    let variants = Variants::new(fields.title.folded, folded_word, stem, budget, prefix, cache);
    let text_fields = fields.text_fields();
    let query = WordQuery {
        exact: text_fields
            .iter()
            .map(|field| (Term::from_field_text(field.stemmed, stem), field.weight * EXACT_BOOST))
            .collect(),
        variants,
        folded: text_fields.iter().map(|field| (field.folded, field.weight * FUZZY_BOOST)).collect(),
    };
    let word = MatchWord { folded: folded_word.to_string(), stem: stem.to_string(), max_distance: budget, prefix };
    (query, word)
}

/// A phrase in any field, its words in order (stemmed): one scorer over every field for two
/// words or more ([`PhraseQuery`]), a union of term queries for one.
fn phrase_query(fields: &Fields, stems: &[String]) -> Box<dyn Query> {
    let text_fields = fields.text_fields();
    if stems.len() > 1 {
        let fields = text_fields.iter().map(|field| (field.stemmed, field.weight * EXACT_BOOST)).collect();
        return Box::new(PhraseQuery { fields, stems: stems.to_vec() });
    }
    let should: Vec<(Occur, Box<dyn Query>)> = text_fields
        .iter()
        .map(|field| {
            let term = TermQuery::new(Term::from_field_text(field.stemmed, &stems[0]), IndexRecordOption::WithFreqs);
            (Occur::Should, Box::new(BoostQuery::new(Box::new(term), field.weight * EXACT_BOOST)) as Box<dyn Query>)
        })
        .collect();
    Box::new(BooleanQuery::new(should))
}

/// Parses what the user typed. An empty query (or one with only exclusions) matches everything
/// not excluded. The variants of typo and prefix words found in a segment are kept in `cache`.
pub fn parse(fields: &Fields, text: &str, cache: &Arc<VariantCache>) -> ParsedQuery {
    let mut stemmer = stemmed();
    let mut folder = folded();
    let clauses = clauses(text);
    // The last word is still being typed, unless the query ends with a space.
    let still_typing = !text.ends_with(char::is_whitespace);
    let last_word_clause = clauses
        .iter()
        .rposition(|clause| !clause.negated && matches!(clause.alternatives.last(), Some(Piece::Word(_))))
        .filter(|_| still_typing);
    let mut occurs: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut words = Vec::new();
    // The words that must match, outside `OR` groups, and the single words excluded: one
    // scorer intersects the first and takes out the second.
    let mut required: Vec<WordQuery> = Vec::new();
    let mut excluded: Vec<WordQuery> = Vec::new();
    for (position, clause) in clauses.iter().enumerate() {
        let plain = !clause.negated && clause.alternatives.len() == 1;
        let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let last_alternative = clause.alternatives.len() - 1;
        for (index, piece) in clause.alternatives.iter().enumerate() {
            match piece {
                Piece::Word(word) => {
                    let stems = tokens(&mut stemmer, word);
                    let folds = tokens(&mut folder, word);
                    let count = stems.len().min(folds.len());
                    let is_last = Some(position) == last_word_clause && index == last_alternative;
                    let mut parts: Vec<WordQuery> = Vec::new();
                    for part in 0..count {
                        let prefix = is_last && part + 1 == count;
                        // An excluded word excludes its own forms, not its typos: `-police`
                        // must not drop every event about policy.
                        let (query, word) =
                            word_query(fields, &stems[part], &folds[part], !clause.negated, prefix, cache);
                        parts.push(query);
                        if !clause.negated {
                            words.push(word);
                        }
                    }
                    if plain {
                        required.extend(parts);
                    } else if clause.negated && clause.alternatives.len() == 1 && parts.len() == 1 {
                        excluded.extend(parts);
                    } else if !parts.is_empty() {
                        let parts = parts.into_iter().map(|part| (Occur::Must, Box::new(part) as Box<dyn Query>));
                        alternatives.push((Occur::Should, Box::new(BooleanQuery::new(parts.collect()))));
                    }
                }
                Piece::Phrase(phrase) => {
                    let stems = tokens(&mut stemmer, phrase);
                    if stems.is_empty() {
                        continue;
                    }
                    if !clause.negated {
                        let folds = tokens(&mut folder, phrase);
                        words.extend(folds.iter().zip(&stems).map(|(folded_word, stem)| MatchWord {
                            folded: folded_word.clone(),
                            stem: stem.clone(),
                            max_distance: 0,
                            prefix: false,
                        }));
                    }
                    alternatives.push((Occur::Should, phrase_query(fields, &stems)));
                }
                Piece::Or => {}
            }
        }
        if alternatives.is_empty() {
            continue;
        }
        let occur = if clause.negated { Occur::MustNot } else { Occur::Must };
        occurs.push((occur, Box::new(BooleanQuery::new(alternatives))));
    }
    match (required.len(), excluded.len()) {
        (0, _) => occurs.extend(excluded.into_iter().map(|word| (Occur::MustNot, Box::new(word) as Box<dyn Query>))),
        (1, 0) => occurs.push((Occur::Must, Box::new(required.remove(0)))),
        _ => occurs.push((Occur::Must, Box::new(AllWordsQuery { words: required, excluded }))),
    }
    if !occurs.iter().any(|(occur, _)| *occur == Occur::Must) {
        occurs.push((Occur::Must, Box::new(AllQuery)));
    }
    ParsedQuery { query: Box::new(BooleanQuery::new(occurs)), words }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn or_joins_neighbours_and_minus_excludes() {
        let parsed = clauses(r#"border OR customs -drugs "chemical precursors" OR"#);
        assert_eq!(parsed.len(), 3);
        assert_eq!(parsed[0].alternatives, [Piece::Word("border".into()), Piece::Word("customs".into())]);
        assert!(parsed[1].negated);
        assert_eq!(parsed[2].alternatives, [Piece::Phrase("chemical precursors".into())]);
    }

    #[test]
    fn malformed_input_is_read_as_words() {
        assert_eq!(clauses(r#""unclosed phrase"#)[0].alternatives, [Piece::Phrase("unclosed phrase".into())]);
        assert_eq!(clauses("- OR OR -").len(), 0);
        assert_eq!(clauses("a:b (c) [d]").len(), 3);
    }

    #[test]
    fn typo_budget_grows_with_length() {
        assert_eq!(
            [typo_budget("drug"), typo_budget("drugs"), typo_budget("trafficki"), typo_budget("2009x")],
            [0, 1, 2, 0]
        );
    }
}
