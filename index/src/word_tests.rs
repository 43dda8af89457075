//! Tests of [`super::WordScorer`]: its matches and scores against tantivy's own union of the
//! exact fields plus the variants' boosts, and seeking against advancing.
use tantivy::collector::DocSetCollector;
use tantivy::query::{BooleanQuery, BoostQuery, EnableScoring, Occur, Query, TermQuery, Weight};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, DocId, DocSet, Score, SegmentReader, Term, TERMINATED};

use crate::query::word_query;
use crate::{EventDocument, SearchIndex};

/// 9,000 events over three windows: `border` in some titles, its typo `order` in some
/// descriptions, `boarder` (another typo) in some venues, `borders` (the same stem) in
/// some subtitles.
pub(crate) fn index() -> SearchIndex {
    let index = SearchIndex::in_memory();
    let mut writer = index.writer(30_000_000).unwrap();
    for id in 0..9_000_u64 {
        let pick = |every: u64, word: &str| if id % every == 0 { word.to_string() } else { "training".to_string() };
        writer
            .upsert(&EventDocument {
                id,
                title: format!("{} seminar {id}", pick(3, "border")),
                subtitle: Some(pick(11, "open borders")),
                description: Some(format!("public {} and safety", pick(5, "order"))),
                venue_text: vec![pick(7, "boarder house")],
                ..Default::default()
            })
            .unwrap();
    }
    writer.commit(1, None).unwrap();
    writer.merge_segments().unwrap();
    index.reload().unwrap();
    assert_eq!(index.searcher().segment_readers().len(), 1);
    index
}

/// Every (document, score) a scorer yields by advancing.
pub(crate) fn advanced(scorer: &mut dyn tantivy::query::Scorer) -> Vec<(DocId, Score)> {
    let mut all = Vec::new();
    while scorer.doc() != TERMINATED {
        all.push((scorer.doc(), scorer.score()));
        scorer.advance();
    }
    all
}

#[test]
fn a_word_scores_its_exact_fields_and_variants_and_seeks_as_it_advances() {
    let index = index();
    let searcher = index.searcher();
    let reader = searcher.segment_reader(0);
    let fields = index.fields();
    let scoring = EnableScoring::enabled_from_searcher(&searcher);
    let (word, _) = word_query(fields, "border", "border", true, false, &Default::default());
    let weight = word.weight(scoring).unwrap();
    let all = advanced(&mut *weight.scorer(reader, 1.0).unwrap());

    // The exact part, as tantivy scores a union of boosted term queries.
    let exact = BooleanQuery::new(
        fields
            .text_fields()
            .iter()
            .map(|field| {
                let term = TermQuery::new(Term::from_field_text(field.stemmed, "border"), IndexRecordOption::WithFreqs);
                (Occur::Should, Box::new(BoostQuery::new(Box::new(term), field.weight * 3.0)) as Box<dyn Query>)
            })
            .collect(),
    );
    let expected_exact = advanced(&mut *exact.weight(scoring).unwrap().scorer(reader, 1.0).unwrap());
    let id_of = |doc: DocId| {
        let ids = reader.fast_fields().u64("id").unwrap();
        ids.first(doc).unwrap()
    };
    let mut expected: Vec<(DocId, Score)> = Vec::new();
    let mut exact_scores = expected_exact.into_iter().peekable();
    for doc in 0..reader.max_doc() {
        let id = id_of(doc);
        let exact = match exact_scores.peek() {
            Some(&(exact_doc, score)) if exact_doc == doc => {
                exact_scores.next();
                Some(score)
            }
            _ => None,
        };
        // `order` in the description (weight 1) and `boarder` in the venue (0.8), at 0.4.
        let variant = if id % 5 == 0 { 0.4 } else { 0.0 } + if id % 7 == 0 { 0.8 * 0.4 } else { 0.0 };
        if exact.is_some() || variant > 0.0 {
            expected.push((doc, exact.unwrap_or(0.0) + variant));
        }
    }
    assert_eq!(all.len(), expected.len());
    for ((doc, score), (expected_doc, expected_score)) in all.iter().zip(&expected) {
        assert_eq!(doc, expected_doc);
        assert!((score - expected_score).abs() < 1e-4, "doc {doc}: {score} vs {expected_score}");
    }
    assert!(all.len() > 4_000 && all.last().unwrap().0 > 8_000, "the matches span three windows");

    seeks_land_where_advancing_does(&*weight, reader, &all);
    windows_hand_over_what_advancing_finds(&*weight, reader);

    // Without scores (stats), the same documents.
    let unscored = word.weight(EnableScoring::disabled_from_searcher(&searcher)).unwrap();
    let docs: Vec<DocId> =
        advanced(&mut *unscored.scorer(reader, 1.0).unwrap()).into_iter().map(|(doc, _)| doc).collect();
    assert_eq!(docs, all.iter().map(|(doc, _)| *doc).collect::<Vec<_>>());
    let collected = searcher.search(&word, &DocSetCollector).unwrap();
    assert_eq!(collected.len(), all.len());
    assert!(collected.contains(&DocAddress::new(0, all[0].0)));
}

