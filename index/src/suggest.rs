//! Completions for search-as-you-type: labels (topics, organizers, countries, titles) and title
//! words that start with what the user typed, most frequent first.

use tantivy::schema::Field;

use crate::schema::suggest_display;
use crate::search::{IndexError, SearchIndex};

/// How many dictionary terms a completion looks at, per field and segment.
const MAX_SCANNED_TERMS: usize = 5_000;

impl SearchIndex {
    /// Completions of what the user is typing, most frequent first: topic, organizer and
    /// country names and titles that start with it, then title words.
    pub fn suggest(&self, prefix: &str, limit: usize) -> Result<Vec<String>, IndexError> {
        let words = crate::analyzer::analyze(prefix);
        let Some(last) = words.last() else { return Ok(Vec::new()) };
        let folded_prefix: String = words.iter().map(|token| token.folded.as_str()).collect::<Vec<_>>().join(" ");
        let searcher = self.searcher();
        let term_counts = |field: Field, key_prefix: &str| -> Result<Vec<(String, u64)>, IndexError> {
            let mut counts: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
            for segment in searcher.segment_readers() {
                let inverted = segment.inverted_index(field)?;
                let mut stream = inverted.terms().range().ge(key_prefix.as_bytes()).into_stream()?;
                // A short prefix may open onto most of the vocabulary: the first terms suffice.
                let mut scanned = 0;
                while stream.advance() && scanned < MAX_SCANNED_TERMS {
                    scanned += 1;
                    let Ok(key) = std::str::from_utf8(stream.key()) else { continue };
                    if !key.starts_with(key_prefix) {
                        break;
                    }
                    *counts.entry(key.to_string()).or_default() += u64::from(stream.value().doc_freq);
                }
            }
            Ok(counts.into_iter().collect())
        };
        let mut labels: Vec<(String, u64)> = term_counts(self.fields().suggest, &folded_prefix)?
            .into_iter()
            .filter_map(|(key, count)| Some((suggest_display(&key)?.to_string(), count)))
            .collect();
        let head = &prefix[..last.from];
        let title_words = term_counts(self.fields().title.folded, &last.folded)?;
        labels.extend(title_words.into_iter().map(|(word, count)| (format!("{head}{word}"), count)));
        labels.sort_by(|left, right| {
            right.1.cmp(&left.1).then_with(|| left.0.len().cmp(&right.0.len())).then_with(|| left.0.cmp(&right.0))
        });
        let mut seen = std::collections::HashSet::new();
        labels.retain(|(label, _)| seen.insert(label.to_lowercase()));
        labels.truncate(limit);
        Ok(labels.into_iter().map(|(label, _)| label).collect())
    }
}
