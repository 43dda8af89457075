//! The CLI commands of API.md, one function each.

mod import;
mod serve;

use std::io::Write;

use anyhow::Context;

use crate::catalog::{osce, Catalog};
use crate::config::{Command, GenerateOptions, GlobalOptions, ServeOptions, TokenCommand};
use crate::db::Workload;

pub use import::{import_file, import_lines, parse_line};
pub use serve::{load_samples, serve};

/// Runs a command; `serve` when none is given. Returns the process exit code.
pub async fn run(global: &GlobalOptions, command: Option<Command>) -> anyhow::Result<i32> {
    match command.unwrap_or(Command::Serve(ServeOptions::default())) {
        Command::Serve(options) => serve(global, &options).await.map(|()| 0),
        Command::Import(options) => import_file(global, &options).await,
        Command::Export => export(global).await.map(|()| 0),
        Command::Reindex => {
            let catalog = open_catalog(global).await?;
            let location = crate::search::IndexLocation::new(global.data_dir.join("index"));
            let events = crate::search::reindex(&catalog, &location).await?;
            println!("reindexed {events} events");
            Ok(0)
        }
        Command::Schema => {
            print!("{}", crate::graphql::sdl());
            Ok(0)
        }
        Command::Generate(options) => generate(&options).map(|()| 0),
        Command::Token(command) => token(global, command).await.map(|()| 0),
    }
}

/// Connects, migrates and loads the reference data: what every command starts with.
pub async fn open_catalog(global: &GlobalOptions) -> anyhow::Result<Catalog> {
    open_catalog_for(global, Workload::General).await
}

/// [`open_catalog`] for this workload.
pub async fn open_catalog_for(global: &GlobalOptions, workload: Workload) -> anyhow::Result<Catalog> {
    let db = crate::db::connect_and_migrate_for(&global.database_url(), workload).await?;
    let groups = match &global.osce_groups {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            osce::parse_groups_file(&text).with_context(|| format!("reading {}", path.display()))?
        }
        None => osce::bundled_groups(),
    };
    osce::replace_groups(&db, &groups).await.context("updating the OSCE grouping")?;
    Catalog::new(db).await.context("loading reference data")
}

async fn export(global: &GlobalOptions) -> anyhow::Result<()> {
    let catalog = open_catalog(global).await?;
    let mut out = std::io::BufWriter::new(std::io::stdout());
    let written = catalog.export(&mut out).await?;
    tracing::info!(events = written, "exported");
    Ok(())
}

async fn token(global: &GlobalOptions, command: TokenCommand) -> anyhow::Result<()> {
    let db = crate::db::connect_and_migrate(&global.database_url()).await?;
    match command {
        TokenCommand::Create { role, name } => println!("{}", crate::auth::create_token(&db, role, name).await?),
        TokenCommand::List => {
            for token in crate::auth::list_tokens(&db).await? {
                let revoked =
                    token.revoked_at.map(|at| format!("revoked {at}")).unwrap_or_else(|| "active".to_string());
                println!(
                    "{}\t{}\t{}\t{}\t{revoked}",
                    token.id,
                    token.role,
                    token.name.unwrap_or_default(),
                    token.created_at
                );
            }
        }
        TokenCommand::Revoke { id } => {
            crate::auth::revoke_token(&db, id).await?;
            println!("revoked token {id}");
        }
    }
    Ok(())
}

fn generate(options: &GenerateOptions) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for record in crate::generate::generate(options.events, options.seed) {
        serde_json::to_writer(&mut out, &record)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}
