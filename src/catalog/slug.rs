//! Slugs: readable, URL-safe identifiers made from labels and titles.

/// Lowercase ASCII words joined by `-`, at most `max_len` bytes, cut at a word boundary.
pub fn slugify(text: &str, max_len: usize) -> String {
    let folded = deunicode::deunicode(text).to_lowercase();
    let mut slug = String::with_capacity(folded.len().min(max_len));
    for word in folded.split(|character: char| !character.is_ascii_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        let extra = if slug.is_empty() { word.len() } else { word.len() + 1 };
        if slug.len() + extra > max_len {
            if slug.is_empty() {
                slug.push_str(&word[..max_len]);
            }
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(word);
    }
    slug
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn slugs_fold_diacritics_and_punctuation() {
        assert_eq!(
            slugify("Drugs trafficking and/or drugs distribution", 80),
            "drugs-trafficking-and-or-drugs-distribution"
        );
        assert_eq!(slugify("Türkiye – Côte d'Ivoire", 80), "turkiye-cote-d-ivoire");
    }

    #[test]
    fn slugs_are_cut_at_a_word_boundary() {
        assert_eq!(slugify("regional workshop on drugs", 20), "regional-workshop-on");
        assert_eq!(slugify("abcdefghijkl", 5), "abcde");
    }
}
