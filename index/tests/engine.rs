//! The engine on its own: documents in, searches out, no database.

use convene_index::{EventDocument, FacetField, SearchFilter, SearchIndex, SearchRequest};

fn corpus() -> SearchIndex {
    let index = SearchIndex::in_memory();
    let mut writer = index.writer(15_000_000).unwrap();
    let documents = [
        (
            1,
            "Workshop on chemical precursors control",
            "Experts discussed illicit drugs and their precursors.",
            vec!["TR"],
        ),
        (2, "Conference on border management", "Border guards met in Dushanbe.", vec!["TJ", "KZ"]),
        (3, "Drug policy round table", "A round table.", vec![]),
    ];
    for (id, title, description, countries) in documents {
        writer
            .upsert(&EventDocument {
                id,
                title: title.to_string(),
                description: Some(description.to_string()),
                countries: countries.iter().map(|code| code.to_string()).collect(),
                ..Default::default()
            })
            .unwrap();
    }
    writer.commit(3, None).unwrap();
    index.reload().unwrap();
    index
}

fn ids(index: &SearchIndex, text: &str) -> Vec<u64> {
    let request = SearchRequest { query: text.to_string(), limit: 10, ..Default::default() };
    index.search(&request).unwrap().hits.iter().map(|hit| hit.id).collect()
}

/// Event 2 moves to Türkiye and event `gone` is deleted, committed and reloaded: a new segment,
/// and deletions in the old one. The writer stays open for merging.
fn move_event_2_to_turkiye_and_delete(index: &SearchIndex, gone: u64) -> convene_index::EventWriter {
    let mut writer = index.writer(15_000_000).unwrap();
    writer
        .upsert(&EventDocument {
            id: 2,
            title: "Conference on border management".to_string(),
            countries: vec!["TR".to_string()],
            ..Default::default()
        })
        .unwrap();
    writer.delete(gone);
    writer.commit(5, None).unwrap();
    index.reload().unwrap();
    writer
}

#[test]
fn words_stems_typos_and_prefixes_match() {
    let index = corpus();
    assert_eq!(index.applied_seq(), Some(3));
    assert_eq!(ids(&index, "precursors"), [1]);
    assert_eq!(ids(&index, "precurs"), [1]);
    assert_eq!(ids(&index, "chemcal"), [1]);
    assert_eq!(ids(&index, "drug"), [3, 1]);
    assert_eq!(ids(&index, "border management"), [2]);
    assert!(ids(&index, "nothing like this").is_empty());
}

#[test]
fn facets_count_every_match_with_a_missing_bucket() {
    let index = corpus();
    let request =
        SearchRequest { query: String::new(), limit: 1, facets: vec![FacetField::Country], ..Default::default() };
    let results = index.search(&request).unwrap();
    assert_eq!(results.total_hits, 3);
    assert_eq!(
        results.facets[0].buckets,
        [(Some("KZ".to_string()), 1), (Some("TJ".to_string()), 1), (Some("TR".to_string()), 1), (None, 1)]
    );
}

#[test]
fn an_excluded_word_excludes_its_forms_but_not_its_typos() {
    let index = corpus();
    assert_eq!(ids(&index, "round -tables"), Vec::<u64>::new(), "a stem of the excluded word");
    // `cable` is one edit from `table`: a typo forgiven when searched, not when excluded.
    assert_eq!(ids(&index, "cable"), [3]);
    assert_eq!(ids(&index, "round -cable"), [3]);
}

#[test]
fn stats_group_by_several_dimensions() {
    let index = corpus();
    let filter = convene_index::SearchFilter::default();
    let stats = index.stats("", &filter, &[FacetField::Country, FacetField::Topic]).unwrap();
    assert_eq!(stats.total, 3);
    assert_eq!(
        stats.buckets,
        [
            (vec![Some("KZ".to_string()), None], 1),
            (vec![Some("TJ".to_string()), None], 1),
            (vec![Some("TR".to_string()), None], 1),
            (vec![None, None], 1),
        ]
    );
}

