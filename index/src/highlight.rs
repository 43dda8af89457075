//! Search-result highlighting: marks the words of a text that match the query (by stem, within a
//! typo distance or as a prefix, which tantivy's `SnippetGenerator` cannot do) and cuts snippets.
//!
//! Output is HTML: the text is escaped and every matched token is wrapped in `<mark>…</mark>`,
//! around the original slice of the text (its case and diacritics kept).

use crate::analyzer::{for_each_folded, stem_of, AnalyzedToken};

/// Opens the mark around a matched token.
const OPEN: &str = "<mark>";
/// Closes the mark around a matched token.
const CLOSE: &str = "</mark>";
/// Stands where a snippet cuts the text.
const ELLIPSIS: &str = "…";

/// A word of the user's query, as highlighting needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchWord {
    /// What the user typed, lowercased and folded (e.g. "precurs", "trafficing").
    pub folded: String,
    /// Its stem by the same English stemmer (e.g. "drug" for "drugs").
    pub stem: String,
    /// Edits allowed for a typo match: 0, 1 or 2 (optimal string alignment distance, a transposition costs one).
    pub max_distance: u8,
    /// True for the last word of the query, which also matches as a prefix ("precurs" -> "precursors").
    pub prefix: bool,
}

/// True when a token of the text matches a query word: same stem, or folded forms within
/// `max_distance` edits (optimal string alignment, [`crate::distance`]), or (when `prefix`) the folded token starts with the folded word.
pub fn matches(token: &AnalyzedToken, word: &MatchWord) -> bool {
    forms_match(&token.folded, &token.stem, word)
}

fn forms_match(folded: &str, stem: &str, word: &MatchWord) -> bool {
    stems_match(stem, word) || forms_match_unstemmed(folded, word)
}

/// True when a token's stem is the query word's.
fn stems_match(stem: &str, word: &MatchWord) -> bool {
    !word.folded.is_empty() && !word.stem.is_empty() && stem == word.stem
}

/// [`forms_match`] by prefix or typo only.
fn forms_match_unstemmed(folded: &str, word: &MatchWord) -> bool {
    if word.folded.is_empty() {
        return false;
    }
    if word.prefix && folded.starts_with(&word.folded) {
        return true;
    }
    let edits = usize::from(word.max_distance);
    // Each edit adds at most one character to a word and takes at most one away, so words
    // whose sets of characters differ by more than two per edit cannot be within reach: most
    // words of a text are ruled out here, before the alignment.
    (letters(folded) ^ letters(&word.folded)).count_ones() as usize <= 2 * edits
        && crate::distance::within(folded, &word.folded, edits)
}

/// The set of characters of a folded word, as bits: one per letter and digit, one for all
/// the rest (which only makes the set smaller, never the difference between two larger).
fn letters(word: &str) -> u64 {
    word.bytes().fold(0, |set, byte| {
        set | match byte {
            b'a'..=b'z' => 1 << (byte - b'a'),
            b'0'..=b'9' => 1 << (26 + byte - b'0'),
            _ => 1 << 63,
        }
    })
}

/// The whole text, HTML-escaped, with every matched token wrapped in <mark>…</mark>;
/// None when nothing matched.
pub fn highlight_all(text: &str, words: &[MatchWord]) -> Option<String> {
    Highlighter::new(words).highlight_all(text)
}

/// A snippet of at most about `max_words` words around the densest cluster of matches
/// (prefer the window holding the most distinct query words, then the most matches),
/// starting/ending at word boundaries, with "…" where text was cut at either end;
/// HTML-escaped, matched tokens in <mark>…</mark>; None when nothing matched.
///
/// Runs of whitespace (newlines included) become a single space.
pub fn snippet(text: &str, words: &[MatchWord], max_words: usize) -> Option<String> {
    Highlighter::new(words).snippet(text, max_words)
}

/// Byte offsets of a token in its text.
type Span = (usize, usize);

/// Marks one query's words in many texts (a page of hits): texts repeat their words and
/// share most of them, so each distinct word is stemmed and compared with the query once
/// (the typo distance was the largest cost of a search's highlights).
pub struct Highlighter<'w> {
    words: &'w [MatchWord],
    /// For each folded word of up to 16 bytes seen (nearly all), packed into one number, the
    /// index of the first query word it matches: hashed and compared without reading a string.
    short: rustc_hash::FxHashMap<u128, Option<usize>>,
    /// The same for longer words.
    long: rustc_hash::FxHashMap<String, Option<usize>>,
}

/// Room for the distinct words of a page of descriptions from the start (the map grows past it).
const PAGE_WORDS: usize = 1024;

