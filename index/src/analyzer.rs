//! Text analysis: how titles, descriptions and names become searchable tokens.
//!
//! Two analyzers, both lowercasing and folding diacritics (`Türkiye` -> `turkiye`):
//! - [`STEMMED`] adds English stemming, for exact and stem matches (`drug` finds `drugs`);
//! - [`FOLDED`] keeps whole words, for typo-tolerant and prefix matches, whose automata must
//!   compare what the user typed with the words as written.

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer,
    TokenizerManager,
};

/// Name of the stemming analyzer.
pub const STEMMED: &str = "convene_stemmed";
/// Name of the folding analyzer without stemming.
pub const FOLDED: &str = "convene_folded";

/// The analyzer with English stemming.
pub fn stemmed() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// The analyzer that only lowercases and folds.
pub fn folded() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// Registers both analyzers with an index's tokenizer manager.
pub fn register(manager: &TokenizerManager) {
    manager.register(STEMMED, stemmed());
    manager.register(FOLDED, folded());
}

/// A token of a text with where it stands, as both analyzers see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalyzedToken {
    /// Byte offsets in the original text.
    pub from: usize,
    pub to: usize,
    /// Lowercased and folded.
    pub folded: String,
    /// Lowercased, folded and stemmed.
    pub stem: String,
}

/// Every token of a text with both forms. Both analyzers share the tokenizer, so their
/// tokens line up one to one.
pub fn analyze(text: &str) -> Vec<AnalyzedToken> {
    let mut folded_analyzer = folded();
    let mut stemmed_analyzer = stemmed();
    let mut tokens = Vec::new();
    let mut folded_stream = folded_analyzer.token_stream(text);
    while let Some(token) = folded_stream.next() {
        tokens.push(AnalyzedToken {
            from: token.offset_from,
            to: token.offset_to,
            folded: token.text.clone(),
            stem: String::new(),
        });
    }
    let mut stemmed_stream = stemmed_analyzer.token_stream(text);
    let mut index = 0;
    while let Some(token) = stemmed_stream.next() {
        if let Some(slot) = tokens[index..].iter_mut().position(|candidate| candidate.from == token.offset_from) {
            index += slot;
            tokens[index].stem = token.text.clone();
            index += 1;
        }
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::analyze;

    #[test]
    fn tokens_are_folded_and_stemmed_in_step() {
        let tokens = analyze("Türkiye: drugs-trafficking in Côte d'Ivoire");
        let folded: Vec<&str> = tokens.iter().map(|token| token.folded.as_str()).collect();
        let stems: Vec<&str> = tokens.iter().map(|token| token.stem.as_str()).collect();
        assert_eq!(folded, ["turkiye", "drugs", "trafficking", "in", "cote", "d", "ivoire"]);
        assert_eq!(stems[1], "drug");
        assert_eq!(stems[2], "traffick");
        assert_eq!(&"Türkiye: drugs-trafficking in Côte d'Ivoire"[tokens[4].from..tokens[4].to], "Côte");
    }
}
