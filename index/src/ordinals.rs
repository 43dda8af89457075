//! A segment's facet column decoded for counting, in the most compact layout its values allow:
//! counting a broad search reads the column of every match, so at a million events the bytes
//! per document, not the arithmetic, set its cost.

use tantivy::columnar::StrColumn;
use tantivy::DocId;

/// The term ordinals of each document of a segment.
#[derive(Debug)]
pub enum DecodedOrds {
    /// At most one value per document and fewer than 255 values: the ordinal, `u8::MAX` for
    /// none (years, event types, venue countries).
    Single(Vec<u8>),
    /// At most 8, 16, 32 or 64 values: a document's values as the bits of one word (regions,
    /// topics). A document's values are a set: documents write each value once.
    Mask8(Vec<u8>),
    Mask16(Vec<u16>),
    Mask32(Vec<u32>),
    Mask64(Vec<u64>),
    /// Anything else: the ordinals of document `d` are `ords[starts[d]..starts[d + 1]]`.
    Lists {
        starts: Vec<u32>,
        ords: Vec<u32>,
    },
}

/// A bit set of ordinals held in one word.
trait Mask: Copy {
    fn bits(self) -> u64;
}

macro_rules! mask {
    ($($word:ty),*) => {$(
        impl Mask for $word {
            fn bits(self) -> u64 {
                u64::from(self)
            }
        }
    )*};
}
mask!(u8, u16, u32, u64);

fn masks<M: TryFrom<u64> + Default + Clone>(starts: &[u32], ords: &[u32]) -> Vec<M> {
    starts
        .windows(2)
        .map(|bounds| {
            let bits = ords[bounds[0] as usize..bounds[1] as usize].iter().fold(0_u64, |bits, &ord| bits | 1 << ord);
            M::try_from(bits).unwrap_or_default()
        })
        .collect()
}

/// Counts a mask in its histograms, one of 256 cells per byte: no branch depends on how many
/// values a document has (walking each document's bits mispredicted the end of that walk about
/// once per document).
fn tally<const LANES: usize>(lanes: &mut [[u32; 256]; LANES], bits: u64) {
    for (lane, cells) in lanes.iter_mut().enumerate() {
        cells[((bits >> (8 * lane)) & 0xff) as usize] += 1;
    }
}

/// Expands histograms of mask bytes into counts per ordinal: `add(ordinal, count)`.
fn expand<const LANES: usize>(lanes: &[[u32; 256]; LANES], mut add: impl FnMut(u64, u64)) {
    for (lane, cells) in lanes.iter().enumerate() {
        for (byte, &count) in cells.iter().enumerate().skip(1).filter(|(_, count)| **count > 0) {
            let mut bits = byte;
            while bits != 0 {
                add((8 * lane) as u64 + u64::from(bits.trailing_zeros()), u64::from(count));
                bits &= bits - 1;
            }
        }
    }
}

/// Adds one to each document's values in `table`; its last cell counts documents with none.
/// For one-byte masks: a histogram of the byte.
fn count_bytes(masks: &[u8], docs: &[DocId], table: &mut [u64]) {
    let mut lanes = [[0_u32; 256]; 1];
    for &doc in docs {
        tally(&mut lanes, u64::from(masks[doc as usize]));
    }
    let last = table.len() - 1;
    table[last] += u64::from(lanes[0][0]);
    expand(&lanes, |ord, count| table[ord as usize] += count);
}

/// Matches counted per block in bytes of running sums: at most 255, so no byte overflows.
const BLOCK: usize = 255;

/// [`count_bytes`] for masks of 16 to 64 bits: the masks of up to 255 documents are copied
/// side by side, then `sums[plane]` adds bit `plane` of each of their bytes into that byte
/// of the sum (a byte per 8 values), and the sums are spread into the table once per block.
/// A histogram per mask byte did the same with a memory write per byte and document, most of
/// them to the cell of a byte holding no value, each waiting on the one before: topics (44
/// values, a 64-bit mask) cost a facet about 6 ns per matching event, as much as scoring it.
fn count_masks<M: Mask>(masks: &[M], docs: &[DocId], table: &mut [u64]) {
    const LOW_BITS: u64 = 0x0101_0101_0101_0101;
    let mut totals = [0_u64; 64];
    let mut none = 0_u64;
    let mut block = [0_u64; BLOCK];
    for chunk in docs.chunks(BLOCK) {
        for (bits, &doc) in block.iter_mut().zip(chunk) {
            *bits = masks[doc as usize].bits();
        }
        let mut sums = [0_u64; 8];
        for &bits in &block[..chunk.len()] {
            none += u64::from(bits == 0);
            for (plane, sum) in sums.iter_mut().enumerate() {
                *sum += (bits >> plane) & LOW_BITS;
            }
        }
        for (plane, sum) in sums.iter().enumerate() {
            for byte in 0..8 {
                totals[8 * byte + plane] += (sum >> (8 * byte)) & 0xff;
            }
        }
    }
    let last = table.len() - 1;
    table[last] += none;
    for (cell, total) in table[..last].iter_mut().zip(totals) {
        *cell += total;
    }
}

