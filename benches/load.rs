//! Load and latency against a running Convene server, from a separate process, with the
//! PostgreSQL equivalents beside it when the server runs on PostgreSQL, and PostGraphile 5
//! serving the same database when its URL is given.
//!
//! `cargo bench --bench load -- BASE_URL EDITOR_TOKEN [DATABASE_URL [POSTGRAPHILE_URL]]` prints
//! Markdown table rows; `benches/run.sh` starts the servers, runs this and writes BENCHMARKS.md.
//! `BENCH_ONLY` runs some parts of the load only, `BENCH_QUERIES` some searches of the mix and
//! `BENCH_REQUESTS` sets how many of each search and eventStats request (`benches/profile.sh`
//! records the server under them).

use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{json, Value};

#[path = "peers/postgraphile.rs"]
mod postgraphile;
#[path = "peers/postgres.rs"]
mod postgres;

use postgres::{group_by_row, peer_search, peer_setup, peer_total};

const QUERIES: [(&str, &str); 7] = [
    ("one word", "border"),
    ("two words", "drug trafficking"),
    ("phrase", "\"chemical precursors\""),
    ("typo", "trafickking"),
    ("prefix", "precurs"),
    ("words + filter", "cybercrime workshop"),
    ("exclusion", "elections -observation"),
];

/// A full run records answers that differ between Convene and a peer as rows of its results;
/// the smoke run (CI) fails on them (`benches/run.sh`).
fn differences_tolerated() -> bool {
    std::env::var_os("BENCH_TOLERATE_DIFFERENCES").is_some()
}

fn percentile(samples: &mut [Duration], fraction: f64) -> f64 {
    samples.sort_unstable();
    samples[((samples.len() - 1) as f64 * fraction).round() as usize].as_secs_f64() * 1e3
}

async fn post(client: &reqwest::Client, base: &str, token: Option<&str>, body: Value) -> Value {
    let mut request = client.post(format!("{base}/graphql")).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response: Value = request.send().await.expect("the server answers").json().await.expect("JSON");
    assert!(response["errors"].is_null(), "{response}");
    response
}

/// Time spent on one measurement at most, past its fifth sample: at a million events one
/// PostgreSQL full-text query takes seconds, and 30 of them per row would take the suite hours.
const BUDGET: Duration = Duration::from_secs(30);

/// Warm-up: the first calls fill caches (the page cache, PostgreSQL's plan and buffer caches,
/// the index's decoded columns) that every later call finds full. Three calls, or one when calls
/// are slow (a PostgreSQL full-text query at a million events takes seconds).
async fn warm_up<F, Fut, T>(call: &mut F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let warming = Instant::now();
    for _ in 0..3 {
        call().await;
        if warming.elapsed() > Duration::from_secs(1) {
            break;
        }
    }
}

/// Times one call.
async fn timed<F, Fut, T>(call: &mut F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let started = Instant::now();
    std::hint::black_box(call().await);
    started.elapsed()
}

/// Times `runs` sequential calls (fewer, but at least 5, when they exceed [`BUDGET`]); returns
/// (p50, p99) in milliseconds.
async fn sequential<F, Fut, T>(runs: usize, mut call: F) -> (f64, f64)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    warm_up(&mut call).await;
    let mut samples = Vec::with_capacity(runs);
    let begun = Instant::now();
    for run in 0..runs {
        if run >= 5 && begun.elapsed() > BUDGET {
            break;
        }
        samples.push(timed(&mut call).await);
    }
    (percentile(&mut samples, 0.5), percentile(&mut samples, 0.99))
}

/// Blocks two measures are taken in, alternating.
const BLOCKS: usize = 10;

/// Times `runs.0` calls of `first` and `runs.1` of `second` in [`BLOCKS`] alternating blocks, so
/// that both see the same spells of this shared machine: between runs of the suite each side's
/// p50 for the same query moved by up to a fifth, and sides measured minutes apart can land in
/// different spells. `second` stops taking turns once its calls exceed [`BUDGET`] (with at
/// least 5), and `first` then takes its remaining calls alone. Returns each one's (p50, p99)
/// in milliseconds.
async fn alternating<F, Fut, T, G, Gut, U>(runs: (usize, usize), mut first: F, mut second: G) -> [(f64, f64); 2]
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
    G: FnMut() -> Gut,
    Gut: std::future::Future<Output = U>,
{
    warm_up(&mut first).await;
    warm_up(&mut second).await;
    let (mut firsts, mut seconds) = (Vec::with_capacity(runs.0), Vec::with_capacity(runs.1));
    let mut second_time = Duration::ZERO;
    for block in 1..=BLOCKS {
        while firsts.len() < runs.0 * block / BLOCKS {
            firsts.push(timed(&mut first).await);
        }
        while seconds.len() < runs.1 * block / BLOCKS && (seconds.len() < 5 || second_time < BUDGET) {
            let took = timed(&mut second).await;
            second_time += took;
            seconds.push(took);
        }
    }
    [firsts, seconds].map(|mut samples| (percentile(&mut samples, 0.5), percentile(&mut samples, 0.99)))
}

