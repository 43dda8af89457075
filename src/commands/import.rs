//! `convene import FILE|-`: NDJSON in, a progress bar on a terminal, a summary line out.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use super::open_catalog_for;
use crate::catalog::record::EventRecord;
use crate::catalog::write::WriteCache;
use crate::catalog::{Catalog, CatalogError, ImportReport, NumberedRecord};
use crate::config::{GlobalOptions, ImportOptions};
use crate::db::Workload;
use crate::search::{ImportIndexing, IndexLocation};

/// How long `import` waits for a running server to index what it loaded.
const SEARCHABLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// Imports a file (or standard input for `-`); prints rejections and the summary.
/// Exit code 1 when any line was rejected.
pub async fn import_file(global: &GlobalOptions, options: &ImportOptions) -> anyhow::Result<i32> {
    let catalog = open_catalog_for(global, Workload::Import).await?;
    let (reader, size): (Box<dyn Read + Send>, Option<u64>) = if options.file.as_os_str() == "-" {
        (Box::new(std::io::stdin()), None)
    } else {
        let file = File::open(&options.file).with_context(|| format!("opening {}", options.file.display()))?;
        let size = file.metadata().ok().map(|metadata| metadata.len());
        (Box::new(file), size)
    };
    let progress = match size {
        Some(bytes) => ProgressBar::new(bytes).with_style(
            ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {per_sec} eta {eta}")
                .expect("a valid template"),
        ),
        None => ProgressBar::new_spinner()
            .with_style(ProgressStyle::with_template("{spinner} {bytes} read, {per_sec}").expect("a valid template")),
    };
    let started = std::time::Instant::now();
    // Indexing runs beside storing, so `import` returns once what it loaded is searchable.
    let indexing = ImportIndexing::start(&catalog, IndexLocation::new(global.data_dir.join("index"))).await?;
    let catalog = match indexing.handoff() {
        Some(handoff) => catalog.with_handoff(handoff),
        None => catalog,
    };
    let report = import_lines(&catalog, BufReader::new(progress.wrap_read(reader)), options.batch_size).await?;
    progress.finish_and_clear();
    let stored = started.elapsed();
    let seq = catalog.last_change_seq().await?;
    indexing.finish(seq, SEARCHABLE_TIMEOUT).await.context("making the import searchable")?;
    crate::db::checkpoint(catalog.db()).await?;
    tracing::info!(
        events = report.imported + report.updated,
        batches_one_by_one = report.batches_one_by_one,
        stored_seconds = stored.as_secs_f64(),
        searchable_seconds = started.elapsed().as_secs_f64(),
        "import finished"
    );
    for rejection in &report.rejected {
        eprintln!("line {}: {}", rejection.line, rejection.reason);
    }
    println!("imported {}, updated {}, rejected {}", report.imported, report.updated, report.rejected.len());
    Ok(if report.rejected.is_empty() { 0 } else { 1 })
}

/// Parses one NDJSON line.
pub fn parse_line(line: &str) -> Result<EventRecord, String> {
    serde_json::from_str(line).map_err(|error| format!("invalid record: {error}"))
}

/// Reads NDJSON and imports it in batches; blank lines are skipped, lines are numbered
/// from 1. Each batch is written by its own task while this one parses the next, and the
/// batches commit in input order, so a later line still wins over an earlier one.
pub async fn import_lines(catalog: &Catalog, reader: impl BufRead, batch_size: usize) -> anyhow::Result<ImportReport> {
    if catalog.pipelines_imports() {
        return import_lines_pipelined(catalog, reader, batch_size).await;
    }
    type Writing = tokio::task::JoinHandle<(Result<ImportReport, CatalogError>, WriteCache)>;
    async fn written(writing: Option<Writing>, report: &mut ImportReport) -> anyhow::Result<WriteCache> {
        let Some(writing) = writing else { return Ok(WriteCache::default()) };
        let (outcome, cache) = writing.await.context("an import batch's task failed")?;
        report.absorb(outcome?);
        Ok(cache)
    }
    let mut report = ImportReport::default();
    let mut writing: Option<Writing> = None;
    let mut batches = batches(reader, batch_size);
    loop {
        let batch = match batches.next().transpose() {
            Ok(batch) => batch,
            Err(error) => {
                // The batch in flight still commits or fails before the import stops.
                written(writing.take(), &mut report).await?;
                return Err(anyhow::Error::new(error).context("reading input"));
            }
        };
        let mut cache = written(writing.take(), &mut report).await?;
        let Some(batch) = batch else { return Ok(report) };
        let catalog = catalog.clone();
        writing = Some(tokio::spawn(async move {
            let outcome = catalog.import_batch_with(batch, &mut cache).await;
            (outcome, cache)
        }));
    }
}