/// Seeking lands where advancing does (`all`), with the same score, whatever the stride, and
/// with advances between seeks as an intersection makes.
pub(crate) fn seeks_land_where_advancing_does(weight: &dyn Weight, reader: &SegmentReader, all: &[(DocId, Score)]) {
    for stride in [1, 2, 63, 64, 65, 1_000, 4_095, 4_096, 5_000] {
        let mut scorer = weight.scorer(reader, 1.0).unwrap();
        let mut target = 0;
        while target < reader.max_doc() + 10 && scorer.doc() != TERMINATED {
            let from = target.max(scorer.doc());
            let landed = scorer.seek(from);
            match all.iter().find(|(doc, _)| *doc >= from) {
                Some(&(doc, score)) => {
                    assert_eq!(landed, doc, "stride {stride}, target {target}");
                    assert!((scorer.score() - score).abs() < 1e-6, "stride {stride}, target {target}");
                }
                None => assert_eq!(landed, TERMINATED, "stride {stride}, target {target}"),
            }
            // An advance between seeks, as an intersection does.
            if stride % 2 == 1 && landed != TERMINATED {
                let next = scorer.advance();
                let want = all.iter().find(|(doc, _)| *doc > landed).map_or(TERMINATED, |(doc, _)| *doc);
                assert_eq!(next, want);
            }
            target += stride;
        }
    }
}

/// Matches handed over a window at a time ([`crate::words::for_each_windowed`], as a range of
/// a segment is collected) are those advancing finds in the range, with their scores, and the
/// scorer is left on the first match after it, wherever the range starts and ends.
pub(crate) fn windows_hand_over_what_advancing_finds(weight: &dyn Weight, reader: &SegmentReader) {
    let all = advanced(&mut *weight.scorer(reader, 1.0).unwrap());
    for start in [0, 70, 4_100] {
        for end in [0, 1, 63, 64, 100, 4_095, 4_096, 5_000, 8_999, 9_000, TERMINATED] {
            let mut scorer = weight.scorer(reader, 1.0).unwrap();
            scorer.seek(start);
            let mut found = Vec::new();
            assert!(crate::words::for_each_windowed(&mut *scorer, end, &mut |doc, score| found.push((doc, score))));
            let expected: Vec<_> = all.iter().filter(|(doc, _)| (start..end).contains(doc)).collect();
            assert_eq!(found.len(), expected.len(), "from {start} to {end}");
            for ((doc, score), (expected_doc, expected_score)) in found.iter().zip(expected) {
                assert_eq!(doc, expected_doc, "from {start} to {end}");
                assert!((score - expected_score).abs() < 1e-6, "from {start} to {end}, doc {doc}");
            }
            let next = all.iter().find(|(doc, _)| *doc >= end.max(start)).map_or(TERMINATED, |(doc, _)| *doc);
            assert_eq!(scorer.doc(), next, "from {start} to {end}");
        }
    }
}