/// Where a dimension's values count in a combined table: the value with ordinal `o` adds
/// `o * stride` to the cell's position, and `none` is the ordinal of "no value".
#[derive(Debug, Clone, Copy)]
pub struct Axis {
    pub stride: u64,
    pub none: u64,
}

/// Each single value's offset along `axis` (`u8::MAX` being "no value").
fn offsets(axis: Axis) -> [u64; 256] {
    std::array::from_fn(|value| if value == usize::from(u8::MAX) { axis.none } else { value as u64 } * axis.stride)
}

/// [`DecodedOrds::count_pairs`] for a mask dimension: a histogram of mask bytes per value of
/// the single dimension, expanded once per buffer.
fn count_mask_pairs<M: Mask, const LANES: usize>(
    masks: &[M],
    axis: Axis,
    single: &[u8],
    single_axis: Axis,
    docs: &[DocId],
    cells: &mut [u64],
) {
    let rows = single_axis.none as usize + 1;
    let row_of: [usize; 256] =
        std::array::from_fn(|value| if value == usize::from(u8::MAX) { rows - 1 } else { value.min(rows - 1) });
    let mut lanes = vec![[[0_u32; 256]; LANES]; rows];
    let mut none = vec![0_u64; rows];
    for &doc in docs {
        let bits = masks[doc as usize].bits();
        let row = row_of[usize::from(single[doc as usize])];
        none[row] += u64::from(bits == 0);
        tally(&mut lanes[row], bits);
    }
    for (row, histograms) in lanes.iter().enumerate() {
        let base = row as u64 * single_axis.stride;
        cells[(base + axis.none * axis.stride) as usize] += none[row];
        expand(histograms, |ord, count| cells[(base + ord * axis.stride) as usize] += count);
    }
}

fn mask_ords<M: Mask>(masks: &[M], doc: DocId, out: &mut Vec<u64>) {
    let mut bits = masks[doc as usize].bits();
    while bits != 0 {
        out.push(u64::from(bits.trailing_zeros()));
        bits &= bits - 1;
    }
}

impl DecodedOrds {
    /// Decodes a column of `max_doc` documents.
    pub fn decode(column: &StrColumn, max_doc: DocId) -> Self {
        let mut starts = Vec::with_capacity(max_doc as usize + 1);
        let mut ords = Vec::with_capacity(max_doc as usize);
        starts.push(0);
        let mut single = true;
        for doc in 0..max_doc {
            let before = ords.len();
            ords.extend(column.term_ords(doc).map(|ord| ord as u32));
            single &= ords.len() - before <= 1;
            starts.push(ords.len() as u32);
        }
        Self::compact(starts, ords, column.num_terms(), single)
    }

    /// The most compact layout for these lists of ordinals (`single`: no list is longer than
    /// one) of a column of `terms` values.
    fn compact(starts: Vec<u32>, mut ords: Vec<u32>, terms: usize, single: bool) -> Self {
        if single && terms < usize::from(u8::MAX) {
            let mut values = vec![u8::MAX; starts.len() - 1];
            for (doc, bounds) in starts.windows(2).enumerate() {
                if bounds[0] < bounds[1] {
                    values[doc] = ords[bounds[0] as usize] as u8;
                }
            }
            return DecodedOrds::Single(values);
        }
        match terms {
            0..=8 => DecodedOrds::Mask8(masks(&starts, &ords)),
            9..=16 => DecodedOrds::Mask16(masks(&starts, &ords)),
            17..=32 => DecodedOrds::Mask32(masks(&starts, &ords)),
            33..=64 => DecodedOrds::Mask64(masks(&starts, &ords)),
            _ => {
                ords.shrink_to_fit();
                DecodedOrds::Lists { starts, ords }
            }
        }
    }

