//! Text analysis: how titles, descriptions and names become searchable tokens.
//!
//! Two analyzers, both lowercasing and folding diacritics (`Türkiye` -> `turkiye`):
//! - [`STEMMED`] adds English stemming, for exact and stem matches (`drug` finds `drugs`);
//! - [`FOLDED`] keeps whole words, for typo-tolerant and prefix matches, whose automata must
//!   compare what the user typed with the words as written.

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer,
    Token, TokenFilter, TokenStream, Tokenizer, TokenizerManager,
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
        .filter(CachedStemmer)
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

/// Stems already computed on this thread. A catalogue's vocabulary is small next to its word
/// count, so nearly every word was stemmed before: the Snowball stemmer was a fifth of
/// indexing and the largest cost of highlighting, a lookup here is a fraction of it. Both
/// analyzers are the same chain but for the final stemmer, so a token's stem is the stem of
/// its folded form.
const STEM_CACHE_LIMIT: usize = 50_000;

thread_local! {
    static STEMS: std::cell::RefCell<(TextAnalyzer, rustc_hash::FxHashMap<String, String>)> =
        std::cell::RefCell::new((
            TextAnalyzer::builder(RawTokenizer::default()).filter(Stemmer::new(Language::English)).build(),
            rustc_hash::FxHashMap::default(),
        ));
}

/// Replaces `word` (lowercased and folded) with its English stem, from the cache when it can.
fn stem_in_place(word: &mut String) {
    STEMS.with(|cell| {
        let (stemmer, cache) = &mut *cell.borrow_mut();
        if let Some(stem) = cache.get(word.as_str()) {
            if stem != word {
                word.clear();
                word.push_str(stem);
            }
            return;
        }
        let stem = stemmer.token_stream(word).next().map(|token| token.text.clone()).unwrap_or_default();
        if cache.len() >= STEM_CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(std::mem::replace(word, stem.clone()), stem);
    })
}

/// The English stem of a lowercased, folded word, through the per-thread cache.
pub(crate) fn stem_of(folded: &str) -> String {
    let mut word = folded.to_string();
    stem_in_place(&mut word);
    word
}

/// The English Snowball stemmer, through the per-thread cache of stems.
#[derive(Debug, Clone, Copy)]
pub struct CachedStemmer;

impl TokenFilter for CachedStemmer {
    type Tokenizer<T: Tokenizer> = CachedStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> CachedStemmerFilter<T> {
        CachedStemmerFilter(tokenizer)
    }
}

/// [`CachedStemmer`] applied to a tokenizer.
#[derive(Debug, Clone)]
pub struct CachedStemmerFilter<T>(T);

impl<T: Tokenizer> Tokenizer for CachedStemmerFilter<T> {
    type TokenStream<'a> = CachedStemmerStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        CachedStemmerStream(self.0.token_stream(text))
    }
}

/// The tokens of the inner stream, stemmed.
pub struct CachedStemmerStream<T>(T);

impl<T: TokenStream> TokenStream for CachedStemmerStream<T> {
    fn advance(&mut self) -> bool {
        if !self.0.advance() {
            return false;
        }
        stem_in_place(&mut self.0.token_mut().text);
        true
    }

    fn token(&self) -> &Token {
        self.0.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.0.token_mut()
    }
}

/// A token of a text with where it stands, folded only: its stem is left to whoever needs it
/// (highlighting stems each distinct word once, not every token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoldedToken {
    /// Byte offsets in the original text.
    pub from: usize,
    pub to: usize,
    /// Lowercased and folded.
    pub folded: String,
}

/// Longest token the analyzers keep, in bytes of the original text (tantivy's
/// `RemoveLongFilter` drops tokens of this length and more).
const LONGEST_TOKEN: usize = 40;

/// Whether the character at `at` is a letter or digit, and its length in bytes. Forced inline:
/// it runs for every byte of a highlighted text, and as a call it was most of the scan's time.
#[inline(always)]
fn word_char(text: &str, at: usize) -> (bool, usize) {
    let byte = text.as_bytes()[at];
    if byte.is_ascii() {
        (byte.is_ascii_alphanumeric(), 1)
    } else {
        wide_word_char(text, at)
    }
}

/// [`word_char`] for a character outside ASCII.
#[inline(never)]
fn wide_word_char(text: &str, at: usize) -> (bool, usize) {
    let c = text[at..].chars().next().expect("a character starts here");
    (c.is_alphanumeric(), c.len_utf8())
}