#[test]
fn counting_from_columns_agrees_with_aggregations() {
    // Several values per dimension, and gaps, so every combination path is exercised.
    let index = SearchIndex::in_memory();
    let mut writer = index.writer(15_000_000).unwrap();
    let countries = [vec!["TR"], vec!["TJ", "KZ"], vec![], vec!["KZ", "TR", "UZ"], vec!["UZ"]];
    let topics = [vec!["policing"], vec![], vec!["border-management", "policing"], vec!["cybercrime"], vec![]];
    for (position, (countries, topics)) in countries.iter().zip(&topics).enumerate() {
        let start = chrono::NaiveDate::from_ymd_opt(2010 + position as i32 % 3, 5, 1);
        writer
            .upsert(&EventDocument {
                id: position as u64 + 1,
                title: format!("Event {position}"),
                countries: countries.iter().map(|code| code.to_string()).collect(),
                topic_slugs: topics.iter().map(|slug| slug.to_string()).collect(),
                start_date: start.filter(|_| position != 4),
                ..Default::default()
            })
            .unwrap();
    }
    writer.commit(5, None).unwrap();
    index.reload().unwrap();
    let filter = convene_index::SearchFilter::default();
    for group_by in [
        vec![FacetField::Country],
        vec![FacetField::Country, FacetField::Year],
        vec![FacetField::Year, FacetField::Topic],
        vec![FacetField::Country, FacetField::Year, FacetField::Topic],
    ] {
        let fast = index.stats("", &filter, &group_by).unwrap();
        let (query, _) = index.build_query("", &filter);
        let slow = index.stats_by_aggregation(&*query, &group_by).unwrap();
        assert_eq!(fast, slow, "{group_by:?}");
    }
}

#[test]
fn facet_counts_follow_updates_and_deletes_after_a_reload() {
    let index = corpus();
    let countries = |index: &SearchIndex| {
        let request = SearchRequest { limit: 10, facets: vec![FacetField::Country], ..Default::default() };
        let mut buckets = index.search(&request).unwrap().facets.remove(0).buckets;
        buckets.sort();
        buckets
    };
    let some = |code: &str, count: u64| (Some(code.to_string()), count);
    // What a segment's list of values holds: each value and its `String`.
    let names = |codes: &[&str]| codes.iter().map(|code| code.len() + size_of::<String>()).sum::<usize>();
    assert_eq!(countries(&index), [(None, 1), some("KZ", 1), some("TJ", 1), some("TR", 1)]);
    // 3 documents, 3 countries, some with two: one byte of bits per document, and the names.
    let first = 3 + names(&["KZ", "TJ", "TR"]);
    assert_eq!(index.cached_bytes(), first);

    // Event 2 moves to Türkiye and event 3 goes: a new segment, and deletions in the old one.
    let mut writer = move_event_2_to_turkiye_and_delete(&index, 3);
    assert_eq!(countries(&index), [some("TR", 2)]);
    // The new segment's one document has one country: one byte for its ordinal.
    assert_eq!(index.cached_bytes(), first + 1 + names(&["TR"]), "the old segment's and the new one's");

    // Merged into one segment, the retired segments' ordinals are dropped.
    writer.merge_segments().unwrap();
    index.reload().unwrap();
    assert_eq!(index.searcher().segment_readers().len(), 1);
    assert_eq!(countries(&index), [some("TR", 2)]);
    assert_eq!(index.cached_bytes(), 2 + names(&["TR"]), "only the merged segment's");
}

