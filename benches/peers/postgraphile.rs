//! The PostGraphile 5 peer (`benches/peers/postgraphile.mjs`, started by `benches/run.sh` on
//! the same PostgreSQL database as Convene): the frontend page under load and the
//! region x year dashboard through `@graphile/pg-aggregates`, after checking once that both
//! servers answer the same question with the same events.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{concurrent_load, post, sequential, DATES};

/// Convene's `FRONTEND` page in PostGraphile's Amber names: 20 events in Convene's default
/// order (`START_DATE_DESC`, ties by id descending; the date filter leaves no null dates) with
/// the same fields, countries and topics in `position` order like Convene's (the smart comments
/// of `postgraphile.sql` allow that order). The organizer's path is its `path_key` column (the
/// names from the top joined by U+001F), the same data as Convene's `path` list.
const PAGE: &str =
    "query($filter: EventFilter!) { allEvents(first: 20, orderBy: [START_DATE_DESC, ROW_ID_DESC], filter: $filter) {
  totalCount nodes { rowId title startDate organizerByOrganizerId { name pathKey }
    venueByVenueId { name city countryByCountryCode { code name } }
    eventCountriesByEventId(orderBy: POSITION_ASC) { nodes { countryByCountryCode { code name } } }
    eventTopicsByEventId(orderBy: POSITION_ASC) { nodes { topicByTopicId { slug label } } } } } }";

/// Convene's `{regions: [region], startDate: {from, to}}` with postgraphile-plugin-connection-
/// filter's relation filters (`connectionFilterRelations`): the venue's country, or some
/// participating country, has a `country_regions` row for the region. This is the filter a
/// PostGraphile client writes against these tables without server-side SQL of its own; it
/// becomes two EXISTS subqueries per candidate event.
fn page_filter(region: &str) -> Value {
    let in_region = json!({"countryRegionsByCountryCode": {"some": {"regionCode": {"equalTo": region}}}});
    json!({
        "startDate": {"greaterThanOrEqualTo": DATES.0, "lessThanOrEqualTo": DATES.1},
        "or": [
            {"venueByVenueId": {"countryByCountryCode": in_region}},
            {"eventCountriesByEventId": {"some": {"countryByCountryCode": in_region}}},
        ],
    })
}

fn page_body(region: &str) -> Value {
    json!({"query": PAGE, "variables": {"filter": page_filter(region)}})
}

/// `eventStats(groupBy: [REGION, YEAR])` through pg-aggregates over the view of
/// `benches/peers/postgraphile.sql`: distinct events per (UN subregion, start year).
const STATS: &str =
    "{ allBenchEventRegions { groupedAggregates(groupBy: [REGION_CODE, YEAR]) { keys distinctCount { eventId } } } }";

/// (region, year) -> events, from either server's answer.
type Buckets = BTreeMap<(String, Option<String>), i64>;

fn count(value: &Value) -> i64 {
    // PostGraphile sends bigint aggregates as strings.
    value.as_i64().or_else(|| value.as_str().and_then(|text| text.parse().ok())).expect("a count")
}

fn text(value: &Value) -> Option<String> {
    value.as_str().map(str::to_string).or_else(|| value.as_i64().map(|number| number.to_string()))
}

/// What a page row shows, from either server: id, organizer path, venue country, countries and
/// topics (in their order).
type Row = (i64, Option<Vec<String>>, Option<String>, Vec<String>, Vec<String>);

fn strings(values: &Value, field: impl Fn(&Value) -> &Value) -> Vec<String> {
    values.as_array().expect("a list").iter().filter_map(|value| text(field(value))).collect()
}

fn convene_row(node: &Value) -> Row {
    let path = (!node["organizer"].is_null()).then(|| strings(&node["organizer"]["path"], |name| name));
    let countries = strings(&node["countries"], |country| &country["code"]);
    let topics = strings(&node["topics"], |topic| &topic["slug"]);
    (count(&node["id"]), path, text(&node["venue"]["country"]["code"]), countries, topics)
}