/// An import's first batch holds the batch size divided by this, and each batch after it twice
/// the one before, up to the batch size. Nothing is indexed until the first batch commits, and
/// on PostgreSQL the second batch in flight waits for that commit too: a first batch of the
/// full 10,000 records left about a core idle for the first second of an import.
const FIRST_BATCH_DIVISOR: usize = 8;

/// The sizes of an import's batches, in order (endless).
fn batch_sizes(batch_size: usize) -> impl Iterator<Item = usize> {
    let batch_size = batch_size.max(1);
    let first = (batch_size / FIRST_BATCH_DIVISOR).max(1);
    std::iter::successors(Some(first), move |&size| Some((size * 2).min(batch_size)))
}

/// The input's numbered records in batches of [`batch_sizes`], until the input ends or a line
/// cannot be read (the error is the last item).
fn batches(reader: impl BufRead, batch_size: usize) -> impl Iterator<Item = std::io::Result<Vec<NumberedRecord>>> {
    let mut lines = reader.lines().enumerate();
    let mut failed = false;
    batch_sizes(batch_size).map_while(move |size| {
        if failed {
            return None;
        }
        match next_batch(&mut lines, size) {
            Ok(batch) if batch.is_empty() => None,
            Ok(batch) => Some(Ok(batch)),
            Err(error) => {
                failed = true;
                Some(Err(error))
            }
        }
    })
}

/// Reads the next batch of numbered records (at most `batch_size`, blank lines skipped).
fn next_batch(
    lines: &mut impl Iterator<Item = (usize, std::io::Result<String>)>,
    batch_size: usize,
) -> std::io::Result<Vec<NumberedRecord>> {
    let mut batch = Vec::with_capacity(batch_size);
    for (index, line) in lines {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        batch.push((index + 1, parse_line(&line)));
        if batch.len() >= batch_size.max(1) {
            break;
        }
    }
    Ok(batch)
}

/// [`import_lines`] on PostgreSQL: two batches in flight, each committing after the one before
/// ([`crate::catalog::pipeline`]), while this task parses the next.
async fn import_lines_pipelined(
    catalog: &Catalog,
    reader: impl BufRead,
    batch_size: usize,
) -> anyhow::Result<ImportReport> {
    /// Batches being written at once.
    const IN_FLIGHT: usize = 2;
    let pipeline = std::sync::Arc::new(crate::catalog::pipeline::Pipeline::default());
    let mut report = ImportReport::default();
    let mut writing = std::collections::VecDeque::new();
    let mut previous = None;
    let mut batches = batches(reader, batch_size);
    let outcome = loop {
        let batch = match batches.next().transpose() {
            Ok(Some(batch)) => batch,
            Ok(None) => break Ok(()),
            Err(error) => break Err(anyhow::Error::new(error).context("reading input")),
        };
        if writing.len() >= IN_FLIGHT {
            if let Some(oldest) = writing.pop_front() {
                if let Err(error) = absorb(oldest, &mut report).await {
                    break Err(error);
                }
            }
        }
        let (signal, turn) = crate::catalog::pipeline::turn();
        let (catalog, pipeline, previous) = (catalog.clone(), pipeline.clone(), previous.replace(turn));
        writing.push_back(tokio::spawn(async move {
            catalog.import_batch_in_turn(batch, pipeline, previous, signal).await
        }));
    };
    // Batches in flight still commit or fail before the import stops.
    let mut first_error = outcome.err();
    while let Some(batch) = writing.pop_front() {
        if let Err(error) = absorb(batch, &mut report).await {
            first_error.get_or_insert(error);
        }
    }
    match first_error {
        Some(error) => Err(error),
        None => Ok(report),
    }
}

/// Waits for a batch's task and adds its counts to the import's.
async fn absorb(
    writing: tokio::task::JoinHandle<Result<ImportReport, CatalogError>>,
    report: &mut ImportReport,
) -> anyhow::Result<()> {
    report.absorb(writing.await.context("an import batch's task failed")??);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::batch_sizes;

    #[test]
    fn batches_grow_from_an_eighth_of_the_batch_size() {
        let sizes = |size| batch_sizes(size).take(6).collect::<Vec<_>>();
        assert_eq!(sizes(10_000), [1_250, 2_500, 5_000, 10_000, 10_000, 10_000]);
        assert_eq!(sizes(100), [12, 24, 48, 96, 100, 100]);
        assert_eq!(sizes(3), [1, 2, 3, 3, 3, 3]);
        assert_eq!(sizes(0), [1, 1, 1, 1, 1, 1]);
    }
}
