//! Imports of many small batches, which PostgreSQL writes two at a time: later lines win over
//! earlier ones in other batches, the change log follows the input's order (also around a batch
//! of bad lines only), new events are numbered in input order, rows one batch inserts serve
//! the next without duplicates or dangling references, and every value is stored as given
//! (PostgreSQL loads the batches with `COPY`). SQLite writes the same inputs one batch at a
//! time and must give the same catalogue.

use serde_json::{json, Value};

use crate::db_test;
use crate::support::{query, schema, sql_rows as rows, TestDb, SEED_EVENT};

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

async fn every_value_of_a_clean_import_is_stored_as_given_without_falling_back(db: &TestDb) {
    let catalog = db.catalog().await;
    // Text holding `COPY`'s separators and escapes, values left out, and dates either side of
    // PostgreSQL's epoch (2000-01-01), from which its binary dates count.
    let variants = [
        ("tab\tand\nnewline\r\nand a backslash \\N", Some("sub\\title"), "1999-12-31", "2000-01-01"),
        ("Genève – Zürich «ß» 東京 🎉", None, "2000-01-01", "2000-01-02"),
        ("'quotes' \"double\" and $1 ; DROP TABLE events", Some(""), "1975-06-30", "2031-02-28"),
        ("plain", Some("plain subtitle"), "2009-11-23", "2009-11-24"),
        ("no description", None, "2024-02-29", "2024-03-01"),
    ];
    let seed: Value = serde_json::from_str(SEED_EVENT.trim()).unwrap();
    let records: Vec<Value> = variants
        .iter()
        .enumerate()
        .map(|(n, (title, subtitle, start, end))| {
            let mut record = seed.clone();
            record["source_url"] = json!(format!("copy:{n}"));
            record["title"] = json!(title);
            record["subtitle"] = json!(subtitle);
            record["start_date"] = json!(start);
            record["end_date"] = json!(end);
            if *title == "no description" {
                record.as_object_mut().unwrap().remove("description");
            }
            record
        })
        .collect();
    let lines: Vec<String> = records.iter().map(Value::to_string).collect();
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);
    let report = convene::commands::import_lines(&catalog, lines.join("\n").as_bytes(), 2).await.expect("import runs");
    let after = chrono::Utc::now() + chrono::Duration::seconds(1);
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    assert_eq!(report.batches_one_by_one, 0, "every batch took the fast path");
    let mut exported = Vec::new();
    catalog.export(&mut exported).await.expect("export runs");
    let exported: Vec<Value> =
        String::from_utf8(exported).unwrap().lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(exported.len(), records.len());
    for (stored, given) in exported.iter().zip(&records) {
        for field in
            ["source_url", "title", "subtitle", "description", "event_type", "start_date", "end_date", "added_on"]
        {
            let given = given.get(field).filter(|value| !value.is_null() && *value != "");
            assert_eq!(
                stored.get(field).filter(|value| !value.is_null()),
                given,
                "{field} of {}",
                stored["source_url"]
            );
        }
        let countries = |record: &Value| record["countries"].as_array().map_or(0, Vec::len);
        assert_eq!(countries(stored), countries(given), "countries of {}", stored["source_url"]);
    }
    for row in rows(&catalog, "SELECT created_at, updated_at FROM events").await {
        for column in ["created_at", "updated_at"] {
            let time: chrono::DateTime<chrono::Utc> = row.try_get("", column).unwrap();
            assert!(before <= time && time <= after, "{column} {time} is the import's time");
        }
    }
}
db_test!(every_value_of_a_clean_import_is_stored_as_given_without_falling_back);