fn peer_row(node: &Value) -> Row {
    let path =
        text(&node["organizerByOrganizerId"]["pathKey"]).map(|key| key.split('\u{1f}').map(str::to_string).collect());
    let countries = strings(&node["eventCountriesByEventId"]["nodes"], |link| &link["countryByCountryCode"]["code"]);
    let topics = strings(&node["eventTopicsByEventId"]["nodes"], |link| &link["topicByTopicId"]["slug"]);
    let venue_country = text(&node["venueByVenueId"]["countryByCountryCode"]["code"]);
    (count(&node["rowId"]), path, venue_country, countries, topics)
}

/// Checks that PostGraphile and Convene give the same page (total, events in order, their
/// links) for one region and the same region x year buckets, so the rows compare equal work;
/// returns the differences. A difference is a finding, not a reason to lose the run: it is
/// printed as a row of the results, and the smoke run in CI fails on it.
async fn check_same_answers(client: &reqwest::Client, convene: &str, peer: &str) -> Vec<String> {
    let convene_page = post(client, convene, None, super::frontend_body("039")).await;
    let peer_page = post(client, peer, None, page_body("039")).await;
    let convene_page = &convene_page["data"]["events"];
    let peer_page = &peer_page["data"]["allEvents"];
    let convene_rows: Vec<Row> =
        convene_page["edges"].as_array().expect("edges").iter().map(|edge| convene_row(&edge["node"])).collect();
    let peer_rows: Vec<Row> = peer_page["nodes"].as_array().expect("nodes").iter().map(peer_row).collect();
    assert!(count(&convene_page["totalCount"]) > 0, "the region filter selects events");
    let mut differences = Vec::new();
    let (ours, theirs) = (count(&convene_page["totalCount"]), count(&peer_page["totalCount"]));
    if ours != theirs {
        differences.push(format!("totalCount for region 039: Convene {ours}, PostGraphile {theirs}"));
    }
    if convene_rows != peer_rows {
        differences.push("the first page for region 039 differs".to_string());
    }

    let stats = json!({"query": "{ eventStats(groupBy: [REGION, YEAR]) { buckets { count keys { key } } } }"});
    let convene_stats = post(client, convene, None, stats).await;
    let convene_buckets: Buckets = convene_stats["data"]["eventStats"]["buckets"]
        .as_array()
        .expect("buckets")
        .iter()
        // Events without any country have no region bucket in the view.
        .filter_map(|bucket| {
            let keys = &bucket["keys"];
            Some(((text(&keys[0]["key"])?, text(&keys[1]["key"])), count(&bucket["count"])))
        })
        .collect();
    let peer_stats = post(client, peer, None, json!({"query": STATS})).await;
    let peer_buckets: Buckets = peer_stats["data"]["allBenchEventRegions"]["groupedAggregates"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|group| {
            let keys = &group["keys"];
            ((text(&keys[0]).expect("a region"), text(&keys[1])), count(&group["distinctCount"]["eventId"]))
        })
        .collect();
    assert!(!convene_buckets.is_empty());
    if convene_buckets != peer_buckets {
        let differing = peer_buckets.iter().filter(|(key, count)| convene_buckets.get(*key) != Some(*count)).count();
        differences.push(format!("{differing} of {} region x year buckets differ", peer_buckets.len()));
    }
    differences
}

/// The PostGraphile rows, measured exactly like Convene's.
pub async fn rows(convene: &str, peer: &str) {
    let client = reqwest::Client::new();
    let differences = check_same_answers(&client, convene, peer).await;
    for difference in &differences {
        println!("| **Answers differ** (Convene vs PostGraphile): {difference} | | |");
    }
    assert!(
        differences.is_empty() || super::differences_tolerated(),
        "Convene and PostGraphile answer differently: {differences:?}"
    );
    // Warm-up (Grafast plans each operation once, V8 compiles hot code): Convene had served
    // hundreds of requests before its own load.
    for region in super::REGIONS.iter().cycle().take(20) {
        post(&client, peer, None, page_body(region)).await;
    }
    let (rps, p99) = concurrent_load(peer, 16, 10, page_body).await;
    println!("| PostGraphile 5 frontend page (20 events, nested, region+date filter), 16 clients | {rps:.0} req/s | p99 {p99:.1} ms |");
    let body = json!({"query": STATS});
    let (p50, p99) = sequential(10, || async {
        post(&client, peer, None, body.clone()).await;
    })
    .await;
    println!("| PostGraphile 5 + pg-aggregates, region x year | {p50:.1} | {p99:.1} |");
}
