//! Text analysis: how titles, descriptions and names become searchable tokens.
//!
//! Two analyzers, both lowercasing and folding diacritics (`Türkiye` -> `turkiye`):
//! - [`STEMMED`] adds English stemming, for exact and stem matches (`drug` finds `drugs`);
//! - [`FOLDED`] keeps whole words, for typo-tolerant and prefix matches, whose automata must
//!   compare what the user typed with the words as written.

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer,
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

/// Stems already computed on this thread: highlighting analyzes 20 descriptions per search, and
/// stemming each of their words again was its largest cost. Both analyzers are the same chain
/// but for the final stemmer, so a token's stem is the stem of its folded form.
const STEM_CACHE_LIMIT: usize = 50_000;

thread_local! {
    static STEMS: std::cell::RefCell<(TextAnalyzer, std::collections::HashMap<String, String>)> =
        std::cell::RefCell::new((
            TextAnalyzer::builder(RawTokenizer::default()).filter(Stemmer::new(Language::English)).build(),
            std::collections::HashMap::new(),
        ));
}

fn stem_of(folded: &str) -> String {
    STEMS.with(|cell| {
        let (stemmer, cache) = &mut *cell.borrow_mut();
        if let Some(stem) = cache.get(folded) {
            return stem.clone();
        }
        let stem = stemmer.token_stream(folded).next().map(|token| token.text.clone()).unwrap_or_default();
        if cache.len() >= STEM_CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(folded.to_string(), stem.clone());
        stem
    })
}

/// Every token of a text with both forms (the same tokens as both analyzers produce).
pub fn analyze(text: &str) -> Vec<AnalyzedToken> {
    let mut folded_analyzer = folded();
    let mut tokens = Vec::new();
    let mut folded_stream = folded_analyzer.token_stream(text);
    while let Some(token) = folded_stream.next() {
        tokens.push(AnalyzedToken {
            from: token.offset_from,
            to: token.offset_to,
            stem: stem_of(&token.text),
            folded: token.text.clone(),
        });
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::{analyze, stemmed};

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

    #[test]
    fn cached_stems_are_what_the_stemming_analyzer_indexes() {
        let text = "Hoping policies: the ponies' running, happily ORGANIZED conferences on trafficking \
            in Türkiye; generalizations, relational databases and a verylongwordthatistoolongtobeindexedatallreally.";
        for _ in 0..2 {
            let mut analyzer = stemmed();
            let mut stream = analyzer.token_stream(text);
            let mut indexed = Vec::new();
            while let Some(token) = stream.next() {
                indexed.push((token.offset_from, token.text.clone()));
            }
            let analyzed: Vec<(usize, String)> =
                analyze(text).into_iter().map(|token| (token.from, token.stem)).collect();
            assert_eq!(analyzed, indexed);
        }
    }
}
