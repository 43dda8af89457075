//! Test support: a fresh database per test on SQLite and PostgreSQL, and helpers to run
//! GraphQL against it.

use std::sync::atomic::{AtomicUsize, Ordering};

use async_graphql::Request;
use convene::catalog::Catalog;
use convene::graphql::{build_schema, ConveneSchema, SchemaLimits};
use convene::search::{IndexLocation, Search, SearchTask};
use sea_orm::{ConnectionTrait, Database};
use serde_json::Value;
use std::time::Duration;

/// The databases every database test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The server PostgreSQL tests create their databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("CONVENE_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

/// True when CI demands that PostgreSQL tests run rather than skip.
fn postgres_required() -> bool {
    std::env::var("CONVENE_REQUIRE_POSTGRES").is_ok_and(|value| value == "1")
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A test's own database (and folder for files such as the index).
pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    pub dir: tempfile::TempDir,
    postgres_name: Option<String>,
    search: tokio::sync::OnceCell<(Search, std::sync::Mutex<Option<SearchTask>>)>,
}

impl TestDb {
    /// A fresh, empty database; `None` when PostgreSQL is unreachable and not required.
    pub async fn new(backend: Backend) -> Option<TestDb> {
        let dir = tempfile::tempdir().expect("a temporary directory");
        match backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("convene.db").display());
                Some(TestDb { backend, url, dir, postgres_name: None, search: Default::default() })
            }
            Backend::Postgres => {
                let admin_url = postgres_admin_url();
                let admin = match Database::connect(&admin_url).await {
                    Ok(admin) => admin,
                    Err(error) if !postgres_required() => {
                        eprintln!("skipping PostgreSQL test: {error} (set CONVENE_REQUIRE_POSTGRES=1 to fail instead)");
                        return None;
                    }
                    Err(error) => panic!("PostgreSQL at {admin_url} is required: {error}"),
                };
                let name = format!(
                    "convene_t_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::SeqCst),
                    rand::random::<u32>()
                );
                admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("creating a test database");
                admin.close().await.ok();
                let base = admin_url.rsplit_once('/').map(|(base, _)| base).unwrap_or(&admin_url);
                Some(TestDb {
                    backend,
                    url: format!("{base}/{name}"),
                    dir,
                    postgres_name: Some(name),
                    search: Default::default(),
                })
            }
        }
    }

    /// Drops the PostgreSQL database (the SQLite file goes with the folder).
    pub async fn finish(&self) {
        let task = self.search.get().and_then(|(_, task)| task.lock().unwrap().take());
        if let Some(task) = task {
            task.stop().await;
        }
        let Some(name) = &self.postgres_name else { return };
        if let Ok(admin) = Database::connect(&postgres_admin_url()).await {
            let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
            let _ = admin.close().await;
        }
    }

    /// The search index of this test (in its own folder), following the catalogue; started on
    /// first use.
    pub async fn search(&self, catalog: &Catalog) -> Search {
        let (search, _) = self
            .search
            .get_or_init(|| async {
                let location = IndexLocation::new(self.dir.path().join("index"));
                let (search, task) =
                    Search::start(catalog, location, Duration::from_millis(100)).await.expect("the index starts");
                (search, std::sync::Mutex::new(Some(task)))
            })
            .await;
        search.clone()
    }

    /// A migrated catalogue on this database.
    pub async fn catalog(&self) -> Catalog {
        let db = convene::db::connect_and_migrate(&self.url).await.expect("migrating the test database");
        Catalog::new(db).await.expect("loading reference data")
    }
}

/// Declares a test that runs once on SQLite and once on PostgreSQL, as `NAME::sqlite` and
/// `NAME::postgres`; the body is an `async fn(&TestDb)`.
#[macro_export]
macro_rules! db_test {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let Some(db) = $crate::support::TestDb::new($crate::support::Backend::Sqlite).await else { return };
                super::$name(&db).await;
                db.finish().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(db) = $crate::support::TestDb::new($crate::support::Backend::Postgres).await else { return };
                super::$name(&db).await;
                db.finish().await;
            }
        }
    };
}

/// The schema over a catalogue and the test's index, with the server's default limits. It waits
/// until everything written so far is searchable.
pub async fn schema(db: &TestDb, catalog: &Catalog) -> ConveneSchema {
    let search = db.search(catalog).await;
    let seq = catalog.last_change_seq().await.unwrap();
    assert!(search.wait_for(seq, Duration::from_secs(10)).await, "the index caught up with change {seq}");
    build_schema(catalog.clone(), search, SchemaLimits::default())
}

/// Runs a query and returns `data`, failing the test on any error.
pub async fn query(schema: &ConveneSchema, query: &str, variables: Value) -> Value {
    let response = schema.execute(Request::new(query).variables(async_graphql::Variables::from_json(variables))).await;
    assert!(response.errors.is_empty(), "query failed: {:?}", response.errors);
    response.data.into_json().expect("data is JSON")
}

/// Runs a query that must fail and returns its errors as JSON.
pub async fn query_errors(schema: &ConveneSchema, query: &str, variables: Value) -> Vec<Value> {
    let response = schema.execute(Request::new(query).variables(async_graphql::Variables::from_json(variables))).await;
    assert!(!response.errors.is_empty(), "query should have failed: {:?}", response.data);
    response.errors.iter().map(|error| serde_json::to_value(error).expect("errors serialise")).collect()
}

/// The `extensions.code` of the first error.
pub fn first_code(errors: &[Value]) -> &str {
    errors[0]["extensions"]["code"].as_str().unwrap_or("<no code>")
}

/// The seed event of ../shared/fixtures, kept here too so tests run without it.
pub const SEED_EVENT: &str = include_str!("../fixtures/seed-event.ndjson");

/// Imports NDJSON text into a catalogue.
pub async fn import(catalog: &Catalog, ndjson: &str) -> convene::catalog::ImportReport {
    convene::commands::import_lines(catalog, ndjson.as_bytes(), 100).await.expect("import runs")
}

/// Runs SQL on the catalogue's database and returns its rows.
pub async fn sql_rows(catalog: &Catalog, sql: &str) -> Vec<sea_orm::QueryResult> {
    let statement = sea_orm::Statement::from_string(catalog.db().get_database_backend(), sql.to_string());
    catalog.db().query_all_raw(statement).await.expect("querying")
}

/// Runs a query as a principal and returns the whole response (data and errors) as JSON.
pub async fn query_as(
    schema: &ConveneSchema,
    principal: convene::auth::Principal,
    query: &str,
    variables: Value,
) -> Value {
    let request = Request::new(query).variables(async_graphql::Variables::from_json(variables)).data(principal);
    serde_json::to_value(schema.execute(request).await).expect("responses serialise")
}