const SEARCH: &str = "query($q: String!, $filter: EventFilter) { search(query: $q, filter: $filter, first: 20, facets: [REGION, TOPIC, YEAR]) {
  totalHits hits { score event { id title } highlights { field snippet } } facets { dimension buckets { key count } } } }";

const FRONTEND: &str = "query($filter: EventFilter) { events(first: 20, filter: $filter) { totalCount edges { node {
  id title startDate organizer { name path } venue { name city country { code name } } countries { code name } topics { slug label } } } } }";

/// Searches timed per query of the mix. Alternating with PostgreSQL's, that is 20 per block: the
/// first after a pause takes about twice as long as the rest (at 100k, 2.0-2.1 ms against
/// 1.0-1.1 after 50 ms of sleep or of other work), so it moves the p99 but not the median.
const SEARCHES: usize = 200;

/// Convene's search over HTTP for each query of the mix; on PostgreSQL, beside the same search
/// by PostgreSQL's full-text search ([`postgres::PEER_SEARCH`]), the two measured in
/// alternating blocks, and PostgreSQL's p50 over Convene's, with how many events each finds. A
/// peer that finds nothing where Convene finds events is an answer that differs
/// (`postgraphile::rows`).
async fn search_rows(client: &reqwest::Client, base: &str, peer: Option<&DatabaseConnection>) {
    let mut peer_rows = Vec::new();
    let searches = requests(SEARCHES);
    // `BENCH_QUERIES` keeps the queries whose label holds one of its comma-separated words.
    let kept = std::env::var("BENCH_QUERIES").ok();
    let wanted =
        |label: &str| kept.as_deref().is_none_or(|kept| kept.split(',').any(|word| label.contains(word.trim())));
    let queries: Vec<_> = QUERIES.into_iter().filter(|(label, _)| wanted(label)).collect();
    assert!(!queries.is_empty(), "BENCH_QUERIES={kept:?} names no query of the mix: {QUERIES:?}");
    for (label, text) in queries {
        // "words + filter" keeps Eastern Europe, on both sides.
        let region = label.contains("filter").then_some("143");
        let filter = region.map_or(Value::Null, |code| json!({ "regions": [code] }));
        let convene = || post(client, base, None, json!({"query": SEARCH, "variables": {"q": text, "filter": filter}}));
        let ((p50, p99), peer_times) = match peer {
            None => (sequential(searches, convene).await, None),
            Some(db) => {
                let statement = peer_search(db, text, region);
                let found = (
                    convene().await["data"]["search"]["totalHits"].as_i64().unwrap_or(0),
                    peer_total(db, &statement).await,
                );
                if found.0 > 0 && found.1 == 0 {
                    // A peer that finds nothing does no work, and its ratio says nothing (the
                    // typo and prefix rows were like that until the peer learnt them).
                    peer_rows.push(format!("| **Answers differ** (Convene vs PostgreSQL FTS): {label} found {} events in Convene and none in PostgreSQL | | |", found.0));
                    assert!(
                        differences_tolerated(),
                        "PostgreSQL full-text search finds nothing for {text:?}, Convene {} events",
                        found.0
                    );
                }
                let postgres = || async {
                    db.query_one_raw(statement.clone()).await.expect("SQL runs").expect("one row");
                };
                let [convene, postgres] = alternating((searches, 30), convene, postgres).await;
                (convene, Some((postgres, found)))
            }
        };
        println!("| Convene search over HTTP, {label} `{text}` | {p50:.1} | {p99:.1} |");
        if let Some(((peer_p50, peer_p99), (convene_found, peer_found))) = peer_times {
            peer_rows.push(format!(
                "| PostgreSQL FTS (tsvector + GIN, ts_rank, ts_headline, GROUP BY facets), {label} | {peer_p50:.1} | {peer_p99:.1} |"
            ));
            peer_rows.push(format!(
                "| PostgreSQL FTS p50 / Convene p50 (measured in alternating blocks), {label} | {:.1}x | events found: Convene {convene_found}, PostgreSQL {peer_found} |",
                peer_p50 / p50
            ));
        }
    }
    for row in peer_rows {
        println!("{row}");
    }
}

/// The frontend page's filter rotates over these regions, within these start dates.
const REGIONS: [&str; 5] = ["039", "143", "151", "155", "145"];
const DATES: (&str, &str) = ("2010-01-01", "2020-12-31");

fn frontend_body(region: &str) -> Value {
    let filter = json!({"regions": [region], "startDate": {"from": DATES.0, "to": DATES.1}});
    json!({"query": FRONTEND, "variables": {"filter": filter}})
}

