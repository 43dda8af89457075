//! `eventStats` on a hand-built corpus whose counts are known, and a property: totals agree
//! with `events.totalCount` and `search.totalHits` under random filters.

use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use crate::db_test;
use crate::graphql_events::CORPUS;
use crate::support::{import, query, schema, TestDb};

const STATS: &str = "query($by: [Dimension!]!, $filter: EventFilter, $q: String, $scheme: RegionScheme) {
  eventStats(groupBy: $by, filter: $filter, query: $q, regionScheme: $scheme) { total buckets { count keys { key label } } } }";

fn rows(data: &Value) -> Vec<(Vec<Value>, i64)> {
    data["eventStats"]["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|bucket| {
            let keys = bucket["keys"].as_array().unwrap().iter().map(|key| key["key"].clone()).collect();
            (keys, bucket["count"].as_i64().unwrap())
        })
        .collect()
}

async fn counts_by_region_year_organizer_are_known(db: &TestDb) {
    let catalog = db.catalog().await;
    import(&catalog, CORPUS).await;
    let schema = schema(db, &catalog).await;

    let by_region = query(&schema, STATS, json!({"by": ["REGION"]})).await;
    assert_eq!(by_region["eventStats"]["total"], 5);
    let regions = rows(&by_region);
    let expected: Vec<(Vec<Value>, i64)> =
        ["021", "039", "143", "145", "151", "155"].iter().map(|code| (vec![json!(code)], 1)).collect();
    assert_eq!(regions, expected, "Alpha counts in Central Asia (participants) and Western Europe (venue)");
    assert_eq!(by_region["eventStats"]["buckets"][1]["keys"][0]["label"], "Southern Europe");

    let by_region_year = query(&schema, STATS, json!({"by": ["REGION", "YEAR"]})).await;
    assert_eq!(
        rows(&by_region_year),
        [
            (vec![json!("021"), json!("2015")], 1),
            (vec![json!("039"), json!("2015")], 1),
            (vec![json!("143"), json!("2010")], 1),
            (vec![json!("145"), Value::Null], 1),
            (vec![json!("151"), json!("2020")], 1),
            (vec![json!("155"), json!("2010")], 1),
        ]
    );

    let osce = query(&schema, STATS, json!({"by": ["REGION"], "scheme": "OSCE"})).await;
    assert_eq!(
        rows(&osce),
        [(vec![json!("CEU")], 2), (vec![json!("SEE")], 2), (vec![json!("CAS")], 1), (vec![json!("NAC")], 1)]
    );

    let by_organizer =
        query(&schema, "{ eventStats(groupBy: [ORGANIZER]) { buckets { count keys { key label } } } }", json!({}))
            .await;
    let organizer_rows = &by_organizer["eventStats"]["buckets"];
    assert_eq!(organizer_rows[0]["count"], 2);
    assert_eq!(organizer_rows[0]["keys"][0]["label"], "Strategic Police Matters Unit");
    assert_eq!(organizer_rows.as_array().unwrap().last().unwrap()["keys"][0], json!({"key": null, "label": "none"}));

    let by_month =
        query(&schema, STATS, json!({"by": ["MONTH"], "filter": {"eventTypes": ["conference", "meeting"]}})).await;
    assert_eq!(rows(&by_month), [(vec![json!("2015-03")], 2)]);
    let searched = query(&schema, STATS, json!({"by": ["EVENT_TYPE"], "q": "border"})).await;
    assert_eq!(searched["eventStats"]["total"], 2);
    assert_eq!(rows(&searched), [(vec![json!("training course")], 1), (vec![json!("workshop")], 1)]);
    let none = query(&schema, STATS, json!({"by": []})).await;
    assert_eq!(none["eventStats"]["total"], 5);
}
db_test!(counts_by_region_year_organizer_are_known);

fn pick<T: Clone>(rng: &mut rand_chacha::ChaCha8Rng, pool: &[T], most: usize) -> Vec<T> {
    let count = rng.random_range(0..=most.min(pool.len()));
    (0..count).map(|_| pool[rng.random_range(0..pool.len())].clone()).collect()
}

async fn totals_agree_with_events_and_search(db: &TestDb) {
    let catalog = db.catalog().await;
    let records: Vec<String> =
        convene::generate::generate(150, 11).map(|record| serde_json::to_string(&record).unwrap()).collect();
    import(&catalog, &records.join("\n")).await;
    let schema = schema(db, &catalog).await;
    let pools = query(&schema, "{ countries { code } regions { code } osce: regions(scheme: OSCE) { code } topics { slug } organizers { id } audiences { slug } }", json!({})).await;
    let codes = |list: &Value, key: &str| -> Vec<String> {
        list.as_array().unwrap().iter().map(|item| item[key].as_str().unwrap().to_string()).collect()
    };
    let countries = ["AT", "BA", "RS", "KZ", "KG", "TJ", "PL", "UA", "MD", "GE", "US", "XK", "TR"].map(String::from);
    let mut regions = codes(&pools["regions"], "code");
    regions.extend(codes(&pools["osce"], "code"));
    let topics = codes(&pools["topics"], "slug");
    let organizers = codes(&pools["organizers"], "id");
    let audiences = codes(&pools["audiences"], "slug");
    let types = ["workshop", "conference", "seminar", "training course"].map(String::from);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2026);
    let mut distinct_totals = std::collections::BTreeSet::new();
    for round in 0..30 {
        let mut filter = serde_json::Map::new();
        let mut maybe = |name: &str, values: Vec<String>| {
            if !values.is_empty() {
                filter.insert(name.to_string(), json!(values));
            }
        };
        maybe("countries", pick(&mut rng, &countries, 2));
        maybe("venueCountries", if rng.random_bool(0.2) { pick(&mut rng, &countries, 2) } else { vec![] });
        maybe("regions", if rng.random_bool(0.5) { pick(&mut rng, &regions, 2) } else { vec![] });
        maybe("topics", if rng.random_bool(0.4) { pick(&mut rng, &topics, 2) } else { vec![] });
        maybe("organizers", if rng.random_bool(0.3) { pick(&mut rng, &organizers, 2) } else { vec![] });
        maybe("audiences", if rng.random_bool(0.2) { pick(&mut rng, &audiences, 2) } else { vec![] });
        maybe("eventTypes", if rng.random_bool(0.3) { pick(&mut rng, &types, 2) } else { vec![] });
        if rng.random_bool(0.4) {
            let from = rng.random_range(2001..2025);
            filter.insert(
                "startDate".to_string(),
                json!({"from": format!("{from}-01-01"), "to": format!("{}-06-30", from + rng.random_range(0..6))}),
            );
        }
        let filter = Value::Object(filter);
        let data = query(
            &schema,
            "query($f: EventFilter) { events(filter: $f) { totalCount } search(query: \"\", filter: $f) { totalHits }
               eventStats(groupBy: [YEAR], filter: $f) { total buckets { count } } }",
            json!({"f": filter}),
        )
        .await;
        let total = &data["eventStats"]["total"];
        assert_eq!(&data["events"]["totalCount"], total, "round {round}: {filter}");
        assert_eq!(&data["search"]["totalHits"], total, "round {round}: {filter}");
        let by_year: i64 = data["eventStats"]["buckets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|bucket| bucket["count"].as_i64().unwrap())
            .sum();
        assert_eq!(Value::from(by_year), *total, "YEAR has one value per event (or none): round {round}");
        distinct_totals.insert(total.as_i64().unwrap());
    }
    assert!(distinct_totals.len() >= 8, "the filters should select varied sets: {distinct_totals:?}");
}
db_test!(totals_agree_with_events_and_search);