    /// Adds one to the cell of each value of each document in `docs`; the table's last cell
    /// counts the documents with no value.
    pub fn count(&self, docs: &[DocId], table: &mut [u64]) {
        match self {
            DecodedOrds::Single(values) => {
                // Counted into a full table first: no branch for "none" per document.
                let mut cells = [0_u64; 256];
                for &doc in docs {
                    cells[usize::from(values[doc as usize])] += 1;
                }
                let none = table.len() - 1;
                table[none] += cells[usize::from(u8::MAX)];
                for (cell, count) in table[..none].iter_mut().zip(cells) {
                    *cell += count;
                }
            }
            DecodedOrds::Mask8(masks) => count_bytes(masks, docs, table),
            DecodedOrds::Mask16(masks) => count_masks(masks, docs, table),
            DecodedOrds::Mask32(masks) => count_masks(masks, docs, table),
            DecodedOrds::Mask64(masks) => count_masks(masks, docs, table),
            DecodedOrds::Lists { starts, ords } => {
                let none = table.len() - 1;
                for &doc in docs {
                    let values = &ords[starts[doc as usize] as usize..starts[doc as usize + 1] as usize];
                    if values.is_empty() {
                        table[none] += 1;
                    }
                    for &ord in values {
                        table[ord as usize] += 1;
                    }
                }
            }
        }
    }

    /// Counts each document of `docs` once per pair of its values here (along `axis`) and its
    /// value in `single`, a dimension of one value per document (along `single_axis`), into
    /// `cells`. False, counting nothing, for the list layout: count per document instead.
    pub fn count_pairs(&self, axis: Axis, single: &[u8], single_axis: Axis, docs: &[DocId], cells: &mut [u64]) -> bool {
        match self {
            DecodedOrds::Single(values) => {
                let (mine, theirs) = (offsets(axis), offsets(single_axis));
                for &doc in docs {
                    let cell = mine[usize::from(values[doc as usize])] + theirs[usize::from(single[doc as usize])];
                    cells[cell as usize] += 1;
                }
            }
            DecodedOrds::Mask8(masks) => count_mask_pairs::<_, 1>(masks, axis, single, single_axis, docs, cells),
            DecodedOrds::Mask16(masks) => count_mask_pairs::<_, 2>(masks, axis, single, single_axis, docs, cells),
            DecodedOrds::Mask32(masks) => count_mask_pairs::<_, 4>(masks, axis, single, single_axis, docs, cells),
            DecodedOrds::Mask64(masks) => count_mask_pairs::<_, 8>(masks, axis, single, single_axis, docs, cells),
            DecodedOrds::Lists { .. } => return false,
        }
        true
    }

    /// The values of a one-value layout (`u8::MAX` for none).
    pub fn single(&self) -> Option<&[u8]> {
        match self {
            DecodedOrds::Single(values) => Some(values),
            _ => None,
        }
    }

    /// Appends the ordinals of `doc` to `out`, in increasing order.
    pub fn ords_of(&self, doc: DocId, out: &mut Vec<u64>) {
        match self {
            DecodedOrds::Single(values) => {
                let value = values[doc as usize];
                if value != u8::MAX {
                    out.push(u64::from(value));
                }
            }
            DecodedOrds::Mask8(masks) => mask_ords(masks, doc, out),
            DecodedOrds::Mask16(masks) => mask_ords(masks, doc, out),
            DecodedOrds::Mask32(masks) => mask_ords(masks, doc, out),
            DecodedOrds::Mask64(masks) => mask_ords(masks, doc, out),
            DecodedOrds::Lists { starts, ords } => out.extend(
                ords[starts[doc as usize] as usize..starts[doc as usize + 1] as usize]
                    .iter()
                    .map(|&ord| u64::from(ord)),
            ),
        }
    }

