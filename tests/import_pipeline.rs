//! Imports of many small batches, which PostgreSQL writes two at a time: later lines win over
//! earlier ones in other batches, the change log follows the input's order (also around a batch
//! of bad lines only), new events are numbered in input order, and rows one batch inserts serve
//! the next without duplicates or dangling references. SQLite writes the same inputs one batch
//! at a time and must give the same catalogue.

use serde_json::{json, Value};

use crate::db_test;
use crate::support::{query, schema, sql_rows as rows, TestDb};

async fn import_in_batches(catalog: &convene::catalog::Catalog, lines: &[String], batch: usize) {
    let report =
        convene::commands::import_lines(catalog, lines.join("\n").as_bytes(), batch).await.expect("import runs");
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
}

async fn titles_by_source(db: &TestDb, catalog: &convene::catalog::Catalog) -> Value {
    let data = query(
        &schema(db, catalog).await,
        "{ events(first: 100, orderBy: TITLE_ASC) { totalCount nodes { sourceUrl title organizer { path } venue { name } topics { label } } } }",
        json!({}),
    )
    .await;
    data["events"].clone()
}

async fn consecutive_batches_writing_the_same_events_keep_the_later_lines(db: &TestDb) {
    let catalog = db.catalog().await;
    // Four events, each written again by every batch of three after the first: batches in
    // flight together update the same rows.
    let lines: Vec<String> =
        (0..30).map(|line| format!(r#"{{"source_url": "same:{}", "title": "Version {line:02}"}}"#, line % 4)).collect();
    import_in_batches(&catalog, &lines, 3).await;
    let events = titles_by_source(db, &catalog).await;
    assert_eq!(events["totalCount"], 4);
    let titles: Vec<&str> =
        events["nodes"].as_array().unwrap().iter().map(|event| event["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Version 26", "Version 27", "Version 28", "Version 29"]);
    let search = query(&schema(db, &catalog).await, r#"{ search(query: "version") { totalHits } }"#, json!({})).await;
    assert_eq!(search["search"]["totalHits"], 4, "the index holds the latest versions only");
}
db_test!(consecutive_batches_writing_the_same_events_keep_the_later_lines);

async fn the_change_log_follows_the_input_order(db: &TestDb) {
    let catalog = db.catalog().await;
    let lines: Vec<String> =
        (0..60).map(|line| format!(r#"{{"source_url": "order:{line:02}", "title": "Event {line:02}"}}"#)).collect();
    import_in_batches(&catalog, &lines, 4).await;
    let logged =
        rows(&catalog, "SELECT e.source_url AS url FROM changes c JOIN events e ON e.id = c.event_id ORDER BY c.seq")
            .await;
    let urls: Vec<String> = logged.iter().map(|row| row.try_get::<String>("", "url").unwrap()).collect();
    let expected: Vec<String> = (0..60).map(|line| format!("order:{line:02}")).collect();
    assert_eq!(urls, expected, "a follower applies the changes in sequence order");
}
db_test!(the_change_log_follows_the_input_order);

async fn rows_one_batch_inserts_serve_the_next(db: &TestDb) {
    let catalog = db.catalog().await;
    // Every line names a unit, a hall and a topic the line before created, and one of its own.
    let lines: Vec<String> = (0..24)
        .map(|line| {
            let unit = format!("Unit {}", line / 2);
            let hall = format!(r#"{{"name": "Hall {}", "city": "Vienna", "country": "Austria"}}"#, line / 2);
            format!(
                r#"{{"source_url": "shared:{line:02}", "title": "Shared {line:02}", "organizer": ["OSCE", "{unit}"], "venue": {hall}, "topics": ["Topic {}", "Topic {}"]}}"#,
                line / 2,
                line / 2 + 1
            )
        })
        .collect();
    import_in_batches(&catalog, &lines, 1).await;
    let events = titles_by_source(db, &catalog).await;
    assert_eq!(events["totalCount"], 24);
    for (line, event) in events["nodes"].as_array().unwrap().iter().enumerate() {
        assert_eq!(event["organizer"]["path"], json!(["OSCE", format!("Unit {}", line / 2)]), "{event}");
        assert_eq!(event["venue"]["name"], format!("Hall {}", line / 2));
        let topics = json!([{"label": format!("Topic {}", line / 2)}, {"label": format!("Topic {}", line / 2 + 1)}]);
        assert_eq!(event["topics"], topics);
    }
    let counts = rows(
        &catalog,
        "SELECT (SELECT count(*) FROM organizers WHERE name LIKE 'Unit %') AS units,
                (SELECT count(*) FROM venues WHERE name LIKE 'Hall %') AS halls,
                (SELECT count(*) FROM topics WHERE label LIKE 'Topic %') AS topics",
    )
    .await;
    let count = |column: &str| counts[0].try_get::<i64>("", column).unwrap();
    assert_eq!((count("units"), count("halls"), count("topics")), (12, 12, 13), "each row inserted once");
}
db_test!(rows_one_batch_inserts_serve_the_next);

async fn a_batch_of_only_bad_lines_between_good_ones_keeps_the_order(db: &TestDb) {
    let catalog = db.catalog().await;
    let good = |line: usize| format!(r#"{{"source_url": "mixed:{line}", "title": "Event {line}"}}"#);
    let lines = [good(1), good(2), "{not json".to_string(), r#"{"title": ""}"#.to_string(), good(5), good(6)];
    let report = convene::commands::import_lines(&catalog, lines.join("\n").as_bytes(), 2).await.expect("import runs");
    assert_eq!(report.imported, 4);
    let rejected: Vec<usize> = report.rejected.iter().map(|rejection| rejection.line).collect();
    assert_eq!(rejected, [3, 4]);
    let logged =
        rows(&catalog, "SELECT e.source_url AS url FROM changes c JOIN events e ON e.id = c.event_id ORDER BY c.seq")
            .await;
    let urls: Vec<String> = logged.iter().map(|row| row.try_get::<String>("", "url").unwrap()).collect();
    assert_eq!(urls, ["mixed:1", "mixed:2", "mixed:5", "mixed:6"]);
}
db_test!(a_batch_of_only_bad_lines_between_good_ones_keeps_the_order);

async fn new_events_are_numbered_in_input_order(db: &TestDb) {
    let catalog = db.catalog().await;
    // Batches in flight together insert their new events at the same time; their ids (and so
    // `convene export`, which writes in id order) must still follow the input. Descriptions of
    // many lengths vary how long each batch takes to write.
    let line = |n: usize| {
        format!(
            r#"{{"source_url": "numbered:{n:03}", "title": "Event {n:03}", "description": "{}"}}"#,
            "words ".repeat(n % 50)
        )
    };
    let lines: Vec<String> = (0..300).map(line).collect();
    import_in_batches(&catalog, &lines, 16).await;
    let mut exported = Vec::new();
    catalog.export(&mut exported).await.expect("export runs");
    let urls: Vec<String> = String::from_utf8(exported)
        .unwrap()
        .lines()
        .map(|record| serde_json::from_str::<Value>(record).unwrap()["source_url"].as_str().unwrap().to_string())
        .collect();
    let expected: Vec<String> = (0..300).map(|n| format!("numbered:{n:03}")).collect();
    assert_eq!(urls, expected, "export follows the input's order");
}
db_test!(new_events_are_numbered_in_input_order);
