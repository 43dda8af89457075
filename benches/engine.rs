//! The search engine alone at scale: builds an index of N generated events (default one
//! million) and times `eventStats`-style grouped counts and searches in-process. Beside it, the
//! floor: the same events' text in tantivy's plainest index, the least any import can cost.
//!
//! `cargo bench --bench engine` (set `BENCH_EVENTS` for another size). Results go to standard
//! output as Markdown; BENCHMARKS.md quotes them.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use convene::catalog::reference::{Reference, RegionScheme};
use convene::catalog::slug::slugify;
use convene::catalog::Catalog;
use convene::graphql::search::highlights;
use convene_index::highlight::Highlighter;
use convene_index::{EventDocument, FacetField, SearchFilter, SearchIndex, SearchRequest};

// The same allocator as the server, so the limit is measured as Convene runs tantivy.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn percentile(samples: &mut [Duration], fraction: f64) -> Duration {
    samples.sort_unstable();
    samples[((samples.len() - 1) as f64 * fraction).round() as usize]
}

fn document(
    reference: &Reference,
    organizers: &mut HashMap<Vec<String>, u64>,
    id: u64,
    record: convene::catalog::record::EventRecord,
) -> EventDocument {
    let code = |spelling: &String| reference.resolve_country(spelling).map(|country| country.code.clone());
    let countries: Vec<String> = record.countries.iter().filter_map(code).collect();
    let venue_country = record.venue.as_ref().and_then(|venue| venue.country.as_ref()).and_then(code);
    let mut every = countries.clone();
    every.extend(venue_country.clone());
    let regions = |scheme| {
        let mut codes: Vec<String> = every
            .iter()
            .filter_map(|country| reference.region_of(country, scheme))
            .map(|region| region.code.clone())
            .collect();
        codes.dedup();
        codes
    };
    let mut organizer_ids = Vec::new();
    for depth in (1..=record.organizer.len()).rev() {
        let next = organizers.len() as u64 + 1;
        organizer_ids.push(*organizers.entry(record.organizer[..depth].to_vec()).or_insert(next));
    }
    // The row the server keeps with each event to show it as a hit, of the same size as an
    // import's (the organizer's and venue's ids stand in, as the bench has no database).
    let now = chrono::Utc::now();
    let row = convene::catalog::entity::event::Model {
        id: id as i64,
        slug: record.slug.clone().unwrap_or_else(|| format!("{}-{id}", slugify(&record.title, 80))),
        title: record.title.clone(),
        subtitle: record.subtitle.clone(),
        description: record.description.clone(),
        event_type: record.event_type.clone(),
        start_date: record.start_date,
        end_date: record.end_date,
        added_on: record.added_on,
        source_url: record.source_url.clone(),
        organizer_id: organizer_ids.first().map(|&unit| unit as i64),
        venue_id: record.venue.as_ref().map(|_| id as i64),
        created_at: now,
        updated_at: now,
    };
    EventDocument {
        id,
        source: convene::search::documents::source_of(&row),
        title: record.title,
        subtitle: record.subtitle,
        description: record.description,
        topic_slugs: record.topics.iter().map(|topic| slugify(topic, 80)).collect(),
        topic_labels: record.topics,
        audience_slugs: record.audiences.iter().map(|audience| slugify(audience, 80)).collect(),
        organizer_path: record.organizer,
        organizer_ids,
        venue_text: record.venue.iter().flat_map(|venue| [venue.name.clone(), venue.city.clone()]).flatten().collect(),
        regions_un: regions(RegionScheme::UnRegion),
        regions_subregion: regions(RegionScheme::UnSubregion),
        regions_osce: regions(RegionScheme::Osce),
        country_names: every.iter().flat_map(|country| reference.names_of(country).to_vec()).collect(),
        countries,
        venue_country,
        event_type: record.event_type,
        start_date: record.start_date,
        added_on: record.added_on,
    }
}

/// Times the row `label` (see [`time`]) and prints its p50 and p99; only the rows whose label
/// contains BENCH_ONLY when it is set, for profiling one query.
fn row<T>(label: &str, runs: usize, work: impl FnMut() -> T) {
    if std::env::var("BENCH_ONLY").is_ok_and(|only| !label.contains(&only)) {
        return;
    }
    let (p50, p99) = time(runs, work);
    println!("| {label} | p50 {}, p99 {} |", shown(p50), shown(p99));
}

/// A duration in milliseconds, or in microseconds under one millisecond (where a tenth of a
/// millisecond would hide most differences).
fn shown(duration: Duration) -> String {
    match duration < Duration::from_millis(1) {
        true => format!("{} µs", duration.as_micros()),
        false => format!("{:.1} ms", duration.as_secs_f64() * 1e3),
    }
}

