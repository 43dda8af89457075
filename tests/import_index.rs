//! `convene import` indexes what it stores in the same process, from the events its batches
//! hand over rather than read back: the index it leaves answers as one rebuilt from the
//! database does.

use std::time::Duration;

use convene::catalog::entity::event::Model;
use convene::search::{ImportIndexing, IndexLocation};
use convene_index::{FacetField, SearchIndex, SearchRequest};

use crate::db_test;
use crate::support::{import, TestDb};

const FACETS: [FacetField; 11] = [
    FacetField::Country,
    FacetField::VenueCountry,
    FacetField::RegionUn,
    FacetField::RegionSubregion,
    FacetField::RegionOsce,
    FacetField::Topic,
    FacetField::Organizer,
    FacetField::Audience,
    FacetField::EventType,
    FacetField::Year,
    FacetField::Month,
];

/// What a user sees of a search: the total, which events (scores aside: an update leaves a
/// deleted document behind until merged, which shifts them) with the rows they show, and
/// every facet.
fn answer(index: &SearchIndex, text: &str) -> (u64, Vec<(u64, Option<Model>)>, String) {
    let request = SearchRequest {
        query: text.into(),
        limit: 1_000,
        facets: FACETS.to_vec(),
        sources: true,
        ..Default::default()
    };
    let results = index.search(&request).expect("the search runs");
    let mut hits: Vec<(u64, Option<Model>)> =
        results.hits.iter().map(|hit| (hit.id, convene::search::documents::row_of(&hit.source))).collect();
    hits.sort_unstable_by_key(|(id, _)| *id);
    (results.total_hits, hits, format!("{:?}", results.facets))
}

async fn an_import_indexes_what_it_stores_as_a_rebuild_would(db: &TestDb) {
    let catalog = db.catalog().await;
    // Stored before the import: an event it updates, and the label its topic keeps.
    import(
        &catalog,
        r#"{"source_url": "s:old", "title": "Old harbour seminar", "countries": ["KZ"], "topics": ["Border Management"], "venue": {"city": "Almaty", "country": "KZ"}}"#,
    )
    .await;
    let mut lines: Vec<String> =
        convene::generate::generate(60, 7).map(|record| serde_json::to_string(&record).unwrap()).collect();
    lines.insert(
        20,
        r#"{"source_url": "s:old", "title": "Renamed harbour seminar", "countries": ["KG", "TJ"], "topics": ["border management", "Maritime safety"], "audiences": ["Customs officers"], "organizer": ["OSCE", "Secretariat", "Border Unit"], "venue": {"city": "Bishkek", "country": "KG"}}"#.into(),
    );

    let location = IndexLocation::new(db.dir.path().join("import-index"));
    let indexing = ImportIndexing::start(&catalog, location.clone()).await.expect("the index opens");
    let handoff = indexing.handoff().expect("no other process holds the index");
    let importing = catalog.clone().with_handoff(handoff.clone());
    let report = convene::commands::import_lines(&importing, lines.join("\n").as_bytes(), 7).await.unwrap();
    assert_eq!((report.imported, report.updated, report.rejected.len()), (60, 1, 0));
    let seq = catalog.last_change_seq().await.unwrap();
    indexing.finish(seq, Duration::from_secs(30)).await.expect("the import becomes searchable");
    assert!(handoff.taken() > 0, "the follower indexed handed-over events instead of reading them all back");

    let imported = SearchIndex::open(&location.current().unwrap()).unwrap().expect("the import's index");
    let rebuilt_dir = db.dir.path().join("rebuilt-index");
    let rebuilt = convene::search::build(&catalog, &rebuilt_dir).await.expect("a rebuild from the database");
    // An import, like a rebuild, leaves no more segments than search threads: each one more
    // would cost every search its own term lookups.
    for (index, what) in [(&imported, "import"), (&rebuilt, "rebuild")] {
        let segments = index.searcher().segment_readers().len();
        assert!(segments <= index.search_threads(), "{segments} segments after the {what}");
    }
    let everything = answer(&imported, "");
    assert_eq!(everything.0, 61, "every event is indexed once");
    // Each hit shows its event's row exactly as the database holds it (the rebuild's rows are
    // read from it), the updated event's included, to the microsecond of its timestamps.
    assert!(everything.1.iter().all(|(_, row)| row.is_some()), "every hit keeps its row");
    for text in ["", "renamed harbour", "old", "bishkek", "almaty", "border unit", "customs", "maritime", "drugs"] {
        assert_eq!(answer(&imported, text), answer(&rebuilt, text), "search {text:?}");
    }
    assert_eq!(answer(&imported, "renamed harbour").0, 1, "the update replaced the stored event");
    assert_eq!(answer(&imported, "almaty").0, 0, "the old venue is gone");
}
db_test!(an_import_indexes_what_it_stores_as_a_rebuild_would);