#[test]
fn date_pages_walk_ties_and_missing_dates_without_repeats_or_gaps() {
    use convene_index::{DateField, DateKey, DateOrder};
    let index = SearchIndex::in_memory();
    let mut writer = index.writer(15_000_000).unwrap();
    // Dates with ties larger than a page, and events without a date.
    let days = [Some(3), Some(1), None, Some(3), Some(2), Some(3), None, Some(1), Some(3), Some(2), Some(1), Some(3)];
    for (position, day) in days.iter().enumerate() {
        let date = day.map(|day| chrono::NaiveDate::from_ymd_opt(2020, 1, day).unwrap());
        let document =
            EventDocument { id: position as u64 + 1, title: "Event".into(), start_date: date, ..Default::default() };
        writer.upsert(&document).unwrap();
    }
    writer.commit(1, None).unwrap();
    index.reload().unwrap();
    let filter = convene_index::SearchFilter::default();
    for descending in [true, false] {
        // Expected: by date in the order, ties by id the same way, missing dates last.
        let mut expected: Vec<(Option<u32>, u64)> =
            days.iter().enumerate().map(|(position, day)| (*day, position as u64 + 1)).collect();
        expected.sort_by(|left, right| match (left.0, right.0) {
            (Some(a), Some(b)) if descending => b.cmp(&a).then(right.1.cmp(&left.1)),
            (Some(a), Some(b)) => a.cmp(&b).then(left.1.cmp(&right.1)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) if descending => right.1.cmp(&left.1),
            (None, None) => left.1.cmp(&right.1),
        });
        let expected: Vec<u64> = expected.into_iter().map(|(_, id)| id).collect();
        let mut walked = Vec::new();
        let mut after: Option<DateKey> = None;
        loop {
            let order = DateOrder { field: DateField::StartDate, descending, reverse: false, after, limit: 3 };
            let (page, total) = index.list_by_date(&filter, order).unwrap();
            assert_eq!(total, days.len() as u64);
            if page.is_empty() {
                break;
            }
            walked.extend(page.iter().map(|key| key.id));
            after = page.last().copied();
        }
        assert_eq!(walked, expected, "descending: {descending}");
    }
}

#[test]
fn kept_filters_follow_updates_and_deletes_after_a_reload() {
    let index = corpus();
    let in_turkiye = |index: &SearchIndex| {
        let filter = SearchFilter { countries: vec!["TR".to_string()], ..Default::default() };
        let request = SearchRequest { limit: 10, filter, ..Default::default() };
        let mut found: Vec<u64> = index.search(&request).unwrap().hits.iter().map(|hit| hit.id).collect();
        found.sort();
        found
    };
    assert_eq!(in_turkiye(&index), [1]);
    assert_eq!(index.cached_filters(), 1);
    assert_eq!(in_turkiye(&index), [1], "the same answer from the kept set");
    assert_eq!(index.cached_filters(), 1);

    // Event 2 moves to Türkiye and event 1 goes: a new segment, and deletions in the old one
    // (whose kept set still holds event 1).
    let mut writer = move_event_2_to_turkiye_and_delete(&index, 1);
    assert_eq!(in_turkiye(&index), [2]);
    assert_eq!(index.cached_filters(), 2, "the old segment's set and the new one's");

    writer.merge_segments().unwrap();
    index.reload().unwrap();
    assert_eq!(index.cached_filters(), 0, "the retired segments' sets are dropped");
    assert_eq!(in_turkiye(&index), [2]);
    assert_eq!(index.cached_filters(), 1);
}

/// An index of `count` segments, one event each ("Course 1", …), committed at `count`.
fn one_event_per_segment(count: u64) -> (SearchIndex, convene_index::EventWriter) {
    let index = SearchIndex::in_memory();
    let mut writer = index.writer(15_000_000).unwrap();
    writer.keep_segments();
    for id in 1..=count {
        writer.upsert(&EventDocument { id, title: format!("Course {id}"), ..Default::default() }).unwrap();
        writer.commit(id as i64, None).unwrap();
    }
    index.reload().unwrap();
    (index, writer)
}

#[test]
fn a_bulk_load_of_more_segments_than_search_threads_ends_in_one_per_thread() {
    let segments = |index: &SearchIndex| index.searcher().segment_readers().len();
    let threads = SearchIndex::in_memory().search_threads();
    let many = threads as u64 + 2;
    let (index, writer) = one_event_per_segment(many);
    assert_eq!(segments(&index), many as usize);
    assert_eq!(writer.commit_merged(99, Some("last")).unwrap(), many as usize, "segments merged");
    index.reload().unwrap();
    assert_eq!(segments(&index), threads);
    let sizes: Vec<u32> = index.searcher().segment_readers().iter().map(|reader| reader.num_docs()).collect();
    assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1, "as many events each: {sizes:?}");
    assert_eq!((index.applied_seq(), index.applied_change()), (Some(99), Some("last".to_string())));
    let found = index.search(&SearchRequest { query: "course".into(), ..Default::default() }).unwrap();
    assert_eq!(found.total_hits, many, "every event is still found");

    // No more segments than threads: each thread searches one, nothing to gain from merging.
    let (index, writer) = one_event_per_segment(threads as u64);
    assert_eq!(writer.commit_merged(99, None).unwrap(), 0);
    index.reload().unwrap();
    assert_eq!(segments(&index), threads);
}