/// A word of up to 16 bytes as one number, its bytes shifted in one by one (no token holds a
/// zero byte, so no two words share a number).
fn packed(word: &str) -> Option<u128> {
    // Not copied into a zeroed array: copying a word this short was a call to `memmove`.
    let bytes = word.as_bytes();
    (bytes.len() <= 16).then(|| bytes.iter().fold(0, |key, &byte| key << 8 | u128::from(byte)))
}

/// The index of the first query word a folded token matches.
fn first_match(words: &[MatchWord], folded: &str) -> Option<usize> {
    // The English stemmer keeps a word's first letter, so a token is only stemmed when it
    // starts as a query word's stem does: most of a page's words are not stemmed at all.
    let mut stem = None;
    words.iter().position(|word| {
        let may_share_stem = folded.as_bytes().first() == word.stem.as_bytes().first();
        (may_share_stem && stems_match(stem.get_or_insert_with(|| stem_of(folded)), word))
            || forms_match_unstemmed(folded, word)
    })
}

impl<'w> Highlighter<'w> {
    /// A highlighter for the words of one query.
    pub fn new(words: &'w [MatchWord]) -> Self {
        Highlighter {
            words,
            short: rustc_hash::FxHashMap::with_capacity_and_hasher(PAGE_WORDS, Default::default()),
            long: rustc_hash::FxHashMap::default(),
        }
    }

    /// [`highlight_all`], remembering the words it compared.
    pub fn highlight_all(&mut self, text: &str) -> Option<String> {
        let (spans, hits) = self.scan(text)?;
        Some(render(text, &spans, &hits, 0, text.len(), false))
    }

    /// [`snippet`], remembering the words it compared.
    pub fn snippet(&mut self, text: &str, max_words: usize) -> Option<String> {
        let (spans, hits) = self.scan(text)?;
        let width = max_words.clamp(1, spans.len());
        let start = best_window(&hits, self.words.len(), width);
        let end = start + width;
        let from = if start == 0 { text.len() - text.trim_start().len() } else { spans[start].0 };
        let to = if end == spans.len() { text.trim_end().len() } else { spans[end - 1].1 };
        let mut out = String::with_capacity(to - from + 32);
        if start > 0 {
            out.push_str(ELLIPSIS);
        }
        out.push_str(&render(text, &spans[start..end], &hits[start..end], from, to, true));
        if end < spans.len() {
            out.push_str(ELLIPSIS);
        }
        Some(out)
    }

    /// Each token's span and the index of the first query word it matches; None when no
    /// token matched.
    fn scan(&mut self, text: &str) -> Option<(Vec<Span>, Vec<Option<usize>>)> {
        // About one token per six bytes of English.
        let (mut spans, mut hits) = (Vec::with_capacity(text.len() / 6), Vec::with_capacity(text.len() / 6));
        let (words, short, long) = (self.words, &mut self.short, &mut self.long);
        let bytes = text.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            if !bytes[at].is_ascii_alphanumeric() && bytes[at].is_ascii() {
                at += 1;
                continue;
            }
            // Nearly every word: ASCII letters and digits, up to 16 of them, lowercased into
            // its key as it is read, without copying it anywhere first.
            let from = at;
            let mut key = 0u128;
            while at < bytes.len() && bytes[at].is_ascii_alphanumeric() {
                key = key << 8 | u128::from(bytes[at].to_ascii_lowercase());
                at += 1;
            }
            // A letter outside ASCII right after it makes it part of a longer word.
            let continues = bytes.get(at).is_some_and(|byte| !byte.is_ascii())
                && text[at..].chars().next().is_some_and(char::is_alphanumeric);
            if at > from && at - from <= 16 && !continues {
                let hit = *short.entry(key).or_insert_with(|| first_match(words, &text[from..at].to_ascii_lowercase()));
                spans.push((from, at));
                hits.push(hit);
                continue;
            }
            // Any other run of letters and digits, through the analyzer's own tokenizing.
            let end =
                text[from..].char_indices().find(|(_, c)| !c.is_alphanumeric()).map_or(text.len(), |(i, _)| from + i);
            if end == from {
                // A character outside ASCII that is no letter or digit (a dash, a quote).
                at += text[from..].chars().next().map_or(1, char::len_utf8);
                continue;
            }
            for_each_folded(&text[from..end], |start, stop, folded| {
                let hit = match packed(folded) {
                    Some(key) => *short.entry(key).or_insert_with(|| first_match(words, folded)),
                    None => match long.get(folded) {
                        Some(&hit) => hit,
                        None => *long.entry(folded.to_string()).or_insert(first_match(words, folded)),
                    },
                };
                spans.push((from + start, from + stop));
                hits.push(hit);
            });
            at = end;
        }
        hits.iter().any(Option::is_some).then_some((spans, hits))
    }
}

