//! Counting matches by dimensions straight from the columnar fast fields: one pass over the
//! matching documents, term ordinals counted in a dense table per segment, names given only to
//! the buckets that occur. Serves both facets (each dimension apart) and grouped stats (every
//! combination of the dimensions' values). Each segment's ordinals are decoded once into
//! compact arrays ([`DecodedOrds`]) and its values listed once ([`DecodedField`]), both kept
//! while the segment is searched ([`OrdsCache`]).

use std::collections::HashSet;
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::index::SegmentId;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use crate::ordinals::{Axis, DecodedOrds};
use crate::segment_cache::SegmentCache;

/// Matches held back before facet counting runs over them, one field at a time.
const DOC_BUFFER: usize = 4_096;
/// The same for combinations: counting pairs zeroes a histogram per year (about 110 KB for
/// region x year) for each buffer, so the buffer is larger.
const COMBINED_DOC_BUFFER: usize = 65_536;

/// Counts per combination of keys (`None`: the document has no value in that dimension).
/// Hashed with Fx: SipHash of the keys was 2% of a faceted search's CPU, and the keys are the
/// index's own values, a few hundred per search.
pub type Counts = rustc_hash::FxHashMap<Vec<Option<String>>, u64>;

/// A segment's field as counting reads it: each document's ordinals, and each ordinal's value.
#[derive(Debug)]
pub struct DecodedField {
    ords: DecodedOrds,
    /// The column's values in ordinal order. Naming the buckets from the column itself decodes
    /// a dictionary block per bucket on every search: a few percent of a search's CPU.
    names: Vec<String>,
}

impl DecodedField {
    fn decode(column: &StrColumn, max_doc: DocId) -> std::io::Result<Self> {
        let mut names = Vec::with_capacity(column.num_terms());
        let mut terms = column.dictionary().stream()?;
        while terms.advance() {
            names.push(String::from_utf8_lossy(terms.key()).into_owned());
        }
        Ok(DecodedField { ords: DecodedOrds::decode(column, max_doc), names })
    }

    fn bytes(&self) -> usize {
        self.ords.bytes() + self.names.iter().map(|name| name.len() + size_of::<String>()).sum::<usize>()
    }
}

/// Decoded ordinals and values per segment and field, like Elasticsearch's field data: built
/// by the first search that counts by a field, dropped when a reload retires the segment
/// (segments never change; deletions only hide documents, which are then never collected).
#[derive(Debug)]
pub struct OrdsCache {
    decoded: SegmentCache<String, DecodedField>,
}

impl Default for OrdsCache {
    fn default() -> Self {
        OrdsCache { decoded: SegmentCache::new(usize::MAX, DecodedField::bytes) }
    }
}

impl OrdsCache {
    fn get(&self, reader: &SegmentReader, field: &str, column: &StrColumn) -> tantivy::Result<Arc<DecodedField>> {
        Ok(self
            .decoded
            .get_or_build(reader.segment_id(), field.to_string(), || DecodedField::decode(column, reader.max_doc()))?)
    }

    /// Keeps the entries of these segments only (the ones a fresh searcher sees).
    pub fn retain(&self, live: &HashSet<SegmentId>) {
        self.decoded.retain(live);
    }

    /// Memory held, in bytes.
    pub fn bytes(&self) -> usize {
        self.decoded.cost()
    }
}

/// Counts matches by the string fast fields named in `fields`: every combination of their
/// values when `combined`, else each field on its own (keys of length one, per field).
pub struct CountCollector<'a> {
    pub fields: Vec<String>,
    pub combined: bool,
    pub cache: &'a OrdsCache,
}

/// The per-segment part of [`CountCollector`].
pub struct CountSegmentCollector {
    decoded: Vec<Option<Arc<DecodedField>>>,
    /// Number of ordinals per field, plus one for "no value" (the last).
    widths: Vec<u64>,
    combined: bool,
    /// Combined: one cell per combination. Separate: one table per field.
    cells: Vec<Vec<u64>>,
    ords: Vec<Vec<u64>>,
    /// The odometer's position per field, for three or more combined fields.
    positions: Vec<usize>,
    /// Matches not counted yet.
    docs: Vec<DocId>,
}

