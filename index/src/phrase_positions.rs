//! Reading a phrase's terms for a window of events: each term's documents and frequencies
//! block by block, their positions in one run or event by event, and how many times the
//! phrase occurs in an event (see [`super`]).

use tantivy::directory::FileSlice;
use tantivy::positions::PositionReader;
use tantivy::postings::BlockSegmentPostings;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, TERMINATED};

/// A term's documents, frequencies and positions in one field, walked forward a block at a time.
pub(super) struct TermPositions {
    pub(super) block: BlockSegmentPostings,
    /// The current document's place in the block.
    cursor: usize,
    /// Where the block's first document's positions start among the term's positions.
    base: u64,
    positions: PositionReader,
}

impl TermPositions {
    pub(super) fn open(
        inverted: &tantivy::InvertedIndexReader,
        file: &FileSlice,
        info: &tantivy::postings::TermInfo,
    ) -> tantivy::Result<Self> {
        let block = inverted.read_block_postings_from_terminfo(info, IndexRecordOption::WithFreqs)?;
        let positions = PositionReader::open(file.read_bytes_slice(info.positions_range.clone())?)?;
        Ok(TermPositions { block, cursor: 0, base: 0, positions })
    }

    /// The current document, `TERMINATED` past the last.
    pub(super) fn doc(&self) -> DocId {
        self.block.docs().get(self.cursor).copied().unwrap_or(TERMINATED)
    }

    /// Moves to the first document at or after `target`: whole blocks before it only add up
    /// their frequencies.
    pub(super) fn skip_to(&mut self, target: DocId) {
        loop {
            match self.block.docs().last() {
                Some(&last) if last < target => self.next_block(),
                Some(_) => break,
                None => return,
            }
        }
        self.cursor = self.place_at_or_after(target);
    }

    /// The place in the block, from the current one on, of its first document at or after
    /// `target` (the block's length when it has none).
    fn place_at_or_after(&self, target: DocId) -> usize {
        self.cursor + self.block.docs()[self.cursor..].partition_point(|&doc| doc < target)
    }

    fn next_block(&mut self) {
        self.base += u64::from(self.block.freqs().iter().sum::<u32>());
        self.block.advance();
        self.cursor = 0;
    }

    /// Takes the documents before `horizon`, from the current one on, into `window`: their
    /// ids, where their positions end, and where the first one's start. Consecutive
    /// documents' positions follow each other, so the window's are one run.
    pub(super) fn take_before(&mut self, horizon: DocId, window: &mut TermWindow) {
        window.docs.clear();
        window.ends.clear();
        window.offset = self.base + self.block.freqs()[..self.cursor].iter().map(|&freq| u64::from(freq)).sum::<u64>();
        let mut end = 0;
        loop {
            let (docs, freqs) = (self.block.docs(), self.block.freqs());
            if docs.is_empty() {
                return;
            }
            // The block's documents before the horizon, copied in one go.
            let stop = self.place_at_or_after(horizon);
            window.docs.extend_from_slice(&docs[self.cursor..stop]);
            window.ends.extend(freqs[self.cursor..stop].iter().map(|&freq| {
                end += freq;
                end
            }));
            self.cursor = stop;
            if stop < docs.len() {
                return;
            }
            self.next_block();
        }
    }

    /// Reads the positions of the window's documents every term has (`window.at`) into
    /// `window.positions`, with where each one's are. All of them in one read when a quarter
    /// or more of the window's documents are wanted; else each one's, so that blocks of
    /// positions no wanted document has are skipped without being decoded.
    pub(super) fn read_window(&mut self, window: &mut TermWindow) {
        let TermWindow { docs, ends, offset, at, positions, spans } = window;
        positions.clear();
        spans.clear();
        let start_of = |place: usize| if place == 0 { 0 } else { ends[place - 1] };
        if at.len() * 4 >= docs.len() {
            positions.resize(ends.last().copied().unwrap_or(0) as usize, 0);
            self.positions.read(*offset, positions);
            spans.extend(at.iter().map(|&place| (start_of(place as usize), ends[place as usize])));
        } else {
            for &place in at.iter() {
                let (start, end) = (start_of(place as usize), ends[place as usize]);
                let from = positions.len() as u32;
                positions.resize((from + end - start) as usize, 0);
                self.positions.read(*offset + u64::from(start), &mut positions[from as usize..]);
                spans.push((from, from + end - start));
            }
        }
    }
}

/// A term's documents in the window being filled and the positions read for them.
#[derive(Default)]
pub(super) struct TermWindow {
    docs: Vec<DocId>,
    /// Where each document's positions end, counted from the window's first one's.
    ends: Vec<u32>,
    /// Where the window's first document's positions start among the term's.
    offset: u64,
    /// The places in `docs` of the documents every term has.
    at: Vec<u32>,
    /// Positions read: within a document, each a delta from the one before (made absolute
    /// in place by the count of a phrase of three words or more).
    positions: Vec<u32>,
    /// Where in `positions` each document every term has keeps its own.
    spans: Vec<(u32, u32)>,
}

impl TermWindow {
    /// The positions read for the `index`th document every term has.
    fn span(&self, index: usize) -> &[u32] {
        let (start, end) = self.spans[index];
        &self.positions[start as usize..end as usize]
    }
}

