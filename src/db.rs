//! Database connections: SQLite by default under the data directory, PostgreSQL by URL.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend};

/// The URL of the default SQLite database inside a data directory.
pub fn default_sqlite_url(data_dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", data_dir.join("convene.db").display())
}

/// What a process does with the database, which sizes SQLite's page cache (per connection).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// A server, and every command but `import`: reads, and writes of a few rows. 32 MB.
    General,
    /// `convene import`: 1 GB. Every imported event goes into B-trees keyed by its title,
    /// slug, source URL and start date at random places; at a million events they outgrow
    /// 32 MB, and each insert read their pages again (a sixth of a 1M import's CPU was spent in
    /// the kernel; 256 MB took the import from 396 to 350 s). With 32 KB pages, 256 MB still
    /// left 43 s of a 1M import's 272 s of CPU in the kernel; 1 GB took it from 152.2 to
    /// 144.9 s until searchable, and its peak RSS from 3.8 to 4.0 GB (one run each).
    Import,
}

impl Workload {
    fn cache_kib(self) -> u32 {
        match self {
            Workload::General => 32 * 1024,
            Workload::Import => 1024 * 1024,
        }
    }

    /// After how many WAL pages a commit copies the WAL back into the database
    /// (`wal_autocheckpoint`). SQLite's 1,000 suits small writes. An import batch dirties
    /// every page of its random-keyed B-trees (title, slug, start date), so at 1,000 pages it
    /// copied all of them back after every batch; at 32,768 (1 GB of 32 KB pages) a page
    /// written by several batches is copied once. 1M events on SQLite, two interleaved pairs:
    /// 34.7 and 36.0 GB written, 67 and 59 s of CPU in the kernel, against 24.2 GB, 53 and 50 s.
    fn autocheckpoint_pages(self) -> u32 {
        match self {
            Workload::General => 1_000,
            Workload::Import => 32_768,
        }
    }
}

/// The page size of a SQLite database this service creates (SQLite's default is 4,096 bytes).
/// An event row is about 2.5 KB with its description, so a 4 KB page held one row and left the
/// rest empty; with 32 KB pages the rows pack a dozen to a page, and every B-tree is shallower
/// and written in fewer WAL frames. 300k-event `convene import` on SQLite, until searchable
/// (two runs each): 4 KB 47.8 s, 8 KB 43.7, 16 KB 43.6, 32 KB 41.5, 64 KB 40.6. The price is on
/// random reads: 20 events by id from the operating system's cache took 0.33-0.35 ms instead of
/// 0.24-0.29. A database created with another page size keeps it (`VACUUM` would change it).
const SQLITE_PAGE_BYTES: u32 = 32 * 1024;

/// Opens a pool to the database, creating a SQLite file (and its folder) when needed.
pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    connect_for(url, Workload::General).await
}

/// [`connect`] for this workload.
pub async fn connect_for(url: &str, workload: Workload) -> anyhow::Result<DatabaseConnection> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let file = path.split('?').next().unwrap_or(path);
        if let Some(parent) = Path::new(file).parent().filter(|parent| !parent.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
    }
    let plain_on_loopback = !names_ssl_mode(url) && std::env::var_os("PGSSLMODE").is_none();
    let mut options = ConnectOptions::new(url.to_string());
    options
        .max_connections(if url.starts_with("sqlite") { 8 } else { 16 })
        .connect_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        // A connection is pinged before use only after 30 s idle, when a server restart, a
        // proxy or a firewall may have dropped it. Pinging on every checkout (the default) is a
        // round trip more per statement: a search page's one read of its 20 events took two.
        .test_before_acquire_if_idle_for(Duration::from_secs(30))
        .map_sqlx_postgres_opts(move |postgres| {
            if plain_on_loopback && is_loopback(postgres.get_host()) {
                postgres.ssl_mode(sea_orm::sqlx::postgres::PgSslMode::Disable)
            } else {
                postgres
            }
        })
        // WAL lets a CLI import write while a server reads; the busy timeout makes writers queue.
        .map_sqlx_sqlite_opts(move |sqlite| {
            sqlite
                .page_size(SQLITE_PAGE_BYTES)
                .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(30))
                .foreign_keys(true)
                // Imports write thousands of rows per transaction: keep the pages they touch
                // and the statement journals of their savepoints in memory instead of spilling.
                .pragma("cache_size", format!("-{}", workload.cache_kib()))
                .pragma("temp_store", "memory")
                .pragma("wal_autocheckpoint", workload.autocheckpoint_pages().to_string())
        });
    Database::connect(options).await.with_context(|| format!("connecting to {}", redact(url)))
}

/// Whether the URL chooses its own TLS mode (`sslmode` or `ssl-mode`, as sqlx reads them).
fn names_ssl_mode(url: &str) -> bool {
    let query = url.split_once('?').map_or("", |(_, query)| query);
    query.split('&').any(|pair| {
        let name = pair.split_once('=').map_or(pair, |(name, _)| name);
        name.eq_ignore_ascii_case("sslmode") || name.eq_ignore_ascii_case("ssl-mode")
    })
}

/// A host whose traffic never leaves the machine. PostgreSQL on it is reached without TLS
/// unless the URL or `PGSSLMODE` asks for a mode: sqlx, like libpq, prefers TLS whenever the
/// server offers it (Debian's does, with a self-signed certificate), and on the loopback it
/// hides nothing from anyone who could read the traffic. Without it a 100k-event import took
/// 16% less time (two interleaved runs each: 18.9 and 17.7 s against 23.0 and 20.5 s), mostly
/// what PostgreSQL spent decrypting what the import sent, on the same two cores.
fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<std::net::IpAddr>().is_ok_and(|address| address.is_loopback())
}

/// Copies a SQLite database's WAL back into it and empties the file, waiting for readers
/// through the busy timeout; nothing on PostgreSQL. An import calls it when it is done, so it
/// leaves neither a WAL of up to a gigabyte on disk nor its copying to the next process.
pub async fn checkpoint(db: &DatabaseConnection) -> anyhow::Result<()> {
    if db.get_database_backend() == DbBackend::Sqlite {
        db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)").await.context("checkpointing the WAL")?;
    }
    Ok(())
}

/// Connects and brings the schema up to date.
pub async fn connect_and_migrate(url: &str) -> anyhow::Result<DatabaseConnection> {
    connect_and_migrate_for(url, Workload::General).await
}

/// [`connect_and_migrate`] for this workload.
pub async fn connect_and_migrate_for(url: &str, workload: Workload) -> anyhow::Result<DatabaseConnection> {
    let db = connect_for(url, workload).await?;
    Migrator::up(&db, None).await.context("running migrations")?;
    Ok(db)
}

/// The URL without its password, for logs and errors.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{is_loopback, names_ssl_mode};

    #[test]
    fn only_a_loopback_url_without_a_tls_mode_goes_without_tls() {
        assert!(is_loopback("127.0.0.1") && is_loopback("localhost") && is_loopback("::1") && is_loopback("[::1]"));
        assert!(!is_loopback("db.example.org") && !is_loopback("10.0.0.5") && !is_loopback("/var/run/postgresql"));
        assert!(!names_ssl_mode("postgres://postgres@127.0.0.1:5432/test"));
        assert!(names_ssl_mode("postgres://postgres@127.0.0.1/test?sslmode=require"));
        assert!(names_ssl_mode("postgres://127.0.0.1/test?application_name=x&ssl-mode=verify-full"));
        assert!(!names_ssl_mode("postgres://127.0.0.1/test?application_name=sslmode"));
    }
}