impl Collector for CountCollector<'_> {
    type Fruit = Vec<Counts>;
    type Child = CountSegmentCollector;

    fn for_segment(&self, _segment: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<CountSegmentCollector> {
        let columns: Vec<Option<StrColumn>> =
            self.fields.iter().map(|field| reader.fast_fields().str(field)).collect::<tantivy::Result<_>>()?;
        let widths: Vec<u64> =
            columns.iter().map(|column| column.as_ref().map_or(0, |column| column.num_terms() as u64) + 1).collect();
        let cells = if self.combined {
            let size: u64 = widths.iter().product();
            if size > 1 << 24 {
                return Err(tantivy::TantivyError::InvalidArgument("too many combinations to count".into()));
            }
            vec![vec![0; size as usize]]
        } else {
            widths.iter().map(|&width| vec![0; width as usize]).collect()
        };
        let decoded = self
            .fields
            .iter()
            .zip(&columns)
            .map(|(field, column)| column.as_ref().map(|column| self.cache.get(reader, field, column)).transpose())
            .collect::<tantivy::Result<_>>()?;
        Ok(CountSegmentCollector {
            ords: vec![Vec::new(); columns.len()],
            positions: Vec::new(),
            docs: Vec::with_capacity(if self.combined { COMBINED_DOC_BUFFER } else { DOC_BUFFER }),
            decoded,
            widths,
            combined: self.combined,
            cells,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<Counts>>) -> tantivy::Result<Vec<Counts>> {
        let tables = if self.combined { 1 } else { self.fields.len() };
        let mut merged: Vec<Counts> = vec![Counts::default(); tables];
        for fruit in fruits {
            for (table, counts) in fruit.into_iter().enumerate() {
                for (keys, count) in counts {
                    *merged[table].entry(keys).or_default() += count;
                }
            }
        }
        Ok(merged)
    }
}

impl CountSegmentCollector {
    /// Counts the buffered matches: by each field in turn (one tight loop per field's
    /// layout), or in combinations, by pairs when one of two fields has one value per document.
    fn count_docs(&mut self) {
        if self.docs.is_empty() {
            return;
        }
        if self.combined {
            if !self.count_pairs() {
                let docs = std::mem::take(&mut self.docs);
                for &doc in &docs {
                    self.count_combinations(doc);
                }
                self.docs = docs;
            }
            self.docs.clear();
            return;
        }
        for ((table, decoded), width) in self.cells.iter_mut().zip(&self.decoded).zip(&self.widths) {
            match decoded {
                Some(decoded) => decoded.ords.count(&self.docs, table),
                None => table[*width as usize - 1] += self.docs.len() as u64,
            }
        }
        self.docs.clear();
    }

    /// Two combined fields, one of them with one value per document (region x year): counts
    /// the buffer without walking each document's values. False when that does not apply.
    fn count_pairs(&mut self) -> bool {
        let [Some(first), Some(second)] = &self.decoded[..] else { return false };
        let axes =
            [Axis { stride: self.widths[1], none: self.widths[0] - 1 }, Axis { stride: 1, none: self.widths[1] - 1 }];
        let cells = &mut self.cells[0];
        if let Some(single) = second.ords.single() {
            first.ords.count_pairs(axes[0], single, axes[1], &self.docs, cells)
        } else if let Some(single) = first.ords.single() {
            second.ords.count_pairs(axes[1], single, axes[0], &self.docs, cells)
        } else {
            false
        }
    }

    /// Counts one match in every combination of its values (combined fields).
    fn count_combinations(&mut self, doc: DocId) {
        for (index, decoded) in self.decoded.iter().enumerate() {
            let ords = &mut self.ords[index];
            ords.clear();
            if let Some(decoded) = decoded {
                decoded.ords.ords_of(doc, ords);
            }
            if ords.is_empty() {
                ords.push(self.widths[index] - 1);
            }
        }
        let cells = &mut self.cells[0];
        // Two dimensions (region x year, the dashboards' usual request): a plain double loop.
        if let [first, second] = &self.ords[..] {
            let width = self.widths[1];
            for &outer in first {
                let row = outer * width;
                for &inner in second {
                    cells[(row + inner) as usize] += 1;
                }
            }
            return;
        }
        // Any number: an odometer over the fields' ordinals, in a buffer kept between calls.
        let positions = &mut self.positions;
        positions.clear();
        positions.resize(self.ords.len(), 0);
        loop {
            let mut cell = 0_u64;
            for (index, ords) in self.ords.iter().enumerate() {
                cell = cell * self.widths[index] + ords[positions[index]];
            }
            cells[cell as usize] += 1;
            let mut field = self.ords.len();
            loop {
                if field == 0 {
                    return;
                }
                field -= 1;
                positions[field] += 1;
                if positions[field] < self.ords[field].len() {
                    break;
                }
                positions[field] = 0;
            }
        }
    }
}

impl SegmentCollector for CountSegmentCollector {
    type Fruit = Vec<Counts>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.docs.push(doc);
        if self.docs.len() == self.docs.capacity() {
            self.count_docs();
        }
    }

    fn harvest(mut self) -> Vec<Counts> {
        self.count_docs();
        // The last cell of a field (one past its values) counts the documents with none.
        let name = |field: usize, ord: u64| -> Option<String> {
            let decoded = self.decoded[field].as_ref()?;
            decoded.names.get(usize::try_from(ord).ok()?).cloned()
        };
        if !self.combined {
            return self
                .cells
                .iter()
                .enumerate()
                .map(|(field, table)| {
                    table
                        .iter()
                        .enumerate()
                        .filter(|(_, count)| **count > 0)
                        .map(|(ord, count)| (vec![name(field, ord as u64)], *count))
                        .collect()
                })
                .collect();
        }
        let mut counts = Counts::default();
        for (cell, &count) in self.cells[0].iter().enumerate().filter(|(_, count)| **count > 0) {
            let mut rest = cell as u64;
            let mut keys = vec![None; self.widths.len()];
            for field in (0..self.widths.len()).rev() {
                keys[field] = name(field, rest % self.widths[field]);
                rest /= self.widths[field];
            }
            counts.insert(keys, count);
        }
        vec![counts]
    }
}