/// Times `runs` calls (times BENCH_RUNS, default 1, for profiling) and gives p50 and p99.
fn time<T>(runs: usize, mut work: impl FnMut() -> T) -> (Duration, Duration) {
    let scale: usize = std::env::var("BENCH_RUNS").ok().and_then(|value| value.parse().ok()).unwrap_or(1);
    let mut samples: Vec<Duration> = (0..runs * scale.max(1))
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(work());
            started.elapsed()
        })
        .collect();
    (percentile(&mut samples, 0.5), percentile(&mut samples, 0.99))
}

/// The floor under the limit: generating the events alone, then the plainest index tantivy
/// builds of the text Convene makes searchable (one field with tantivy's default tokenizer and
/// positions; no folding, stemming, typo field, facets or stored rows). An index that finds the
/// same text by word and phrase costs at least this on the machine, whatever else its schema
/// holds; BENCHMARKS.md judges the 20,000 events/s target against it. The floor's index is
/// removed afterwards, so the searches after it read the limit's index alone.
fn floor(dir: &std::path::Path, events: usize) -> anyhow::Result<()> {
    use tantivy::schema::{Schema, TEXT};
    let started = Instant::now();
    let mut bytes = 0;
    for record in convene::generate::generate(events, 1) {
        bytes += searched_text(&record).map(str::len).sum::<usize>();
    }
    let generating = started.elapsed();
    let mut builder = Schema::builder();
    let text = builder.add_text_field("text", TEXT);
    std::fs::create_dir_all(dir)?;
    let index = tantivy::Index::create_in_dir(dir, builder.build())?;
    let mut writer: tantivy::IndexWriter = index.writer(256 * 1024 * 1024)?;
    let started = Instant::now();
    for record in convene::generate::generate(events, 1) {
        let mut document = tantivy::TantivyDocument::default();
        for value in searched_text(&record) {
            document.add_text(text, value);
        }
        writer.add_document(document)?;
    }
    writer.commit()?;
    writer.wait_merging_threads()?;
    let indexing = started.elapsed();
    drop(index);
    std::fs::remove_dir_all(dir)?;
    let rate = |elapsed: Duration| format!("{:.0} events/s", events as f64 / elapsed.as_secs_f64());
    println!(
        "| generate only ({:.0} MB of searched text) | {:.1} s ({}) |",
        bytes as f64 / 1e6,
        generating.as_secs_f64(),
        rate(generating)
    );
    println!(
        "| the floor: generate + one plain text field (default tokenizer, positions) + commit | {:.1} s ({}) |",
        indexing.as_secs_f64(),
        rate(indexing)
    );
    Ok(())
}

/// The text of an event that Convene's index makes searchable.
fn searched_text(record: &convene::catalog::record::EventRecord) -> impl Iterator<Item = &str> {
    let venue = record.venue.iter().flat_map(|venue| [&venue.name, &venue.city]).flatten();
    [&record.title]
        .into_iter()
        .chain(&record.subtitle)
        .chain(&record.description)
        .chain(&record.topics)
        .chain(&record.organizer)
        .chain(venue)
        .chain(&record.countries)
        .map(String::as_str)
}