/// The first token of the best window of `width` tokens (most distinct words, then most matches),
/// shifted so that its matches sit in the middle. One pass over the tokens.
fn best_window(hits: &[Option<usize>], word_count: usize, width: usize) -> usize {
    let mut counts = vec![0usize; word_count];
    let (mut distinct, mut total) = (0usize, 0usize);
    let mut best = ((0, 0), 0);
    for (end, hit) in hits.iter().enumerate() {
        if let Some(word) = *hit {
            counts[word] += 1;
            distinct += usize::from(counts[word] == 1);
            total += 1;
        }
        if end >= width {
            if let Some(word) = hits[end - width] {
                counts[word] -= 1;
                distinct -= usize::from(counts[word] == 0);
                total -= 1;
            }
        }
        if end + 1 >= width && (distinct, total) > best.0 {
            best = ((distinct, total), end + 1 - width);
        }
    }
    let start = best.1;
    let window = &hits[start..start + width];
    let first = start + window.iter().position(Option::is_some).unwrap_or(0);
    let last = start + window.iter().rposition(Option::is_some).unwrap_or(0);
    let slack = width - (last - first + 1);
    first.saturating_sub(slack / 2).min(hits.len() - width)
}

/// `text[from..to]` escaped, with the matched ones of the tokens at `spans` (all inside the
/// range) marked.
fn render(text: &str, spans: &[Span], hits: &[Option<usize>], from: usize, to: usize, collapse: bool) -> String {
    let mut out = String::with_capacity(to - from + 32);
    let mut at = from;
    for (&(start, end), _) in spans.iter().zip(hits).filter(|(_, hit)| hit.is_some()) {
        push_escaped(&mut out, &text[at..start], collapse);
        out.push_str(OPEN);
        push_escaped(&mut out, &text[start..end], false);
        out.push_str(CLOSE);
        at = end;
    }
    push_escaped(&mut out, &text[at..to], collapse);
    out
}

/// Appends `text` HTML-escaped, with runs of whitespace made one space when `collapse`.
/// HTML-escapes a text with nothing marked; `collapse` folds runs of whitespace into one space.
pub fn escape(text: &str, collapse: bool) -> String {
    let mut out = String::with_capacity(text.len());
    push_escaped(&mut out, text, collapse);
    out
}

fn push_escaped(out: &mut String, text: &str, collapse: bool) {
    let mut in_space = false;
    // Where the run of characters copied as they are begins.
    let mut run = 0;
    for (at, c) in text.char_indices() {
        let replacement = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' => "&quot;",
            '\'' => "&#39;",
            c if collapse && c.is_whitespace() => {
                if in_space {
                    ""
                } else {
                    " "
                }
            }
            _ => {
                in_space = false;
                continue;
            }
        };
        out.push_str(&text[run..at]);
        out.push_str(replacement);
        in_space = collapse && c.is_whitespace();
        run = at + c.len_utf8();
    }
    out.push_str(&text[run..]);
}

#[cfg(test)]
mod tests {
    use super::{highlight_all, matches, snippet, Highlighter, MatchWord};
    use crate::analyzer::{analyze, tokenize};

    /// A query word as the search builds it, by the same analyzer.
    fn word(typed: &str, max_distance: u8, prefix: bool) -> MatchWord {
        let token = analyze(typed).remove(0);
        MatchWord { folded: token.folded, stem: token.stem, max_distance, prefix }
    }

    #[test]
    fn stems_keep_the_first_letter() {
        // `first_match` stems only tokens starting as a query word's stem: the stemmer's
        // irregular forms and a leading `y` (which it treats as a consonant) included.
        let words = "dying lying tying skies skis idly gently ugly early only singly news yelling \
            yearly generously happily elections observation precursors trafficking ministries \
            zürich ąćę київ 2009 x";
        for token in analyze(words) {
            assert_eq!(token.stem.as_bytes().first(), token.folded.as_bytes().first(), "{token:?}");
        }
    }

    #[test]
    fn stem_match_marks_the_inflected_form() {
        let words = [word("drug", 0, false)];
        assert_eq!(highlight_all("Seizure of drugs.", &words).unwrap(), "Seizure of <mark>drugs</mark>.");
    }

    #[test]
    fn typo_match_within_the_distance() {
        let text = "Human trafficking conference";
        let expected = "Human <mark>trafficking</mark> conference";
        assert_eq!(highlight_all(text, &[word("trafficing", 1, false)]).unwrap(), expected);
        assert_eq!(highlight_all(text, &[word("trafficing", 0, false)]), None);
        // A transposition costs one edit.
        assert!(matches(&analyze("trafficking")[0], &word("trafifcking", 1, false)));
    }

