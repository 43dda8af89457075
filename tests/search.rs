//! Search, table-driven: one row per rule of API.md's "Search", on a corpus built here; and the
//! index kept in step with the database: freshness, catch-up after a restart, rebuild of a
//! deleted index.

use std::time::Duration;

use convene::search::{IndexLocation, Search};
use serde_json::{json, Value};

use crate::db_test;
use crate::support::{import, query, schema, Backend, TestDb};

const CORPUS: &str = r#"{"source_url": "s:1", "title": "Workshop on chemical precursors control", "description": "Experts discussed illicit drugs and their precursors.", "start_date": "2012-03-01", "venue": {"city": "Ankara", "country": "Türkiye"}, "countries": ["Turkey"], "topics": ["Drugs trafficking"]}
{"source_url": "s:2", "title": "Conference on border management", "description": "Border guards from Central Asia met in Dushanbe.", "start_date": "2015-05-01", "venue": {"city": "Dushanbe", "country": "TJ"}, "countries": ["KZ", "KG", "TJ"], "topics": ["Border security"]}
{"source_url": "s:3", "title": "Training on cybercrime investigations", "description": "Police officers learned digital forensics. Drug markets online were discussed.", "start_date": "2018-09-10", "venue": {"city": "Vienna", "country": "Austria"}, "topics": ["Cybercrime"]}
{"source_url": "s:4", "title": "Seminar on media freedom", "description": "Journalists and <script>alert(1)</script> editors met.", "start_date": "2020-02-02", "venue": {"city": "Belgrade", "country": "Serbia"}, "countries": ["RS", "BA"], "topics": ["Media freedom"]}
{"source_url": "s:5", "title": "Drug policy round table", "description": "A round table on the region's approach.", "start_date": "2009-11-23", "venue": {"name": "Regional Cooperation Council", "city": "Sarajevo", "country": "Bosnia & Herzegovina"}}
{"source_url": "s:6", "title": "Regional meeting on trafficking in human beings", "description": "Prosecutors and border police from the region.", "start_date": "2016-04-04", "venue": {"city": "Chisinau", "country": "Moldova"}, "topics": ["Trafficking in human beings"]}"#;

const SEARCH: &str = "query($q: String!, $filter: EventFilter, $first: Int, $after: String, $facets: [Dimension!]) {
  search(query: $q, filter: $filter, first: $first, after: $after, facets: $facets) {
    totalHits hits { cursor score event { sourceUrl } highlights { field snippet } }
    facets { dimension buckets { key label count } }
    pageInfo { hasNextPage endCursor } } }";

