//! `convene serve`: migrate, load samples into an empty catalogue, serve until a signal.

use anyhow::Context;
use sea_orm::{EntityTrait, PaginatorTrait};

use super::{import_lines, open_catalog};
use crate::catalog::entity::event;
use crate::catalog::{Catalog, ImportReport};
use crate::config::{GlobalOptions, ServeOptions};
use crate::http::Application;
use crate::search::{IndexLocation, Search};

/// The real event every sample catalogue starts with.
const SEED_EVENT: &str = include_str!("../samples/seed-event.ndjson");
/// How often the index looks for changes written by other processes.
pub const INDEX_POLL: std::time::Duration = std::time::Duration::from_millis(250);

/// The seed of the synthetic sample events: the same samples on every machine.
const SAMPLE_SEED: u64 = 2009;

/// Loads the seed event and `count` generated events into an empty catalogue; does nothing
/// when the catalogue already holds events.
pub async fn load_samples(catalog: &Catalog, count: usize) -> anyhow::Result<Option<ImportReport>> {
    if event::Entity::find().count(catalog.db()).await? > 0 {
        return Ok(None);
    }
    let mut lines = SEED_EVENT.trim_end().to_string();
    for record in crate::generate::generate(count, SAMPLE_SEED) {
        lines.push('\n');
        lines.push_str(&serde_json::to_string(&record)?);
    }
    Ok(Some(import_lines(catalog, lines.as_bytes(), 500).await?))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

/// Serves the API until SIGTERM or Ctrl-C.
pub async fn serve(global: &GlobalOptions, options: &ServeOptions) -> anyhow::Result<()> {
    let catalog = open_catalog(global).await?;
    if !options.no_sample {
        if let Some(report) = load_samples(&catalog, options.sample_events).await.context("loading sample events")? {
            tracing::info!(
                imported = report.imported,
                rejected = report.rejected.len(),
                "loaded sample events into the empty catalogue"
            );
        }
    }
    let location = IndexLocation::new(global.data_dir.join("index"));
    let (search, search_task) =
        Search::start(&catalog, location, INDEX_POLL).await.context("opening the search index")?;
    let application = Application::build(catalog.clone(), search, options).await?;
    tracing::info!(
        address = %options.bind.ip(),
        port = application.port(),
        database = %crate::db::redact(&global.database_url()),
        "serving GraphQL at /graphql, GraphiQL at /graphiql"
    );
    application.run_until_stopped(shutdown_signal()).await?;
    search_task.stop().await;
    catalog.db().clone().close().await.context("closing the database")?;
    tracing::info!("stopped");
    Ok(())
}