    #[test]
    fn prefix_match_only_for_the_last_word() {
        let text = "Control of drug precursors";
        let expected = "Control of drug <mark>precursors</mark>";
        assert_eq!(highlight_all(text, &[word("precurs", 0, true)]).unwrap(), expected);
        assert_eq!(highlight_all(text, &[word("precurs", 0, false)]), None);
    }

    #[test]
    fn diacritics_are_folded_but_the_original_is_marked() {
        let words = [word("turkiye", 0, false)];
        assert_eq!(highlight_all("Summit in Türkiye", &words).unwrap(), "Summit in <mark>Türkiye</mark>");
        assert_eq!(snippet("Summit in Türkiye", &words, 10).unwrap(), "Summit in <mark>Türkiye</mark>");
    }

    #[test]
    fn no_match_is_none() {
        let words = [word("elephant", 1, true)];
        assert_eq!(highlight_all("Seizure of drugs", &words), None);
        assert_eq!(snippet("Seizure of drugs", &words, 10), None);
        assert_eq!(snippet("", &words, 10), None);
        assert_eq!(highlight_all("Seizure of drugs", &[]), None);
    }

    #[test]
    fn everything_is_escaped() {
        let text = "<script>alert(1)</script> & \"drugs\" 'x'";
        let expected = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;<mark>drugs</mark>&quot; &#39;x&#39;";
        assert_eq!(highlight_all(text, &[word("drug", 0, false)]).unwrap(), expected);
        let marked = highlight_all(text, &[word("script", 0, false)]).unwrap();
        assert_eq!(
            marked,
            "&lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt; &amp; &quot;drugs&quot; &#39;x&#39;"
        );
    }

    #[test]
    fn snippet_picks_the_cluster_with_the_most_distinct_words() {
        let filler = "lorem ipsum dolor sit amet ".repeat(6);
        let text =
            format!("Drugs {filler}drugs drugs {filler}on drug precursors trafficking in the region {filler}end");
        let words = [word("drug", 0, false), word("trafficking", 1, false), word("precurs", 0, true)];
        let cut = snippet(&text, &words, 8).unwrap();
        assert_eq!(cut, "…amet on <mark>drug</mark> <mark>precursors</mark> <mark>trafficking</mark> in the region…");
    }

    #[test]
    fn short_text_has_no_ellipsis_and_collapsed_whitespace() {
        let words = [word("drug", 0, false)];
        let cut = snippet("  Drugs\n\nand   more\tthings.\n", &words, 10).unwrap();
        assert_eq!(cut, "<mark>Drugs</mark> and more things.");
        let whole = highlight_all("Drugs\n\nand", &words).unwrap();
        assert_eq!(whole, "<mark>Drugs</mark>\n\nand");
    }

    #[test]
    fn the_scan_finds_the_analyzers_tokens() {
        // Words of ASCII only, up to 16 bytes, take a shortcut; every other run goes through
        // the analyzer's tokenizing. Both must give the tokens the index was built from.
        let long = "a".repeat(17);
        let longest = "b".repeat(39);
        let too_long = "c".repeat(40);
        let text = format!(
            "The Zürich—Kyiv’s 2009 élection… naïve x {long} {longest} {too_long} the{long}é \
             Türkiye’s «the» 東京 🎉 the—end A1b2 ÉCOLE the"
        );
        let words = [word("the", 0, false)];
        let (spans, hits) = Highlighter::new(&words).scan(&text).expect("`the` matches");
        let tokens = tokenize(&text);
        assert_eq!(spans, tokens.iter().map(|token| (token.from, token.to)).collect::<Vec<_>>());
        let matched: Vec<&str> =
            tokens.iter().zip(&hits).filter(|(_, hit)| hit.is_some()).map(|(t, _)| &*t.folded).collect();
        assert_eq!(matched, ["the", "the", "the", "the"]);
    }

    #[test]
    fn multibyte_text_is_cut_at_char_boundaries() {
        let text = "Ωραία ημέρα στην Αθήνα για drugs και άλλα πράγματα 東京 🎉";
        let words = [word("drug", 0, false)];
        assert_eq!(snippet(text, &words, 3).unwrap(), "…για <mark>drugs</mark> και…");
        let words = [word("αθηνα", 1, false)];
        assert_eq!(snippet(text, &words, 2).unwrap(), "…<mark>Αθήνα</mark> για…");
        assert_eq!(snippet("東京 Türkiye 🎉", &[word("turkiye", 0, false)], 1).unwrap(), "…<mark>Türkiye</mark> 🎉");
    }
}