/// Indexes `events` generated events into a new index in `dir` and reports the time it took.
fn build(dir: &std::path::Path, reference: &Reference, events: usize) -> anyhow::Result<SearchIndex> {
    let index = SearchIndex::create(dir)?;
    let mut writer = index.writer(256 * 1024 * 1024)?;
    let mut organizers = HashMap::new();
    let started = Instant::now();
    for (position, record) in convene::generate::generate(events, 1).enumerate() {
        writer.upsert(&document(reference, &mut organizers, position as u64 + 1, record))?;
    }
    // As a Convene import ends: one segment per search thread when it left more.
    writer.commit_merged(events as i64, None)?;
    index.reload()?;
    index.collect_garbage()?;
    let indexing = started.elapsed();
    println!("| events | {events} |");
    println!(
        "| generate + index + commit + merge into one segment per core | {:.1} s ({:.0} events/s) |",
        indexing.as_secs_f64(),
        events as f64 / indexing.as_secs_f64()
    );
    Ok(index)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let events: usize = std::env::var("BENCH_EVENTS").ok().and_then(|value| value.parse().ok()).unwrap_or(1_000_000);
    let scratch = tempfile::tempdir()?;
    let db =
        convene::db::connect_and_migrate(&format!("sqlite://{}?mode=rwc", scratch.path().join("ref.db").display()))
            .await?;
    let catalog = Catalog::new(db).await?;
    let reference = catalog.reference();

    // BENCH_INDEX_DIR keeps the index between runs (for profiling and A/B runs of the queries):
    // reused when it holds exactly this many events, else built there.
    let kept = std::env::var_os("BENCH_INDEX_DIR").map(std::path::PathBuf::from);
    let dir = kept.clone().unwrap_or_else(|| scratch.path().join("index"));
    let reused = SearchIndex::open(&dir)?.filter(|index| index.len() == events as u64);
    let index = match reused {
        Some(index) => {
            println!("| events | {events} (index reused from {}) |", dir.display());
            // BENCH_MERGE=1 merges a reused index into one segment first, and times that.
            if std::env::var_os("BENCH_MERGE").is_some() {
                let segments = index.searcher().segment_readers().len();
                let started = Instant::now();
                let mut writer = index.writer(64 * 1024 * 1024)?;
                writer.merge_segments()?;
                writer.wait_for_merges()?;
                index.reload()?;
                println!("| merge {segments} segments into one | {:.1} s |", started.elapsed().as_secs_f64());
            }
            index
        }
        None => {
            // Only an index is ever removed: another folder there makes `create` fail.
            if kept.is_some() && dir.join("meta.json").exists() {
                std::fs::remove_dir_all(&dir)?;
            }
            let index = build(&dir, reference, events)?;
            // BENCH_NO_FLOOR=1 skips the floor (the suite's later import rounds do).
            if std::env::var_os("BENCH_NO_FLOOR").is_none() {
                floor(&scratch.path().join("floor"), events)?;
            }
            index
        }
    };

    let none = SearchFilter::default();
    let region_year = [FacetField::RegionSubregion, FacetField::Year];
    row("eventStats [REGION, YEAR], no filter", 30, || index.stats("", &none, &region_year).unwrap());
    let central_asia = SearchFilter { regions: vec!["143".into()], ..Default::default() };
    row("eventStats [REGION, YEAR], regions 143", 30, || index.stats("", &central_asia, &region_year).unwrap());
    row("eventStats [REGION, YEAR], query \"drug trafficking\"", 30, || {
        index.stats("drug trafficking", &none, &region_year).unwrap()
    });

    for (label, filter) in [
        ("no filter", SearchFilter::default()),
        ("regions 039", SearchFilter { regions: vec!["039".into()], ..Default::default() }),
    ] {
        let order = convene_index::DateOrder {
            field: convene_index::DateField::StartDate,
            descending: true,
            reverse: false,
            after: None,
            limit: 21,
        };
        row(&format!("events page by start date, {label} (21 ids + total)"), 30, || {
            index.list_by_date(&filter, order).unwrap()
        });
    }

    // The HTTP mix's queries, the words + filter one also without its filter, and the costliest
    // kinds outside it: either of two broad words, and phrases of two broad words (every event
    // holding both has its positions read), one of them found nowhere.
    let queries = [
        ("border", &none),
        ("drug trafficking", &none),
        ("\"chemical precursors\"", &none),
        ("trafickking", &none),
        ("precurs", &none),
        ("cybercrime workshop", &none),
        ("cybercrime workshop", &central_asia),
        ("elections -observation", &none),
        ("police OR policing", &none),
        ("\"border management\"", &none),
        ("\"police workshop\"", &none),
    ];
    for (text, filter) in queries {
        let request = SearchRequest {
            query: text.to_string(),
            filter: filter.clone(),
            limit: 20,
            // The facets the HTTP mix asks for (`benches/load.rs`): REGION, TOPIC, YEAR.
            facets: vec![FacetField::RegionSubregion, FacetField::Topic, FacetField::Year],
            // And the hits' rows, as the server asks for them.
            sources: true,
            ..Default::default()
        };
        let filtered =
            if filter.regions.is_empty() { String::new() } else { format!(", regions {}", filter.regions.join(" ")) };
        row(&format!("search {text:?}{filtered} (20 hits with their rows, 3 facets)"), 20, || {
            index.search(&request).unwrap()
        });
    }

    // Highlighting a page with the server's own code (`convene::graphql::search::highlights`),
    // for the query of the mix closest to its 10x target.
    let text = "elections -observation";
    let page =
        index.search(&SearchRequest { query: text.to_string(), limit: 20, sources: true, ..Default::default() })?;
    let rows: Vec<_> = page.hits.iter().filter_map(|hit| convene::search::documents::row_of(&hit.source)).collect();
    row(&format!("highlight the {} hits of {text:?} (titles, 40-word snippets)", rows.len()), 200, || {
        let mut marker = Highlighter::new(&page.words);
        rows.iter().map(|row| highlights(row, &mut marker)).collect::<Vec<_>>()
    });
    Ok(())
}
