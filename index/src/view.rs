//! What the index holds of one event for filtering, read back from its columns: after the
//! event is deleted from the database, this is the only record of which subscribers' filters
//! it passed.

use chrono::DateTime as ChronoDateTime;
use tantivy::columnar::StrColumn;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, SegmentReader, Term, TERMINATED};

use crate::document::EventDocument;
use crate::search::{IndexError, SearchIndex};

/// Every value of `doc` in a string column (none when the segment has no such column).
fn strings(reader: &SegmentReader, field: &str, doc: DocId) -> Result<Vec<String>, IndexError> {
    let Some(column): Option<StrColumn> = reader.fast_fields().str(field)? else { return Ok(Vec::new()) };
    let mut values = Vec::new();
    for ord in column.term_ords(doc) {
        let mut value = String::new();
        if column.ord_to_str(ord, &mut value)? {
            values.push(value);
        }
    }
    Ok(values)
}

fn date(reader: &SegmentReader, field: &str, doc: DocId) -> Result<Option<chrono::NaiveDate>, IndexError> {
    let column = reader.fast_fields().date(field)?;
    Ok(column
        .first(doc)
        .and_then(|date| ChronoDateTime::from_timestamp(date.into_timestamp_secs(), 0))
        .map(|time| time.date_naive()))
}

impl SearchIndex {
    /// The event `id` as the searchable index holds it, with what filters look at (countries,
    /// regions, topics, audiences, its own organizer, type and dates) and nothing else: no text,
    /// and only the organizer itself, not the units above it. `None` when the index does not
    /// hold it.
    pub fn filter_view(&self, id: u64) -> Result<Option<EventDocument>, IndexError> {
        let searcher = self.searcher();
        let term = Term::from_field_u64(self.fields().id, id);
        for reader in searcher.segment_readers() {
            let inverted = reader.inverted_index(self.fields().id)?;
            let Some(mut postings) = inverted.read_postings(&term, IndexRecordOption::Basic)? else { continue };
            let mut doc = postings.doc();
            while doc != TERMINATED {
                if reader.alive_bitset().is_none_or(|alive| alive.is_alive(doc)) {
                    return Ok(Some(view(reader, id, doc)?));
                }
                doc = postings.advance();
            }
        }
        Ok(None)
    }
}

fn view(reader: &SegmentReader, id: u64, doc: DocId) -> Result<EventDocument, IndexError> {
    let venue_country = strings(reader, "venue_country", doc)?.pop();
    // The column holds the participating countries and the venue's.
    let countries = strings(reader, "country", doc)?;
    Ok(EventDocument {
        id,
        countries,
        venue_country,
        regions_un: strings(reader, "region_un", doc)?,
        regions_subregion: strings(reader, "region_subregion", doc)?,
        regions_osce: strings(reader, "region_osce", doc)?,
        topic_slugs: strings(reader, "topic", doc)?,
        audience_slugs: strings(reader, "audience", doc)?,
        organizer_ids: strings(reader, "organizer_id", doc)?.iter().filter_map(|id| id.parse().ok()).collect(),
        event_type: strings(reader, "event_type", doc)?.pop(),
        start_date: date(reader, "start_date", doc)?,
        added_on: date(reader, "added_on", doc)?,
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use crate::{EventDocument, SearchFilter, SearchIndex};

    #[test]
    fn a_view_passes_the_filters_its_document_passes() {
        let index = SearchIndex::in_memory();
        let mut writer = index.writer(15_000_000).unwrap();
        let document = EventDocument {
            id: 7,
            title: "Border management course".to_string(),
            countries: vec!["KZ".to_string(), "TJ".to_string()],
            venue_country: Some("AT".to_string()),
            regions_subregion: vec!["143".to_string(), "155".to_string()],
            topic_slugs: vec!["border-management".to_string()],
            audience_slugs: vec!["border-guards".to_string()],
            organizer_ids: vec![12, 3],
            event_type: Some("training".to_string()),
            start_date: NaiveDate::from_ymd_opt(2019, 5, 14),
            added_on: NaiveDate::from_ymd_opt(2020, 1, 2),
            ..Default::default()
        };
        writer.upsert(&EventDocument { id: 8, title: "Another".to_string(), ..Default::default() }).unwrap();
        writer.upsert(&document).unwrap();
        writer.commit(2, None).unwrap();
        index.reload().unwrap();
        let view = index.filter_view(7).unwrap().expect("the index holds event 7");
        let date = |year, month, day| NaiveDate::from_ymd_opt(year, month, day);
        let filters = [
            SearchFilter { countries: vec!["TJ".into()], ..Default::default() },
            SearchFilter { countries: vec!["AT".into()], ..Default::default() },
            SearchFilter { countries: vec!["AL".into()], ..Default::default() },
            SearchFilter { venue_countries: vec!["AT".into()], ..Default::default() },
            SearchFilter { venue_countries: vec!["KZ".into()], ..Default::default() },
            SearchFilter { regions: vec!["155".into()], ..Default::default() },
            SearchFilter { regions: vec!["039".into()], ..Default::default() },
            SearchFilter { topics: vec!["border-management".into()], ..Default::default() },
            SearchFilter { topics: vec!["cybercrime".into()], ..Default::default() },
            SearchFilter { audiences: vec!["border-guards".into()], ..Default::default() },
            SearchFilter { organizers: vec![12], ..Default::default() },
            SearchFilter { organizers: vec![4], ..Default::default() },
            SearchFilter { event_types: vec!["training".into()], ..Default::default() },
            SearchFilter { start_date: Some((date(2019, 1, 1), date(2019, 12, 31))), ..Default::default() },
            SearchFilter { start_date: Some((date(2020, 1, 1), None)), ..Default::default() },
            SearchFilter { added_on: Some((None, date(2020, 1, 2))), ..Default::default() },
        ];
        for filter in filters {
            assert_eq!(filter.matches(&view), filter.matches(&document), "{filter:?}");
        }
        assert_eq!(view.organizer_ids, [12], "its own organizer only");
        assert!(index.filter_view(9).unwrap().is_none());

        writer.delete(7);
        writer.commit(3, None).unwrap();
        index.reload().unwrap();
        assert!(index.filter_view(7).unwrap().is_none(), "deleted");
    }
}