/// The documents every term's window has, into `common`, and each one's place in each term's
/// documents (`TermWindow::at`). Each term after the first is merged with the documents kept so
/// far without a branch on the comparison: both lists are dense in a window, so which side
/// advances is a coin toss a branch would mispredict (a branching merge was 38% of a phrase of
/// two broad words at a million events).
pub(super) fn intersect(terms: &mut [TermWindow], common: &mut Vec<DocId>) {
    common.clear();
    common.extend_from_slice(&terms[0].docs);
    terms[0].at.clear();
    terms[0].at.extend(0..common.len() as u32);
    for index in 1..terms.len() {
        let (before, after) = terms.split_at_mut(index);
        let term = &mut after[0];
        let (candidates, places) = (common.len(), term.docs.len());
        // Every step writes its pair at `kept` and keeps it only when the documents are equal;
        // `kept` never passes `candidate` or `place`, so a kept document overwrites one already
        // compared, and `at` never needs more room than the shorter list.
        term.at.clear();
        term.at.resize(candidates.min(places), 0);
        let (mut kept, mut candidate, mut place) = (0, 0, 0);
        while candidate < candidates && place < places {
            let (doc, other) = (common[candidate], term.docs[place]);
            common[kept] = doc;
            for earlier in before.iter_mut() {
                earlier.at[kept] = earlier.at[candidate];
            }
            term.at[kept] = place as u32;
            kept += usize::from(doc == other);
            candidate += usize::from(doc <= other);
            place += usize::from(other <= doc);
        }
        common.truncate(kept);
        term.at.truncate(kept);
        for earlier in before.iter_mut() {
            earlier.at.truncate(kept);
        }
    }
}

/// How many times the phrase occurs in the window's `index`th document every term has: the
/// first term's positions that each later term follows in turn.
pub(super) fn phrase_count(terms: &mut [TermWindow], index: usize, matched: &mut Vec<u32>) -> u32 {
    if let [first, second] = terms {
        return pair_count(first.span(index), second.span(index));
    }
    for (place, term) in terms.iter_mut().enumerate() {
        let (start, end) = term.spans[index];
        let positions = &mut term.positions[start as usize..end as usize];
        // Stored as deltas from the position before, within the document.
        let mut position = 0;
        for delta in positions.iter_mut() {
            position += *delta;
            *delta = position;
        }
        if place == 0 {
            matched.clear();
            matched.extend_from_slice(positions);
            continue;
        }
        // Keep the first term's positions `p` where this term is at `p + place`.
        let (mut kept, mut right) = (0, 0);
        for left in 0..matched.len() {
            let wanted = matched[left] + place as u32;
            while right < positions.len() && positions[right] < wanted {
                right += 1;
            }
            if right == positions.len() {
                break;
            }
            if positions[right] == wanted {
                matched[kept] = matched[left];
                kept += 1;
            }
        }
        matched.truncate(kept);
        if matched.is_empty() {
            return 0;
        }
    }
    matched.len() as u32
}

/// How many positions `p` of `first` have `p + 1` among the positions of `second`, both
/// given as deltas from the position before: the count of a phrase of two words, read
/// without a copy.
fn pair_count(first: &[u32], second: &[u32]) -> u32 {
    let (Some(&first_at), Some(&second_at)) = (first.first(), second.first()) else {
        return 0;
    };
    let (mut left, mut right, mut count) = ((1, first_at), (1, second_at), 0);
    loop {
        if right.1 <= left.1 {
            // Not after this position of the first word: the next one of the second.
            let Some(&delta) = second.get(right.0) else { return count };
            right = (right.0 + 1, right.1 + delta);
        } else {
            count += u32::from(right.1 == left.1 + 1);
            let Some(&delta) = first.get(left.0) else { return count };
            left = (left.0 + 1, left.1 + delta);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::pair_count;

    /// The general count: the first word's positions whose next position holds the second.
    fn counted(first: &[u32], second: &[u32]) -> u32 {
        first.iter().filter(|&&position| second.contains(&(position + 1))).count() as u32
    }

    fn deltas(positions: &[u32]) -> Vec<u32> {
        positions.iter().scan(0, |before, &position| Some(position - std::mem::replace(before, position))).collect()
    }

    #[test]
    fn a_pair_is_counted_as_the_general_count_does() {
        let mut seed = 11_u64;
        let mut next = || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) as u32
        };
        for _ in 0..2_000 {
            let mut positions = |length: u32| {
                let mut positions: Vec<u32> = (0..next() % length).map(|_| next() % 40).collect();
                positions.sort_unstable();
                positions.dedup();
                positions
            };
            let (first, second) = (positions(12), positions(12));
            assert_eq!(pair_count(&deltas(&first), &deltas(&second)), counted(&first, &second), "{first:?} {second:?}");
            // The same word twice ("drug drug"): one list read as both.
            assert_eq!(pair_count(&deltas(&first), &deltas(&first)), counted(&first, &first), "{first:?}");
        }
        assert_eq!(pair_count(&[], &[1]), 0);
        assert_eq!(pair_count(&[0, 1, 1], &[1, 1, 5]), 2);
    }
}