#[test]
fn kept_typo_variants_follow_new_events_and_retired_segments() {
    let index = corpus();
    assert_eq!(index.cached_bytes(), 0);
    assert_eq!(ids(&index, "bordr guards"), [2]);
    let kept = index.cached_bytes();
    assert!(kept > 0, "the variants of `bordr` are kept");
    assert_eq!(ids(&index, "bordr guards"), [2], "the same answer from the kept terms");
    assert_eq!(index.cached_bytes(), kept, "nothing walked again");

    // A new event in a new segment, found by the same typo beside the kept segment's terms.
    let mut writer = index.writer(15_000_000).unwrap();
    let event = EventDocument { id: 4, title: "Border guards training".to_string(), ..Default::default() };
    writer.upsert(&event).unwrap();
    writer.delete(2);
    writer.commit(4, None).unwrap();
    index.reload().unwrap();
    assert_eq!(ids(&index, "bordr guards"), [4]);

    writer.merge_segments().unwrap();
    index.reload().unwrap();
    assert_eq!(index.cached_bytes(), 0, "the retired segments' terms are dropped");
    assert_eq!(ids(&index, "bordr guards"), [4]);
}

/// A hit gives back what its event keeps (`source`) when the search asks for it, from
/// whichever segment holds it, and nothing for an event that keeps none.
#[test]
fn hits_give_back_their_sources_when_asked() {
    let index = SearchIndex::in_memory();
    let mut writer = index.writer(15_000_000).unwrap();
    let kept = |id: u64| format!("{{\"row\": {id}}}");
    for id in 1..=3 {
        let source = if id == 3 { String::new() } else { kept(id) };
        writer
            .upsert(&EventDocument { id, title: format!("Border course {id}"), source, ..Default::default() })
            .unwrap();
        // One segment per event, so the page spans segments.
        writer.commit(id as i64, None).unwrap();
    }
    index.reload().unwrap();
    let mut request = SearchRequest { query: "border".into(), limit: 10, ..Default::default() };
    let sources = |request: &SearchRequest| {
        let mut hits: Vec<(u64, String)> =
            index.search(request).unwrap().hits.into_iter().map(|hit| (hit.id, hit.source)).collect();
        hits.sort();
        hits
    };
    assert_eq!(sources(&request), [(1, String::new()), (2, String::new()), (3, String::new())], "not asked");
    request.sources = true;
    assert_eq!(sources(&request), [(1, kept(1)), (2, kept(2)), (3, String::new())]);
}

/// After a bulk load's final merge, the folder holds the files of the live segments only: the
/// merged segments' files went, although the loader's reader held them during the merge.
#[test]
fn a_merged_load_leaves_no_files_of_merged_segments() {
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::create(dir.path()).unwrap();
    let segments_on_disk = || {
        let mut ids: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|entry| entry.unwrap().file_name().to_str()?.strip_suffix(".store").map(str::to_string))
            .collect();
        ids.sort();
        ids
    };
    let mut writer = index.writer(15_000_000).unwrap();
    let segments = index.search_threads() + 2;
    for id in 1..=segments as u64 {
        writer.upsert(&EventDocument { id, title: format!("Course {id}"), ..Default::default() }).unwrap();
        writer.commit(id as i64, None).unwrap();
        index.reload().unwrap();
    }
    assert_eq!(segments_on_disk().len(), segments);
    assert!(writer.commit_merged(segments as i64, None).unwrap() > 0, "segments were merged");
    index.reload().unwrap();
    index.collect_garbage().unwrap();
    let mut live: Vec<String> =
        index.searcher().segment_readers().iter().map(|reader| reader.segment_id().uuid_string()).collect();
    live.sort();
    assert!(live.len() <= index.search_threads());
    assert_eq!(segments_on_disk(), live);
    assert_eq!(index.len(), segments as u64, "every event is still found");
}