    /// Memory held, in bytes.
    pub fn bytes(&self) -> usize {
        match self {
            DecodedOrds::Single(values) | DecodedOrds::Mask8(values) => values.len(),
            DecodedOrds::Mask16(masks) => masks.len() * 2,
            DecodedOrds::Mask32(masks) => masks.len() * 4,
            DecodedOrds::Mask64(masks) => masks.len() * 8,
            DecodedOrds::Lists { starts, ords } => (starts.len() + ords.len()) * 4,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Axis, DecodedOrds};

    /// Documents with 0 to 4 distinct values among `terms`, from a fixed pseudo-random walk.
    fn lists(terms: u32, docs: u32, single: bool) -> (Vec<u32>, Vec<u32>) {
        let (mut starts, mut ords, mut state) = (vec![0], Vec::new(), 12_345_u64);
        let mut next = || {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as u32
        };
        for _ in 0..docs {
            let mut values: Vec<u32> = (0..next() % if single { 2 } else { 5 }).map(|_| next() % terms).collect();
            values.sort_unstable();
            values.dedup();
            ords.extend(values);
            starts.push(ords.len() as u32);
        }
        (starts, ords)
    }

    #[test]
    fn every_layout_counts_what_the_lists_hold() {
        for (terms, single) in [(5, true), (5, false), (16, false), (30, false), (60, false), (200, true), (300, false)]
        {
            let (starts, ords) = lists(terms, 3_000, single);
            let compact = DecodedOrds::compact(starts.clone(), ords.clone(), terms as usize, single);
            let reference = DecodedOrds::Lists { starts, ords };
            // Every third document matches, as after a query.
            let docs: Vec<u32> = (0..3_000).step_by(3).collect();
            let count = |decoded: &DecodedOrds| {
                let mut table = vec![0; terms as usize + 1];
                decoded.count(&docs, &mut table);
                table
            };
            assert_eq!(count(&compact), count(&reference), "{terms} terms, single {single}");
            for &doc in &docs {
                let (mut mine, mut theirs) = (Vec::new(), Vec::new());
                compact.ords_of(doc, &mut mine);
                reference.ords_of(doc, &mut theirs);
                assert_eq!(mine, theirs, "document {doc}");
            }
        }
    }

    #[test]
    fn a_value_every_document_holds_is_counted_past_a_byte() {
        // 1,000 documents each holding the first and the last of 64 values: the running sums
        // of a block must not wrap.
        let starts: Vec<u32> = (0..=1_000).map(|doc| doc * 2).collect();
        let ords: Vec<u32> = (0..1_000).flat_map(|_| [0, 63]).collect();
        let compact = DecodedOrds::compact(starts, ords, 64, false);
        assert!(matches!(compact, DecodedOrds::Mask64(_)));
        let docs: Vec<u32> = (0..1_000).collect();
        let mut table = vec![0; 65];
        compact.count(&docs, &mut table);
        assert_eq!((table[0], table[63], table[64]), (1_000, 1_000, 0));
        assert_eq!(table.iter().sum::<u64>(), 2_000);
    }

    #[test]
    fn pairs_with_a_single_dimension_count_every_combination() {
        let (year_starts, year_ords) = lists(26, 2_000, true);
        let years = DecodedOrds::compact(year_starts.clone(), year_ords.clone(), 26, true);
        let years_single = years.single().expect("one value per document");
        let years_list = DecodedOrds::Lists { starts: year_starts, ords: year_ords };
        let docs: Vec<u32> = (0..2_000).filter(|doc| doc % 7 != 0).collect();
        for (terms, single) in [(12, true), (17, false), (44, false)] {
            let (starts, ords) = lists(terms, 2_000, single);
            let regions = DecodedOrds::compact(starts.clone(), ords.clone(), terms as usize, single);
            let width = 27;
            let axis = Axis { stride: width, none: u64::from(terms) };
            let year_axis = Axis { stride: 1, none: width - 1 };
            let mut cells = vec![0; (u64::from(terms) + 1) as usize * width as usize];
            assert!(regions.count_pairs(axis, years_single, year_axis, &docs, &mut cells));
            // The same table, one document and one combination at a time.
            let reference_regions = DecodedOrds::Lists { starts, ords };
            let mut expected = vec![0; cells.len()];
            for &doc in &docs {
                let (mut outer, mut inner) = (Vec::new(), Vec::new());
                reference_regions.ords_of(doc, &mut outer);
                years_list.ords_of(doc, &mut inner);
                for region in if outer.is_empty() { vec![axis.none] } else { outer } {
                    for &year in if inner.is_empty() { vec![year_axis.none] } else { inner.clone() }.iter() {
                        expected[(region * width + year) as usize] += 1;
                    }
                }
            }
            assert_eq!(cells, expected, "{terms} terms, single {single}");
        }
    }
}