/// `concurrency` clients post `body(region)` for `seconds`, rotating over [`REGIONS`];
/// returns (requests per second, p99 in milliseconds).
async fn concurrent_load(base: &str, concurrency: usize, seconds: u64, body: fn(&str) -> Value) -> (f64, f64) {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut workers = Vec::new();
    for worker in 0..concurrency {
        let client = client.clone();
        let base = base.to_string();
        workers.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            let mut round = worker;
            while Instant::now() < deadline {
                let started = Instant::now();
                post(&client, &base, None, body(REGIONS[round % REGIONS.len()])).await;
                samples.push(started.elapsed());
                round += 1;
            }
            samples
        }));
    }
    let mut samples = Vec::new();
    for worker in workers {
        samples.extend(worker.await.expect("a worker"));
    }
    (samples.len() as f64 / seconds as f64, percentile(&mut samples, 0.99))
}

async fn frontend_load(base: &str, concurrency: usize, seconds: u64) {
    let (rps, p99) = concurrent_load(base, concurrency, seconds, frontend_body).await;
    println!("| Convene frontend page (20 events, nested, region+date filter), {concurrency} clients | {rps:.0} req/s | p99 {p99:.1} ms |");
}

async fn stats_rows(client: &reqwest::Client, base: &str) {
    let body = json!({"query": "{ eventStats(groupBy: [REGION, YEAR]) { total buckets { count keys { key } } } }"});
    let (p50, p99) = sequential(requests(30), || async {
        post(client, base, None, body.clone()).await;
    })
    .await;
    println!("| Convene eventStats [REGION, YEAR] over HTTP | {p50:.1} | {p99:.1} |");
}

async fn freshness(client: &reqwest::Client, base: &str, token: &str) {
    let mut samples = Vec::new();
    for round in 0..30 {
        let word = format!("zqfresh{round}x{}", std::process::id());
        let create = json!({"query": "mutation($input: EventInput!) { createEvent(input: $input) { id } }",
            "variables": {"input": {"title": format!("Freshness probe {word}")}}});
        post(client, base, Some(token), create).await;
        let returned = Instant::now();
        loop {
            let found = post(
                client,
                base,
                None,
                json!({"query": "query($q: String!) { search(query: $q) { totalHits } }", "variables": {"q": word}}),
            )
            .await;
            if found["data"]["search"]["totalHits"] == 1 {
                break;
            }
            assert!(returned.elapsed() < Duration::from_secs(10), "never became searchable");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        samples.push(returned.elapsed());
    }
    println!(
        "| Freshness: mutation returned -> visible in search | p50 {:.0} ms | p99 {:.0} ms |",
        percentile(&mut samples.clone(), 0.5),
        percentile(&mut samples, 0.99)
    );
}

#[tokio::main]
async fn main() {
    let arguments: Vec<String> = std::env::args().skip(1).filter(|argument| argument != "--bench").collect();
    let base = arguments.first().expect("usage: load BASE_URL EDITOR_TOKEN [DATABASE_URL [POSTGRAPHILE_URL]]").clone();
    let token = arguments.get(1).expect("an editor token").clone();
    let client = reqwest::Client::new();
    // On PostgreSQL, the full-text search peer's table first: its searches alternate with
    // Convene's. PostGraphile introspected the database when it started and does not watch it.
    let fts_peer = match arguments.get(2).filter(|url| url.starts_with("postgres")) {
        Some(database_url) => Some(peer_setup(database_url).await),
        None => None,
    };
    if runs("search") {
        search_rows(&client, &base, fts_peer.as_ref()).await;
    }
    if runs("stats") {
        stats_rows(&client, &base).await;
    }
    if runs("frontend") {
        frontend_load(&base, 16, 10).await;
    }
    if runs("freshness") {
        freshness(&client, &base, &token).await;
    }
    if let Some(peer) = arguments.get(3).filter(|url| !url.is_empty() && runs("postgraphile")) {
        postgraphile::rows(&base, peer).await;
    }
    if let Some(db) = fts_peer.as_ref().filter(|_| runs("group-by")) {
        group_by_row(db).await;
    }
}

/// How many of each timed request to send: `default`, or `BENCH_REQUESTS` (a profile wants
/// seconds of them).
fn requests(default: usize) -> usize {
    std::env::var("BENCH_REQUESTS").ok().and_then(|count| count.parse().ok()).unwrap_or(default)
}

/// The parts of the load, in the order they run.
const PARTS: [&str; 6] = ["search", "stats", "frontend", "freshness", "postgraphile", "group-by"];

/// Whether this part of the load runs: all of them, or those `BENCH_ONLY` names (a comma-separated
/// list of [`PARTS`]), so that `benches/profile.sh` can record the server under one kind of
/// request. A name that is no part stops the load rather than run nothing.
fn runs(part: &str) -> bool {
    let Ok(only) = std::env::var("BENCH_ONLY") else { return true };
    let names: Vec<&str> = only.split(',').map(str::trim).collect();
    if let Some(unknown) = names.iter().find(|name| !PARTS.contains(name)) {
        panic!("BENCH_ONLY names {unknown:?}, which is no part of the load: {PARTS:?}");
    }
    names.contains(&part)
}
