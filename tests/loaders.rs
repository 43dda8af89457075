//! DataLoaders: a page of 50 events with every nested field costs the same statements as 5.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use convene::catalog::Catalog;
use serde_json::json;

use crate::db_test;
use crate::support::{import, query, schema, TestDb};

const PAGE_WITH_EVERYTHING: &str = "query($first: Int) { events(first: $first) { totalCount edges { node {
    title organizer { name path parent { name } } venue { name country { code region { code } } }
    countries { code name region { code name } osce: region(scheme: OSCE) { code } }
    topics { slug } audiences { slug } } } } }";

async fn statements_for_page(db: &TestDb, first: usize) -> usize {
    let counter = Arc::new(AtomicUsize::new(0));
    let mut connection = convene::db::connect(&db.url).await.unwrap();
    let seen = counter.clone();
    connection.set_metric_callback(move |_| {
        seen.fetch_add(1, Ordering::SeqCst);
    });
    let catalog = Catalog::new(connection).await.unwrap();
    let schema = schema(db, &catalog).await;
    counter.store(0, Ordering::SeqCst);
    let data = query(&schema, PAGE_WITH_EVERYTHING, json!({"first": first})).await;
    assert_eq!(data["events"]["edges"].as_array().unwrap().len(), first);
    counter.load(Ordering::SeqCst)
}

async fn nested_fields_are_batched(db: &TestDb) {
    let catalog = db.catalog().await;
    let records: Vec<String> =
        convene::generate::generate(80, 3).map(|record| serde_json::to_string(&record).unwrap()).collect();
    let report = import(&catalog, &records.join("\n")).await;
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    // Start the index on this catalogue first, so its follower's polling is not counted.
    schema(db, &catalog).await;

    let small = statements_for_page(db, 5).await;
    let large = statements_for_page(db, 50).await;
    assert_eq!(small, large, "a page of 50 must cost what a page of 5 does");
    // events, count, organizers, venues, countries, topics, audiences
    assert!(large <= 7, "{large} statements for a page");
}
db_test!(nested_fields_are_batched);