/// Calls `found(from, to, folded)` for every token of a text: the same tokens, offsets and
/// folded forms as the [`folded`] analyzer produces, without allocating for each one. A run of
/// ASCII letters and digits (nearly every word of a catalogue) is lowercased into one reused
/// buffer; any other run goes through the analyzer itself.
pub fn for_each_folded(text: &str, mut found: impl FnMut(usize, usize, &str)) {
    let bytes = text.as_bytes();
    let word_char = |at: usize| word_char(text, at);
    let mut buffer = String::with_capacity(LONGEST_TOKEN);
    let mut analyzer: Option<TextAnalyzer> = None;
    let mut at = 0;
    while at < bytes.len() {
        let (in_word, length) = word_char(at);
        if !in_word {
            at += length;
            continue;
        }
        let from = at;
        let mut ascii = true;
        while at < bytes.len() {
            let (in_word, length) = word_char(at);
            if !in_word {
                break;
            }
            ascii &= length == 1;
            at += length;
        }
        let word = &text[from..at];
        if word.len() >= LONGEST_TOKEN {
            continue;
        }
        if ascii {
            buffer.clear();
            buffer.push_str(word);
            buffer.make_ascii_lowercase();
            found(from, at, &buffer);
        } else {
            let mut stream = analyzer.get_or_insert_with(folded).token_stream(word);
            while let Some(token) = stream.next() {
                found(from + token.offset_from, from + token.offset_to, &token.text);
            }
        }
    }
}

/// Every token of a text, folded (the same tokens as both analyzers produce).
pub fn tokenize(text: &str) -> Vec<FoldedToken> {
    let mut tokens = Vec::new();
    for_each_folded(text, |from, to, folded| tokens.push(FoldedToken { from, to, folded: folded.to_string() }));
    tokens
}

/// Every token of a text with both forms (the same tokens as both analyzers produce).
pub fn analyze(text: &str) -> Vec<AnalyzedToken> {
    tokenize(text)
        .into_iter()
        .map(|token| AnalyzedToken {
            from: token.from,
            to: token.to,
            stem: stem_of(&token.folded),
            folded: token.folded,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{analyze, folded, stemmed, tokenize};
    use tantivy::tokenizer::{
        AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer,
    };

    /// tantivy's own stemming chain, which the cached one must match token for token.
    fn snowball() -> TextAnalyzer {
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .filter(Stemmer::new(Language::English))
            .build()
    }

    fn tokens(mut analyzer: TextAnalyzer, text: &str) -> Vec<(usize, usize, String)> {
        let mut stream = analyzer.token_stream(text);
        let mut tokens = Vec::new();
        while let Some(token) = stream.next() {
            tokens.push((token.offset_from, token.offset_to, token.text.clone()));
        }
        tokens
    }

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
    fn cached_stems_are_what_the_snowball_stemmer_gives() {
        let text = "Hoping policies: the ponies' running, happily ORGANIZED conferences on trafficking \
            in Türkiye; generalizations, relational databases, a border and borders, and a \
            verylongwordthatistoolongtobeindexedatallreally.";
        let expected = tokens(snowball(), text);
        // Twice: the first pass fills this thread's cache, the second reads from it.
        for _ in 0..2 {
            assert_eq!(tokens(stemmed(), text), expected);
            let analyzed: Vec<(usize, usize, String)> =
                analyze(text).into_iter().map(|token| (token.from, token.to, token.stem)).collect();
            assert_eq!(analyzed, expected);
        }
    }

    #[test]
    fn the_fast_scan_gives_the_folded_analyzers_tokens() {
        // Mixed scripts, digits, accents inside and at the ends of words, punctuation joined
        // to words, and words at and around the length limit.
        let mut texts: Vec<String> = vec![
            "Türkiye: drugs-trafficking in Côte d'Ivoire, 2024–2025 (OSCE/ODIHR) – naïve café".to_string(),
            "Ωραία ημέρα στην Αθήνα 東京 🎉 ÆØÅ straße İstanbul ǅemal".to_string(),
            format!("{} {} {}é", "a".repeat(39), "b".repeat(40), "c".repeat(38)),
            String::new(),
            "   ...   ".to_string(),
        ];
        // Deterministic jumbles of the same pieces.
        let pieces = ["Border", "é", "ß", "-", " ", "x9", "ÉLECTIONS", "'", "ı", "日本", "\n", "Ǆ", "ﬁ", "42"];
        let mut state = 7_u64;
        for _ in 0..300 {
            let mut text = String::new();
            for _ in 0..12 {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                text.push_str(pieces[(state >> 33) as usize % pieces.len()]);
            }
            texts.push(text);
        }
        for text in &texts {
            let scanned: Vec<(usize, usize, String)> =
                tokenize(text).into_iter().map(|token| (token.from, token.to, token.folded)).collect();
            assert_eq!(scanned, tokens(folded(), text), "{text:?}");
        }
    }
}