fn found(data: &Value) -> Vec<u64> {
    data["search"]["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["event"]["sourceUrl"].as_str().unwrap()[2..].parse().unwrap())
        .collect()
}

async fn search_rules_hold(db: &TestDb) {
    let catalog = db.catalog().await;
    assert_eq!(import(&catalog, CORPUS).await.imported, 6);
    let schema = schema(db, &catalog).await;
    // (query, expected events in rank order; `sorted` rows compare as sets)
    let rows: &[(&str, &[u64], bool)] = &[
        ("precursors", &[1], true),
        ("precurs", &[1], true),               // the last word is a prefix
        ("precursers", &[1], true),            // two typos allowed from 9 letters
        ("chemcal", &[1], true),               // one typo from 5 letters
        ("TURKIYE", &[1], true),               // case and diacritics ignored
        ("Turkey", &[1], true),                // country aliases are searched
        ("drug", &[5, 1, 3], false),           // stems: drugs, Drug; the title match first
        ("border management", &[2], true),     // every word must match
        ("\"border management\"", &[2], true), // a phrase
        ("\"management border\"", &[], true),  // a phrase keeps its order
        ("border -management", &[6], true),    // exclusion
        ("cybercrime OR media", &[3, 4], true),
        ("Sarajevo", &[5], true), // venue
        ("Moldova", &[6], true),  // venue country
        ("bordr", &[2, 6], true), // one typo forgiven from 5 letters
        ("drog ", &[], true),     // none under 5 letters
        ("", &[1, 2, 3, 4, 5, 6], true),
        ("\"unclosed", &[], true),
        ("(( [ :", &[1, 2, 3, 4, 5, 6], true), // no words at all: like an empty query
        ("-", &[1, 2, 3, 4, 5, 6], true),
    ];
    for (text, expected, as_set) in rows {
        let data = query(&schema, SEARCH, json!({"q": text})).await;
        let mut hits = found(&data);
        let mut expected = expected.to_vec();
        if *as_set {
            hits.sort_unstable();
            expected.sort_unstable();
        }
        assert_eq!(hits, expected, "search {text:?}");
        assert_eq!(data["search"]["totalHits"], expected.len(), "totalHits of {text:?}");
    }
}
db_test!(search_rules_hold);

async fn exact_matches_rank_above_typos(db: &TestDb) {
    let catalog = db.catalog().await;
    import(&catalog, CORPUS).await;
    let schema = schema(db, &catalog).await;
    // "police" is in the descriptions of 3 and 6; 5 has "policy", one edit away, in its title.
    let hits = found(&query(&schema, SEARCH, json!({"q": "police "})).await);
    assert_eq!(hits.len(), 3);
    assert_eq!(hits[2], 5, "the typo match ranks last: {hits:?}");
}
db_test!(exact_matches_rank_above_typos);

async fn highlights_mark_every_kind_of_match_and_escape(db: &TestDb) {
    let catalog = db.catalog().await;
    import(&catalog, CORPUS).await;
    let schema = schema(db, &catalog).await;
    let snippets = |data: &Value, field: &str| -> Vec<String> {
        data["search"]["hits"][0]["highlights"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|highlight| highlight["field"] == field)
            .map(|highlight| highlight["snippet"].as_str().unwrap().to_string())
            .collect()
    };
    let prefix = query(&schema, SEARCH, json!({"q": "chemical precurs"})).await;
    assert_eq!(snippets(&prefix, "title"), ["Workshop on <mark>chemical</mark> <mark>precursors</mark> control"]);
    assert!(snippets(&prefix, "description")[0].contains("<mark>precursors</mark>"));
    let typo = query(&schema, SEARCH, json!({"q": "traffiking "})).await;
    assert_eq!(snippets(&typo, "title"), ["Regional meeting on <mark>trafficking</mark> in human beings"]);
    let stem = query(&schema, SEARCH, json!({"q": "discuss drugs "})).await;
    assert!(snippets(&stem, "description")[0].contains("<mark>discussed</mark>"), "{stem}");
    let escaped = query(&schema, SEARCH, json!({"q": "journalists"})).await;
    let description = &snippets(&escaped, "description")[0];
    assert!(description.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{description}");
    assert!(!description.contains("<script>"));

    // Highlights are computed only when asked for, in whatever shape the query asks.
    let shaped = "query($q: String!) { search(query: $q) { hits { ...marks } } }
        fragment marks on SearchHit { marked: highlights { field snippet } }";
    let data = query(&schema, shaped, json!({"q": "journalists"})).await;
    assert_eq!(data["search"]["hits"][0]["marked"][0]["snippet"], "Seminar on media freedom", "{data}");
    assert!(data["search"]["hits"][0]["marked"][1]["snippet"].as_str().unwrap().contains("<mark>Journalists</mark>"));
}
db_test!(highlights_mark_every_kind_of_match_and_escape);

async fn facets_filters_and_pages_cover_every_match(db: &TestDb) {
    let catalog = db.catalog().await;
    import(&catalog, CORPUS).await;
    let schema = schema(db, &catalog).await;
    let data =
        query(&schema, SEARCH, json!({"q": "", "first": 1, "facets": ["REGION", "COUNTRY", "TOPIC", "YEAR"]})).await;
    assert_eq!(data["search"]["totalHits"], 6);
    let facets = &data["search"]["facets"];
    assert_eq!(facets[0]["dimension"], "REGION");
    assert_eq!(
        facets[0]["buckets"],
        json!([
            {"key": "039", "label": "Southern Europe", "count": 2},
            {"key": "143", "label": "Central Asia", "count": 1},
            {"key": "145", "label": "Western Asia", "count": 1},
            {"key": "151", "label": "Eastern Europe", "count": 1},
            {"key": "155", "label": "Western Europe", "count": 1},
        ])
    );
    assert_eq!(facets[1]["buckets"][0], json!({"key": "BA", "label": "Bosnia and Herzegovina", "count": 2}));
    let topics = facets[2]["buckets"].as_array().unwrap();
    assert_eq!(topics.last().unwrap(), &json!({"key": null, "label": "none", "count": 1}), "events without a topic");
    assert_eq!(facets[3]["buckets"].as_array().unwrap().len(), 6);

    // Counts alone: no page, the same total and facets.
    let counts =
        query(&schema, SEARCH, json!({"q": "", "first": 0, "facets": ["REGION", "COUNTRY", "TOPIC", "YEAR"]})).await;
    assert_eq!(counts["search"]["totalHits"], 6);
    assert_eq!(counts["search"]["hits"], json!([]));
    assert_eq!(&counts["search"]["facets"], facets);
    assert_eq!(counts["search"]["pageInfo"]["hasNextPage"], true);

    let filtered = query(&schema, SEARCH, json!({"q": "", "filter": {"countries": ["BA"]}, "facets": ["TOPIC"]})).await;
    let mut hits = found(&filtered);
    hits.sort_unstable();
    assert_eq!(hits, [4, 5]);
    assert_eq!(filtered["search"]["facets"][0]["buckets"].as_array().unwrap().len(), 2, "facets under the filter");
    let regional = query(
        &schema,
        SEARCH,
        json!({"q": "border", "filter": {"regions": ["143"], "startDate": {"from": "2010-01-01"}}}),
    )
    .await;
    assert_eq!(found(&regional), [2]);

    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let page = query(&schema, SEARCH, json!({"q": "on", "first": 2, "after": after})).await;
        seen.extend(found(&page));
        if page["search"]["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["search"]["pageInfo"]["endCursor"].clone();
    }
    let all = found(&query(&schema, SEARCH, json!({"q": "on", "first": 100})).await);
    assert_eq!(seen, all, "pages in the same order as one long page, none twice");

    let suggestions = query(
        &schema,
        "{ a: suggest(prefix: \"precur\") b: suggest(prefix: \"Cyber\") c: suggest(prefix: \"bosn\") }",
        json!({}),
    )
    .await;
    assert!(suggestions["a"].as_array().unwrap().contains(&json!("precursors")), "{suggestions}");
    assert_eq!(suggestions["b"][0], "Cybercrime");
    assert!(suggestions["c"].as_array().unwrap().contains(&json!("Bosnia and Herzegovina")), "{suggestions}");
}
db_test!(facets_filters_and_pages_cover_every_match);

async fn index_follows_writes_restarts_and_deletion(db: &TestDb) {
    let catalog = db.catalog().await;
    import(&catalog, CORPUS).await;
    let search = db.search(&catalog).await;
    let count = |search: &Search, text: &str| {
        let search = search.clone();
        let text = text.to_string();
        async move {
            let request = convene_index::SearchRequest { query: text, limit: 10, ..Default::default() };
            search.search(request).await.unwrap().total_hits
        }
    };
    assert_eq!(count(&search, "precursors").await, 1);

    // A write in this process is searchable as soon as the follower has applied it.
    import(&catalog, r#"{"source_url": "s:7", "title": "Precursors course"}"#).await;
    let seq = catalog.last_change_seq().await.unwrap();
    assert!(search.wait_for(seq, Duration::from_secs(5)).await);
    assert_eq!(count(&search, "precursors").await, 2);
    catalog.delete_event(convene::catalog::read::events_by_id(catalog.db(), &[1]).await.unwrap()[&1].id).await.unwrap();
    assert!(search.wait_for(seq + 1, Duration::from_secs(5)).await);
    assert_eq!(count(&search, "precursors").await, 1);

    // Stopped, written to, started again: the index catches up from its last commit.
    let other = tempfile::tempdir().unwrap();
    let location = IndexLocation::new(other.path());
    let (first, task) = Search::start(&catalog, location.clone(), Duration::from_millis(100)).await.unwrap();
    let generation = location.current().unwrap();
    assert_eq!(count(&first, "course").await, 1);
    task.stop().await;
    import(&catalog, r#"{"source_url": "s:8", "title": "Second course"}"#).await;
    let (second, task) = Search::start(&catalog, location.clone(), Duration::from_millis(100)).await.unwrap();
    assert_eq!(location.current().unwrap(), generation, "caught up, not rebuilt");
    assert_eq!(count(&second, "course").await, 2);
    task.stop().await;

    // A deleted index is rebuilt from the database without manual steps.
    std::fs::remove_dir_all(&generation).unwrap();
    let (rebuilt, task) = Search::start(&catalog, location.clone(), Duration::from_millis(100)).await.unwrap();
    assert_ne!(location.current().unwrap(), generation);
    assert_eq!(count(&rebuilt, "").await, 7);
    assert_eq!(count(&rebuilt, "course").await, 2);

    // `reindex` builds beside the live index and the running follower swaps to it.
    let events = convene::search::reindex(&catalog, &location).await.unwrap();
    assert_eq!(events, 7);
    import(&catalog, r#"{"source_url": "s:9", "title": "Third course"}"#).await;
    let mut swapped = false;
    for _ in 0..50 {
        if count(&rebuilt, "course").await == 3 {
            swapped = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(swapped, "the server follows the rebuilt index");
    task.stop().await;
}
db_test!(index_follows_writes_restarts_and_deletion);

/// An index left in many small segments (written before imports merged at their end) is
/// merged into one by the next server that opens it, and searches find every event meanwhile.
async fn a_server_merges_an_index_of_many_segments(db: &TestDb) {
    let catalog = db.catalog().await;
    let records: Vec<String> =
        (1..=12).map(|n| format!(r#"{{"source_url": "m:{n}", "title": "Merge course {n}"}}"#)).collect();
    import(&catalog, &records.join("\n")).await;
    let location = IndexLocation::new(db.dir.path().join("segmented-index"));
    let (search, task) = Search::start(&catalog, location.clone(), Duration::from_millis(100)).await.unwrap();
    let total = |search: &Search| {
        let search = search.clone();
        async move {
            search.search(convene_index::SearchRequest { limit: 1, ..Default::default() }).await.unwrap().total_hits
        }
    };
    let events = total(&search).await;
    task.stop().await;
    drop(search);

    // Every event written again, one commit each, with merges off: a segment per event.
    let dir = location.current().unwrap();
    let index = convene_index::SearchIndex::open(&dir).unwrap().unwrap();
    let (seq, change) = (index.applied_seq().unwrap(), index.applied_change());
    let documents =
        convene::search::documents::documents(&catalog, &(1..=events as i64).collect::<Vec<_>>()).await.unwrap();
    let mut writer = index.writer(15_000_000).unwrap();
    writer.keep_segments();
    for document in documents.values() {
        writer.upsert(document).unwrap();
        writer.commit(seq, change.as_deref()).unwrap();
    }
    drop(writer);
    index.reload().unwrap();
    let segments = |index: &convene_index::SearchIndex| index.searcher().segment_readers().len();
    assert!(segments(&index) > convene::search::MAX_SEGMENTS_AT_START, "{} segments", segments(&index));
    drop(index);

    let (search, task) = Search::start(&catalog, location.clone(), Duration::from_millis(100)).await.unwrap();
    assert_eq!(location.current().unwrap(), dir, "the same index, not a rebuild");
    let mut merged = false;
    for _ in 0..100 {
        assert_eq!(total(&search).await, events, "every event is found while the index merges");
        if segments(&search.index()) == 1 {
            merged = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(merged, "{} segments after 5 s", segments(&search.index()));
    task.stop().await;
}
db_test!(a_server_merges_an_index_of_many_segments);

/// A data folder pointed at another database (recreated, restored, another deployment) whose
/// change log reaches the same number: the index notices it follows another database and is
/// rebuilt, instead of serving the other database's events.
async fn an_index_built_from_another_database_is_rebuilt(db: &TestDb) {
    let records = |word: &str| {
        (1..=3)
            .map(|n| format!(r#"{{"source_url": "s:{n}", "title": "{word} course {n}"}}"#))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let location = IndexLocation::new(db.dir.path().join("shared-index"));
    let first = db.catalog().await;
    import(&first, &records("Alpha")).await;
    let (search, task) = Search::start(&first, location.clone(), Duration::from_millis(100)).await.unwrap();
    let request =
        |text: &str| convene_index::SearchRequest { query: text.to_string(), limit: 10, ..Default::default() };
    assert_eq!(search.search(request("alpha")).await.unwrap().total_hits, 3);
    task.stop().await;
    let generation = location.current().unwrap();

    let other_db = TestDb::new(db.backend).await.expect("a second database");
    let other = other_db.catalog().await;
    import(&other, &records("Beta")).await;
    assert_eq!(other.last_change_seq().await.unwrap(), first.last_change_seq().await.unwrap());
    let (search, task) = Search::start(&other, location.clone(), Duration::from_millis(100)).await.unwrap();
    assert_ne!(location.current().unwrap(), generation, "rebuilt, not followed");
    assert_eq!(search.search(request("beta")).await.unwrap().total_hits, 3);
    assert_eq!(search.search(request("alpha")).await.unwrap().total_hits, 0);
    task.stop().await;
    other_db.finish().await;
}
db_test!(an_index_built_from_another_database_is_rebuilt);

async fn a_replica_follows_another_processs_writes_at_once(db: &TestDb) {
    // Two catalogues on one database stand for two processes, the reader with its own index.
    let reader = db.catalog().await;
    let writer = db.catalog().await;
    // On PostgreSQL the reader does not poll within the test: only the writer's announcement
    // (NOTIFY) can wake it. On SQLite one machine shares the file, and polling is the way.
    let poll = match db.backend {
        Backend::Postgres => Duration::from_secs(3600),
        Backend::Sqlite => Duration::from_millis(100),
    };
    let location = IndexLocation::new(db.dir.path().join("replica-index"));
    let (search, task) = Search::start(&reader, location, poll).await.unwrap();
    for n in 1..=3 {
        let record = format!(r#"{{"source_url": "s:replica-{n}", "title": "Maritime security seminar {n}"}}"#);
        import(&writer, &record).await;
        let seq = writer.last_change_seq().await.unwrap();
        assert!(search.wait_for(seq, Duration::from_secs(10)).await, "write {n} reached the other process's index");
    }
    let request = convene_index::SearchRequest { query: "maritime".into(), limit: 10, ..Default::default() };
    assert_eq!(search.search(request).await.unwrap().total_hits, 3);
    task.stop().await;
}
db_test!(a_replica_follows_another_processs_writes_at_once);

async fn filtered_lists_from_the_index_match_the_database(db: &TestDb) {
    use convene::catalog::filter::{DateRange, EventFilter};
    use convene::catalog::page::{EventOrder, PageRequest};
    let catalog = db.catalog().await;
    let records: Vec<String> =
        convene::generate::generate(120, 5).map(|record| serde_json::to_string(&record).unwrap()).collect();
    import(&catalog, &records.join("\n")).await;
    let schema = schema(db, &catalog).await;
    let from = chrono::NaiveDate::from_ymd_opt(2008, 1, 1);
    let filters = [
        (json!({"regions": ["039"]}), EventFilter { regions: vec!["039".into()], ..Default::default() }),
        (
            json!({"countries": ["KZ", "KG"], "startDate": {"from": "2008-01-01"}}),
            EventFilter {
                countries: vec!["KZ".into(), "KG".into()],
                start_date: Some(DateRange { from, to: None }),
                ..Default::default()
            },
        ),
        (
            json!({"eventTypes": ["workshop"]}),
            EventFilter { event_types: vec!["workshop".into()], ..Default::default() },
        ),
    ];
    let orders = [
        ("START_DATE_DESC", EventOrder::StartDateDesc),
        ("START_DATE_ASC", EventOrder::StartDateAsc),
        ("ADDED_ON_DESC", EventOrder::AddedOnDesc),
    ];
    for (graphql_filter, domain_filter) in &filters {
        for (order_name, order) in orders {
            let everything = PageRequest { first: Some(100), ..Default::default() };
            let from_sql = convene::catalog::read::events_page(
                catalog.db(),
                catalog.reference(),
                domain_filter,
                order,
                &everything,
            )
            .await
            .unwrap();
            let expected: Vec<Value> = from_sql.events.iter().map(|event| json!(event.id.to_string())).collect();
            assert!(!expected.is_empty(), "{graphql_filter}");
            let mut forward = Vec::new();
            let mut after = Value::Null;
            loop {
                let page = query(&schema, "query($f: EventFilter, $o: EventOrder, $a: String) { events(filter: $f, orderBy: $o, first: 7, after: $a) { totalCount nodes { id } pageInfo { hasNextPage endCursor } } }", json!({"f": graphql_filter, "o": order_name, "a": after})).await;
                assert_eq!(page["events"]["totalCount"], expected.len());
                forward.extend(page["events"]["nodes"].as_array().unwrap().iter().map(|node| node["id"].clone()));
                if page["events"]["pageInfo"]["hasNextPage"] == false {
                    break;
                }
                after = page["events"]["pageInfo"]["endCursor"].clone();
            }
            assert_eq!(forward, expected, "{graphql_filter} {order_name} forward");
            let last = query(&schema, "query($f: EventFilter, $o: EventOrder) { events(filter: $f, orderBy: $o, last: 5) { nodes { id } pageInfo { hasPreviousPage } } }", json!({"f": graphql_filter, "o": order_name})).await;
            let tail: Vec<Value> =
                last["events"]["nodes"].as_array().unwrap().iter().map(|node| node["id"].clone()).collect();
            assert_eq!(tail, expected[expected.len().saturating_sub(5)..], "{graphql_filter} {order_name} last 5");
        }
    }
}
db_test!(filtered_lists_from_the_index_match_the_database);
