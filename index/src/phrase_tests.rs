//! Tests of [`super::PhraseScorer`]: its matches and scores against tantivy's phrase queries
//! (one per field, boosted, in a union), seeking against advancing, and windows.
use tantivy::query::{BooleanQuery, BoostQuery, EnableScoring, Occur, Query};
use tantivy::{DocSet, Term};

use super::{PhraseQuery, PhraseScorer};
use crate::word::tests::{advanced, seeks_land_where_advancing_does, windows_hand_over_what_advancing_finds};
use crate::{EventDocument, SearchIndex};

const WORDS: [&str; 6] = ["drug", "trafficking", "border", "police", "the", "of"];

/// `count` words drawn from [`WORDS`] by a fixed generator.
fn text(seed: &mut u64, count: usize) -> String {
    (0..count)
        .map(|_| {
            *seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            WORDS[(*seed >> 33) as usize % WORDS.len()]
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// 9,000 events over three windows, each text a run of six words in a fixed pseudo-random
/// order: descriptions of 0 to 300 words (so a term's positions cross blocks of 128 within
/// and between events), one in 29 ending with a rare word between two common ones (so a phrase
/// reads a common word's positions for a few of its events only), titles of 3 words, and
/// topics whose labels are separate values.
fn index() -> SearchIndex {
    let index = SearchIndex::in_memory();
    let mut writer = index.writer(50_000_000).unwrap();
    let mut seed = 7;
    for id in 0..9_000_u64 {
        let length = (id * 37 % 301) as usize;
        writer
            .upsert(&EventDocument {
                id,
                title: text(&mut seed, 3),
                description: (id % 13 != 0).then(|| {
                    let rare = if id % 29 == 0 { " drug precursor border" } else { "" };
                    format!("{}{rare}", text(&mut seed, length))
                }),
                topic_labels: vec![text(&mut seed, 1), text(&mut seed, 1)],
                ..Default::default()
            })
            .unwrap();
    }
    writer.commit(1, None).unwrap();
    writer.delete(4_321);
    writer.commit(2, None).unwrap();
    writer.merge_segments().unwrap();
    index.reload().unwrap();
    assert_eq!(index.searcher().segment_readers().len(), 1);
    index
}

#[test]
fn a_phrase_matches_and_scores_as_tantivys_phrase_queries_do() {
    let index = index();
    let searcher = index.searcher();
    let reader = searcher.segment_reader(0);
    let fields = index.fields();
    for scoring in [EnableScoring::enabled_from_searcher(&searcher), EnableScoring::disabled_from_searcher(&searcher)] {
        for phrase in [
            "drug trafficking",
            "trafficking drug",
            "drug drug",
            "border police drug",
            "of the of",
            "police border",
            "drug precursor",
            "precursor border",
            "drug precursor border",
        ] {
            let stems: Vec<String> = phrase.split(' ').map(crate::analyzer::stem_of).collect();
            let boosted: Vec<_> =
                fields.text_fields().iter().map(|field| (field.stemmed, field.weight * 3.0)).collect();
            let query = PhraseQuery { fields: boosted.clone(), stems: stems.clone() };
            let reference = BooleanQuery::new(
                boosted
                    .iter()
                    .map(|&(field, boost)| {
                        let terms = stems.iter().map(|stem| Term::from_field_text(field, stem)).collect();
                        let phrase = tantivy::query::PhraseQuery::new(terms);
                        (Occur::Should, Box::new(BoostQuery::new(Box::new(phrase), boost)) as Box<dyn Query>)
                    })
                    .collect(),
            );
            let weight = query.weight(scoring).unwrap();
            assert!(weight.scorer(reader, 1.0).unwrap().is::<PhraseScorer>(), "{phrase}");
            let found = advanced(&mut *weight.scorer(reader, 1.0).unwrap());
            let expected = advanced(&mut *reference.weight(scoring).unwrap().scorer(reader, 1.0).unwrap());
            assert!(found.len() > 100, "{phrase}: {} events", found.len());
            assert_eq!(found.len(), expected.len(), "{phrase}");
            for ((doc, score), (expected_doc, expected_score)) in found.iter().zip(&expected) {
                assert_eq!(doc, expected_doc, "{phrase}");
                // Without scoring, scores are never read (tantivy gives 1, this scorer 0).
                if scoring.is_scoring_enabled() {
                    assert!((score - expected_score).abs() < 1e-4, "{phrase}, doc {doc}: {score} vs {expected_score}");
                }
            }
            seeks_land_where_advancing_does(&*weight, reader, &found);
            windows_hand_over_what_advancing_finds(&*weight, reader);
        }
    }
}

#[test]
fn a_typed_phrase_is_searched_by_one_phrase_scorer() {
    let index = index();
    let searcher = index.searcher();
    let (query, _) = index.build_query("\"drug trafficking\"", &crate::SearchFilter::default());
    let weight = query.weight(EnableScoring::enabled_from_searcher(&searcher)).unwrap();
    assert!(weight.scorer(searcher.segment_reader(0), 1.0).unwrap().is::<PhraseScorer>());
}

#[test]
fn a_phrase_with_a_word_no_event_has_matches_nothing() {
    let index = index();
    let searcher = index.searcher();
    let fields = index.fields();
    let boosted = fields.text_fields().iter().map(|field| (field.stemmed, field.weight)).collect();
    let query = PhraseQuery { fields: boosted, stems: vec!["drug".into(), "nowhere".into()] };
    let weight = query.weight(EnableScoring::enabled_from_searcher(&searcher)).unwrap();
    assert_eq!(weight.scorer(searcher.segment_reader(0), 1.0).unwrap().doc(), tantivy::TERMINATED);
}

#[test]
fn a_segment_with_fields_nobody_filled_is_searched_for_phrases() {
    // A segment as committed, before any merge, has no positions for a field without text.
    let index = SearchIndex::in_memory();
    let mut writer = index.writer(15_000_000).unwrap();
    for (id, title) in [(1, "drug trafficking routes"), (2, "trafficking drug"), (3, "drug trafficking")] {
        writer.upsert(&EventDocument { id, title: title.to_string(), ..Default::default() }).unwrap();
    }
    writer.commit(1, None).unwrap();
    index.reload().unwrap();
    let (query, _) = index.build_query("\"drug trafficking\"", &crate::SearchFilter::default());
    assert_eq!(index.searcher().search(&*query, &tantivy::collector::Count).unwrap(), 2);
}
