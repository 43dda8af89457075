//! Whether two words are within a few edits (optimal string alignment: insertions, deletions,
//! substitutions and adjacent transpositions, each costing one), the way highlighting asks it:
//! without allocating, and giving up as soon as a row of the alignment exceeds the bound.

/// Longest ASCII words aligned on the stack; longer or non-ASCII ones go to `strsim`.
const STACK_LETTERS: usize = 48;

/// True when `left` and `right` are at most `max` edits apart.
pub fn within(left: &str, right: &str, max: usize) -> bool {
    let (a, b) = (left.as_bytes(), right.as_bytes());
    if !left.is_ascii() || !right.is_ascii() || a.len() >= STACK_LETTERS || b.len() >= STACK_LETTERS {
        return left.chars().count().abs_diff(right.chars().count()) <= max && strsim::osa_distance(left, right) <= max;
    }
    if a.len().abs_diff(b.len()) > max {
        return false;
    }
    // Three rows of the alignment (two back for transpositions), rotated by index.
    let mut rows = [[0_u8; STACK_LETTERS]; 3];
    for (column, cell) in rows[0].iter_mut().enumerate().take(b.len() + 1) {
        *cell = column as u8;
    }
    for i in 1..=a.len() {
        let (current, previous, before) = (i % 3, (i + 2) % 3, (i + 1) % 3);
        rows[current][0] = i as u8;
        let mut row_min = rows[current][0];
        for j in 1..=b.len() {
            let substitution = rows[previous][j - 1] + u8::from(a[i - 1] != b[j - 1]);
            let mut cell = substitution.min(rows[previous][j] + 1).min(rows[current][j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cell = cell.min(rows[before][j - 2] + 1);
            }
            rows[current][j] = cell;
            row_min = row_min.min(cell);
        }
        // Each cell is at most one more than the one diagonally before it, so once a whole row
        // exceeds the bound, no later row (transpositions included) comes back under it.
        if usize::from(row_min) > max {
            return false;
        }
    }
    usize::from(rows[a.len() % 3][b.len()]) <= max
}

#[cfg(test)]
mod tests {
    use super::within;

    #[test]
    fn agrees_with_strsim_on_every_pair_and_bound() {
        let words = [
            "",
            "a",
            "ab",
            "ba",
            "border",
            "boarder",
            "order",
            "borders",
            "brodre",
            "trafficking",
            "trafickking",
            "traffikcing",
            "precursors",
            "precurs",
            "police",
            "policy",
            "polcie",
            "elections",
            "electoins",
            "cable",
            "table",
            "tables",
            "observation",
            "obsrevation",
            "ca",
            "abc",
            "acb",
            "bca",
        ];
        for left in words {
            for right in words {
                for max in 0..=3 {
                    let expected = strsim::osa_distance(left, right) <= max;
                    assert_eq!(within(left, right, max), expected, "{left:?} {right:?} {max}");
                }
            }
        }
    }

    #[test]
    fn long_and_non_ascii_words_fall_back() {
        let long = "a".repeat(60);
        assert!(within(&long, &format!("{long}b"), 1));
        assert!(!within(&long, &format!("{long}bb"), 1));
        assert!(within("türkiye", "turkiye", 1));
    }
}
