//! Import and export: the seed event round-trips every field, bad lines are reported without
//! losing the rest, re-imports update in place, export then import rebuilds the catalogue, and
//! batches never refer to rows deleted under them.

use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::{json, Value};

use crate::db_test;
use crate::support::{import, query, schema, sql_rows, Backend, TestDb, SEED_EVENT};

const EVENT_FIELDS: &str = "id slug title subtitle description eventType startDate endDate addedOn updatedAt sourceUrl
    organizer { name path parent { name } }
    venue { name address city country { code name } }
    countries { code alpha3 name region { code name } osce: region(scheme: OSCE) { code } un: region(scheme: UN_REGION) { code } }
    topics { slug label } audiences { slug label }";

async fn event_by_source(db: &TestDb, catalog: &convene::catalog::Catalog, url: &str) -> Value {
    let schema = schema(db, catalog).await;
    let data = query(
        &schema,
        &format!("query($f: EventFilter) {{ events(filter: $f, first: 100) {{ nodes {{ {EVENT_FIELDS} }} }} }}"),
        json!({}),
    )
    .await;
    data["events"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|event| event["sourceUrl"] == url)
        .cloned()
        .unwrap_or_else(|| panic!("no event from {url}"))
}

async fn seed_event_returns_every_field(db: &TestDb) {
    let catalog = db.catalog().await;
    let report = import(&catalog, SEED_EVENT).await;
    assert_eq!((report.imported, report.updated, report.rejected.len()), (1, 0, 0));
    let record: Value = serde_json::from_str(SEED_EVENT).unwrap();
    let event = event_by_source(db, &catalog, "https://polis.osce.org/node/5836").await;

    for (field, key) in [
        ("title", "title"),
        ("subtitle", "subtitle"),
        ("description", "description"),
        ("eventType", "event_type"),
        ("startDate", "start_date"),
        ("endDate", "end_date"),
        ("addedOn", "added_on"),
    ] {
        assert_eq!(event[field], record[key], "{field}");
    }
    assert_eq!(event["organizer"]["path"], record["organizer"]);
    assert_eq!(event["organizer"]["name"], "Strategic Police Matters Unit");
    assert_eq!(event["organizer"]["parent"]["name"], "Transnational Threats Department");
    assert_eq!(event["venue"]["name"], record["venue"]["name"]);
    assert_eq!(event["venue"]["address"], record["venue"]["address"]);
    assert_eq!(event["venue"]["city"], "Sarajevo");
    assert_eq!(event["venue"]["country"]["code"], "BA");
    let labels = |list: &Value| list.as_array().unwrap().iter().map(|item| item["label"].clone()).collect::<Vec<_>>();
    assert_eq!(Value::from(labels(&event["topics"])), record["topics"]);
    assert_eq!(Value::from(labels(&event["audiences"])), record["audiences"]);
    assert_eq!(event["topics"][1]["slug"], "drugs-trafficking-and-or-drugs-distribution");

    let codes: Vec<&str> =
        event["countries"].as_array().unwrap().iter().map(|country| country["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["AL", "BA", "BG", "HR", "CY", "GR", "MK", "ME", "RO", "RS", "TR"], "in the record's order");
    let bosnia = &event["countries"][1];
    assert_eq!(bosnia["alpha3"], "BIH");
    assert_eq!(bosnia["region"], json!({"code": "039", "name": "Southern Europe"}));
    assert_eq!(bosnia["un"]["code"], "150");
    assert_eq!(bosnia["osce"]["code"], "SEE");
    assert!(event["slug"].as_str().unwrap().starts_with("osce-regional-workshop-on-enhancement"));
}
db_test!(seed_event_returns_every_field);

async fn bad_lines_are_reported_and_the_rest_kept(db: &TestDb) {
    let catalog = db.catalog().await;
    let input = [
        r#"{"title": "Border management workshop", "countries": ["Kyrgyz Republic", "the former Yugoslav Republic of Macedonia"]}"#,
        r#"{"title": "Broken", "countries": ["#,
        r#"{"title": "Atlantis summit", "countries": ["Albania", "Türkiye", "Atlantis"]}"#,
        "",
        r#"{"subtitle": "no title here"}"#,
        r#"{"title": "Kosovo round table", "venue": {"city": "Pristina", "country": "Kosovo"}, "countries": ["xk", "CZECH REPUBLIC", "The Netherlands"]}"#,
    ]
    .join("\n");
    let report = import(&catalog, &input).await;
    assert_eq!(report.imported, 2);
    let rejected: Vec<(usize, &str)> =
        report.rejected.iter().map(|rejection| (rejection.line, rejection.reason.as_str())).collect();
    assert_eq!(rejected.len(), 3, "{rejected:?}");
    assert_eq!(rejected[0].0, 2);
    assert!(rejected[0].1.starts_with("invalid record"), "{}", rejected[0].1);
    assert_eq!(rejected[1], (3, r#"countries[2]: unknown country "Atlantis""#));
    assert_eq!(rejected[2].0, 5);
    assert!(rejected[2].1.contains("title"), "{}", rejected[2].1);

    let data = query(
        &schema(db, &catalog).await,
        "{ events(orderBy: TITLE_ASC) { totalCount nodes { title countries { code } venue { country { code } } } } }",
        json!({}),
    )
    .await;
    assert_eq!(data["events"]["totalCount"], 2);
    assert_eq!(data["events"]["nodes"][0]["countries"], json!([{"code": "KG"}, {"code": "MK"}]));
    assert_eq!(data["events"]["nodes"][1]["countries"], json!([{"code": "XK"}, {"code": "CZ"}, {"code": "NL"}]));
    assert_eq!(data["events"]["nodes"][1]["venue"]["country"]["code"], "XK");
}
db_test!(bad_lines_are_reported_and_the_rest_kept);

async fn reimport_updates_by_source_url(db: &TestDb) {
    let catalog = db.catalog().await;
    import(&catalog, SEED_EVENT).await;
    let before = event_by_source(db, &catalog, "https://polis.osce.org/node/5836").await;
    let mut record: Value = serde_json::from_str(SEED_EVENT).unwrap();
    record["title"] = json!("Renamed workshop");
    record["countries"] = json!(["Serbia"]);
    record["topics"] = json!(["organised crime", "border security"]);
    let report = import(&catalog, &record.to_string()).await;
    assert_eq!((report.imported, report.updated), (0, 1));
    let after = event_by_source(db, &catalog, "https://polis.osce.org/node/5836").await;
    assert_eq!(after["id"], before["id"]);
    assert_eq!(after["slug"], before["slug"], "the slug stays put");
    assert_eq!(after["title"], "Renamed workshop");
    assert_eq!(after["countries"].as_array().unwrap().len(), 1);
    assert_eq!(after["topics"][1]["slug"], "border-security");
    let data = query(&schema(db, &catalog).await, "{ events { totalCount } topics { slug } }", json!({})).await;
    assert_eq!(data["events"]["totalCount"], 1);
    assert_eq!(data["topics"].as_array().unwrap().len(), 3, "topics once created stay in the taxonomy");
}
db_test!(reimport_updates_by_source_url);

async fn export_then_import_gives_the_same_catalogue(db: &TestDb) {
    let catalog = db.catalog().await;
    import(&catalog, SEED_EVENT).await;
    let generated: Vec<String> =
        convene::generate::generate(60, 7).map(|record| serde_json::to_string(&record).unwrap()).collect();
    let report = import(&catalog, &generated.join("\n")).await;
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    import(&catalog, r#"{"title": "No source URL, no dates, no venue"}"#).await;
    let mut first = Vec::new();
    let exported = catalog.export(&mut first).await.unwrap();
    assert_eq!(exported, 62);

    let Some(copy) = TestDb::new(db.backend).await else { return };
    let other = copy.catalog().await;
    let report = import(&other, std::str::from_utf8(&first).unwrap()).await;
    assert_eq!((report.imported, report.rejected.len()), (62, 0));
    let mut second = Vec::new();
    other.export(&mut second).await.unwrap();
    // The same records byte for byte, compared as sets: their order is the ids' (export's),
    // which `import_pipeline::new_events_are_numbered_in_input_order` checks.
    let lines = |bytes: Vec<u8>| {
        let mut lines: Vec<String> = String::from_utf8(bytes).unwrap().lines().map(str::to_string).collect();
        lines.sort();
        lines
    };
    assert_eq!(lines(second), lines(first));
    copy.finish().await;
}
db_test!(export_then_import_gives_the_same_catalogue);

async fn sparse_foreign_records_import_without_loss(db: &TestDb) {
    let catalog = db.catalog().await;
    let input = [
        r#"{"title": "Seminar on media freedom", "start_date": null, "countries": null, "venue": null, "topics": [], "legacy_id": 42}"#,
        r#"{"title": "  Training on hate crime  ", "end_date": "2021-05-07", "venue": {"city": "Warsaw"}, "organizer": ["OSCE", "Office for Democratic Institutions and Human Rights"]}"#,
        r#"{"title": "Conférence sur la sécurité", "venue": {"name": "Hofburg", "country": "Nowhereland"}}"#,
    ]
    .join("\n");
    let report = import(&catalog, &input).await;
    assert_eq!(report.imported, 2, "{:?}", report.rejected);
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(report.rejected[0].reason, r#"venue.country: unknown country "Nowhereland""#);
    let data = query(&schema(db, &catalog).await, "{ events(orderBy: TITLE_ASC) { nodes { title startDate endDate venue { city country { code } } organizer { path } countries { code } } } }", json!({})).await;
    let nodes = &data["events"]["nodes"];
    assert_eq!(nodes[0]["title"], "Seminar on media freedom");
    assert_eq!(nodes[0]["venue"], Value::Null);
    assert_eq!(nodes[1]["title"], "Training on hate crime");
    assert_eq!(nodes[1]["endDate"], "2021-05-07");
    assert_eq!(nodes[1]["venue"], json!({"city": "Warsaw", "country": null}));
}
db_test!(sparse_foreign_records_import_without_loss);

async fn batches_fall_back_to_one_record_at_a_time(db: &TestDb) {
    let catalog = db.catalog().await;
    // The same source URL twice in one batch: the second line updates the first.
    let twice =
        [r#"{"source_url": "x:1", "title": "First title"}"#, r#"{"source_url": "x:1", "title": "Second title"}"#]
            .join("\n");
    let report = import(&catalog, &twice).await;
    assert_eq!((report.imported, report.updated), (1, 1));
    // A slug another event holds makes the database refuse one record: only that one is lost.
    let taken = event_by_source(db, &catalog, "x:1").await["slug"].as_str().unwrap().to_string();
    let clash = format!(
        "{}\n{}\n{}",
        r#"{"source_url": "x:2", "title": "Kept before"}"#,
        format_args!(r#"{{"source_url": "x:3", "title": "Clashing", "slug": "{taken}"}}"#),
        r#"{"source_url": "x:4", "title": "Kept after"}"#
    );
    let report = import(&catalog, &clash).await;
    assert_eq!(report.imported, 2);
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(report.rejected[0].line, 2);
    assert!(report.rejected[0].reason.starts_with("could not be stored"), "{}", report.rejected[0].reason);
    let data =
        query(&schema(db, &catalog).await, "{ events(orderBy: TITLE_ASC) { nodes { title } } }", json!({})).await;
    assert_eq!(
        data["events"]["nodes"],
        json!([{"title": "Kept after"}, {"title": "Kept before"}, {"title": "Second title"}])
    );
}
db_test!(batches_fall_back_to_one_record_at_a_time);

async fn a_refused_batch_leaves_no_stale_taxonomy_for_the_next(db: &TestDb) {
    let catalog = db.catalog().await;
    import(&catalog, r#"{"source_url": "x:1", "title": "Holder"}"#).await;
    let taken = event_by_source(db, &catalog, "x:1").await["slug"].as_str().unwrap().to_string();
    // Batches of two. The first batch's clash sends it back record by record after it created
    // Hall Z, Unit Z and the topic Zeta, which its rollback then removed; its second record
    // creates Hall Y, which may take the id Hall Z had. The second batch names Hall Z again,
    // and must not be given an id learnt in the rolled-back transaction.
    let venue = |name: &str| format!(r#"{{"name": "{name}", "city": "Vienna", "country": "Austria"}}"#);
    let lines = [
        format!(
            r#"{{"source_url": "x:5", "title": "Clashing", "slug": "{taken}", "venue": {}, "organizer": ["OSCE", "Unit Z"], "topics": ["Zeta"]}}"#,
            venue("Hall Z")
        ),
        format!(r#"{{"source_url": "x:6", "title": "Elsewhere", "venue": {}}}"#, venue("Hall Y")),
        format!(
            r#"{{"source_url": "x:7", "title": "Back in Hall Z", "venue": {}, "organizer": ["OSCE", "Unit Z"], "topics": ["Zeta"]}}"#,
            venue("Hall Z")
        ),
    ];
    let report = convene::commands::import_lines(&catalog, lines.join("\n").as_bytes(), 2).await.expect("import runs");
    assert_eq!((report.imported, report.rejected.len()), (2, 1), "{:?}", report.rejected);
    assert_eq!(report.rejected[0].line, 1);
    let event = event_by_source(db, &catalog, "x:7").await;
    assert_eq!(event["venue"]["name"], "Hall Z");
    assert_eq!(event["organizer"]["path"], json!(["OSCE", "Unit Z"]));
    assert_eq!(event["topics"], json!([{"slug": "zeta", "label": "Zeta"}]));
    assert_eq!(event_by_source(db, &catalog, "x:6").await["venue"]["name"], "Hall Y");
}
db_test!(a_refused_batch_leaves_no_stale_taxonomy_for_the_next);

async fn rows_deleted_between_batches_are_looked_up_again(db: &TestDb) {
    let catalog = db.catalog().await;
    let record = |line: usize, url: &str| {
        let text = format!(
            r#"{{"source_url": "{url}", "title": "Border talks", "topics": ["Border management"], "audiences": ["Police"], "organizer": ["OSCE", "Unit B"], "venue": {{"name": "Hall B", "city": "Vienna", "country": "Austria"}}}}"#
        );
        (line, convene::commands::parse_line(&text))
    };
    // One import, two batches: the ids the first batch learnt stay in the cache for the second.
    let mut cache = convene::catalog::write::WriteCache::default();
    catalog.import_batch_with(vec![record(1, "x:1")], &mut cache).await.expect("the first batch");
    // Meanwhile another process deletes the topic, audience, unit and hall it created.
    for table in ["topics", "audiences", "venues", "organizers"] {
        catalog.db().execute_unprepared(&format!("DELETE FROM {table}")).await.expect("deleting");
    }
    let report = catalog.import_batch_with(vec![record(2, "x:2")], &mut cache).await.expect("the second batch");
    assert_eq!((report.imported, report.rejected.len()), (1, 0), "{:?}", report.rejected);
    let event = event_by_source(db, &catalog, "x:2").await;
    assert_eq!(event["topics"][0]["label"], "Border management");
    assert_eq!(event["audiences"][0]["label"], "Police");
    assert_eq!(event["organizer"]["path"], json!(["OSCE", "Unit B"]));
    assert_eq!(event["venue"]["name"], "Hall B");
    // Nothing refers to a row that is gone.
    let dangling = sql_rows(
        &catalog,
        "SELECT (SELECT count(*) FROM event_topics WHERE topic_id NOT IN (SELECT id FROM topics))
                  + (SELECT count(*) FROM event_audiences WHERE audience_id NOT IN (SELECT id FROM audiences))
                  + (SELECT count(*) FROM events WHERE organizer_id NOT IN (SELECT id FROM organizers))
                  + (SELECT count(*) FROM events WHERE venue_id NOT IN (SELECT id FROM venues)) AS dangling",
    )
    .await;
    assert_eq!(dangling[0].try_get::<i64>("", "dangling").unwrap(), 0);
}
db_test!(rows_deleted_between_batches_are_looked_up_again);

async fn import_batches_check_their_references_only_where_the_role_may(db: &TestDb) {
    use convene::catalog::references::ReferenceChecks;
    let catalog = db.catalog().await;
    if db.backend == Backend::Sqlite {
        assert_eq!(catalog.reference_checks(), ReferenceChecks::PerRow);
        return;
    }
    assert_eq!(catalog.reference_checks(), ReferenceChecks::PerBatch, "the tests' role is a superuser");
    let role = format!("convene_plain_{}", rand::random::<u32>());
    let as_role = |grant: Option<&'static str>| {
        let (catalog, role) = (catalog.clone(), role.clone());
        async move {
            if let Some(grant) = grant {
                catalog.db().execute_unprepared(&format!("{grant} {role}")).await.expect("granting");
            }
            let txn = catalog.db().begin().await.unwrap();
            txn.execute_unprepared(&format!("SET LOCAL ROLE {role}")).await.unwrap();
            let checks = ReferenceChecks::for_connection(&txn).await.expect("asking");
            txn.rollback().await.unwrap();
            checks
        }
    };
    catalog.db().execute_unprepared(&format!("CREATE ROLE {role}")).await.expect("creating a role");
    let plain = as_role(None).await;
    let granted = as_role(Some("GRANT SET ON PARAMETER session_replication_role TO")).await;
    as_role(Some("REVOKE SET ON PARAMETER session_replication_role FROM")).await;
    catalog.db().execute_unprepared(&format!("DROP ROLE {role}")).await.expect("dropping the role");
    assert_eq!(plain, ReferenceChecks::PerRow, "a role that may not skip the triggers keeps them");
    assert_eq!(granted, ReferenceChecks::PerBatch, "a role granted SET on the parameter");
}
db_test!(import_batches_check_their_references_only_where_the_role_may);

async fn a_new_unit_under_a_deleted_cached_parent_gets_a_parent_that_exists(db: &TestDb) {
    let catalog = db.catalog().await;
    let record = |line: usize, url: &str, unit: &str, hall: &str| {
        let text = format!(
            r#"{{"source_url": "{url}", "title": "Customs talks", "organizer": ["OSCE", "{unit}"], "venue": {{"name": "{hall}", "city": "Vienna", "country": "Austria"}}}}"#
        );
        (line, convene::commands::parse_line(&text))
    };
    let mut cache = convene::catalog::write::WriteCache::default();
    catalog.import_batch_with(vec![record(1, "x:1", "Unit A", "Hall A")], &mut cache).await.expect("the first batch");
    // Another process deletes the units; the cache still holds the top body's id.
    catalog.db().execute_unprepared("DELETE FROM organizers").await.expect("deleting");
    // Only the new unit's parent is stale: its hall and the unit itself are new.
    let report = catalog
        .import_batch_with(vec![record(2, "x:2", "Unit C", "Hall C")], &mut cache)
        .await
        .expect("the second batch");
    assert_eq!((report.imported, report.rejected.len()), (1, 0), "{:?}", report.rejected);
    let event = event_by_source(db, &catalog, "x:2").await;
    assert_eq!(event["organizer"]["path"], json!(["OSCE", "Unit C"]));
    let dangling = sql_rows(
        &catalog,
        "SELECT count(*) AS dangling FROM organizers WHERE parent_id NOT IN (SELECT id FROM organizers)",
    )
    .await;
    assert_eq!(dangling[0].try_get::<i64>("", "dangling").unwrap(), 0);
}
db_test!(a_new_unit_under_a_deleted_cached_parent_gets_a_parent_that_exists);
