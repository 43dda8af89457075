//! Through HTTP: the routes of API.md on a started server, the GraphQL-over-HTTP audit, and
//! the binary's import, export and graceful shutdown.

use std::path::Path;
use std::process::Command;

use convene::config::ServeOptions;
use convene::http::Application;
use serde_json::{json, Value};
use tokio::sync::oneshot;

use crate::db_test;
use crate::support::{import, Backend, TestDb, SEED_EVENT};

/// A server on a free port over the test's database and index.
pub struct RunningServer {
    pub base: String,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// Starts a server with the seed event imported.
    pub async fn start(db: &TestDb) -> RunningServer {
        Self::start_with(db, ServeOptions::default()).await
    }

    /// Starts a server with these options (on a free port).
    pub async fn start_with(db: &TestDb, options: ServeOptions) -> RunningServer {
        let catalog = db.catalog().await;
        import(&catalog, SEED_EVENT).await;
        let options = ServeOptions { bind: "127.0.0.1:0".parse().unwrap(), ..options };
        let search = db.search(&catalog).await;
        let application = Application::build(catalog, search, &options).await.unwrap();
        let base = format!("http://127.0.0.1:{}", application.port());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(application.run_until_stopped(async move {
            let _ = stopped.await;
        }));
        RunningServer { base, stop: Some(stop), task }
    }

    /// Stops it and waits for in-flight requests.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.task).await.unwrap().unwrap();
    }
}

/// Sends a request and reads its JSON body.
pub async fn json_of(request: reqwest::RequestBuilder) -> Value {
    request.send().await.unwrap().json().await.unwrap()
}

async fn routes_answer_as_documented(db: &TestDb) {
    let server = RunningServer::start(db).await;
    let client = reqwest::Client::new();
    let get = |path: &str| client.get(format!("{}{path}", server.base)).send();

    assert_eq!(get("/healthz").await.unwrap().status(), 200);
    assert_eq!(get("/readyz").await.unwrap().status(), 200);
    let graphiql = get("/graphiql").await.unwrap().text().await.unwrap();
    assert!(graphiql.contains("graphiql"), "GraphiQL page");

    let by_get = get("/graphql?query=query%20Count%20%7B%20events%20%7B%20totalCount%20%7D%20%7D").await.unwrap();
    assert_eq!(by_get.status(), 200);
    assert_eq!(by_get.json::<Value>().await.unwrap(), json!({"data": {"events": {"totalCount": 1}}}));

    let by_post = client
        .post(format!("{}/graphql", server.base))
        .header("accept", "application/graphql-response+json")
        .json(&json!({"query": "query Titles { events { nodes { title venue { country { code } } } } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(by_post.headers()["content-type"], "application/graphql-response+json; charset=utf-8");
    let body: Value = by_post.json().await.unwrap();
    assert_eq!(body["data"]["events"]["nodes"][0]["venue"]["country"]["code"], "BA");

    let invalid = client
        .post(format!("{}/graphql", server.base))
        .header("accept", "application/graphql-response+json")
        .json(&json!({"query": "{ nope }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(invalid.status(), 400);
    let body: Value = invalid.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");

    // The explorer page's own query runs against the schema.
    let page = get("/").await.unwrap().text().await.unwrap();
    let explore =
        page.split("const SEARCH = `").nth(1).and_then(|rest| rest.split('`').next()).expect("the page's query");
    let variables = json!({"q": "drug", "filter": null, "after": null, "scheme": "OSCE"});
    let explored = json_of(
        client.post(format!("{}/graphql", server.base)).json(&json!({"query": explore, "variables": variables})),
    )
    .await;
    assert!(explored["errors"].is_null(), "{explored}");
    assert_eq!(explored["data"]["search"]["totalHits"], 1);
    assert_eq!(explored["data"]["eventStats"]["buckets"][0]["keys"][0]["key"], "SEE");

    let metrics = get("/metrics").await.unwrap().text().await.unwrap();
    assert!(metrics.contains(r#"convene_graphql_requests_total{operation="Count",status="200"} 1"#), "{metrics}");
    assert!(metrics.contains(r#"operation="Titles""#), "{metrics}");
    assert!(metrics.contains("convene_graphql_request_seconds_bucket"), "latency histogram");
    server.stop().await;
}
db_test!(routes_answer_as_documented);

/// Installs the JavaScript clients' npm packages once, from the lock file.
///
/// The audit and the subscriber tests run in parallel on a fresh checkout, so the install
/// is serialised: two `npm ci` in one folder remove each other's files. npm writes
/// `node_modules/.package-lock.json` last, so its presence means a finished install.
pub fn audit_packages(audit_dir: &Path) {
    static INSTALL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = INSTALL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if audit_dir.join("node_modules/.package-lock.json").exists() {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(audit_dir)
        .status()
        .expect("npm is installed");
    assert!(status.success(), "npm ci in {}", audit_dir.display());
}

async fn graphql_http_audit_passes_every_must(db: &TestDb) {
    let audit_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/js");
    tokio::task::spawn_blocking({
        let audit_dir = audit_dir.clone();
        move || audit_packages(&audit_dir)
    })
    .await
    .unwrap();
    let server = RunningServer::start(db).await;
    let url = format!("{}/graphql", server.base);
    let output = tokio::process::Command::new("node")
        .arg(audit_dir.join("audit.mjs"))
        .arg(&url)
        .output()
        .await
        .expect("node runs");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "graphql-http audit failed:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(report.contains(" 0 error"), "{report}");
    server.stop().await;
}
db_test!(graphql_http_audit_passes_every_must);

async fn a_query_text_sent_again_answers_for_its_own_variables(db: &TestDb) {
    // The endpoint keeps documents it parsed by their text: the same text with other variables
    // must not get the earlier answer, and a kept mutation is still refused over GET.
    let server = RunningServer::start(db).await;
    let client = reqwest::Client::new();
    let url = format!("{}/graphql", server.base);
    let query = "query($q: String!) { search(query: $q) { totalHits } }";
    let total = |q: &'static str| {
        let request = client.post(&url).json(&json!({"query": query, "variables": {"q": q}}));
        async move { json_of(request).await["data"]["search"]["totalHits"].clone() }
    };
    assert_eq!(total("sarajevo").await, json!(1));
    assert_eq!(total("qqqqqqqq").await, json!(0));
    assert_eq!(total("sarajevo").await, json!(1));
    let mutation = "mutation { __typename }";
    client.post(&url).json(&json!({"query": mutation})).send().await.unwrap();
    let over_get = client.get(&url).query(&[("query", mutation)]).send().await.unwrap();
    assert_eq!(over_get.status(), 405);
    server.stop().await;
}
db_test!(a_query_text_sent_again_answers_for_its_own_variables);

fn convene(url: &str, dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_convene"));
    command.env("DATABASE_URL", url).env("CONVENE_DATA_DIR", dir).env("CONVENE_LOG", "warn");
    command
}

/// Runs the binary off the async runtime and waits for it.
pub async fn run_convene(db: &TestDb, arguments: &[&str]) -> std::process::Output {
    let mut command = convene(&db.url, db.dir.path());
    command.args(arguments);
    tokio::task::spawn_blocking(move || command.output().expect("the binary runs")).await.unwrap()
}

async fn cli_import_reports_and_export_round_trips(db: &TestDb) {
    let file = db.dir.path().join("events.ndjson");
    let lines = format!(
        "{}\n{{\"title\": \"Lost\", \"countries\": [\"Atlantis\"]}}\n{{\"title\": \"Kept\"}}\n",
        SEED_EVENT.trim()
    );
    std::fs::write(&file, lines).unwrap();
    let output = run_convene(db, &["import", file.to_str().unwrap()]).await;
    assert_eq!(output.status.code(), Some(1), "a rejected line makes the exit code 1");
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "imported 2, updated 0, rejected 1");
    assert!(String::from_utf8_lossy(&output.stderr).contains(r#"line 2: countries[0]: unknown country "Atlantis""#));
    if db.backend == Backend::Sqlite {
        // What the import wrote is in the database file, not left in a WAL for the next process.
        let wal = db.dir.path().join("convene.db-wal");
        let wal_bytes = std::fs::metadata(&wal).map_or(0, |metadata| metadata.len());
        assert_eq!(wal_bytes, 0, "the import left a WAL of {wal_bytes} bytes");
    }

    let export = run_convene(db, &["export"]).await;
    assert!(export.status.success());
    let exported = String::from_utf8(export.stdout).unwrap();
    assert_eq!(exported.lines().count(), 2);
    let first: Value = serde_json::from_str(exported.lines().next().unwrap()).unwrap();
    assert_eq!(first["countries"][1], "Bosnia and Herzegovina");
    assert_eq!(first["topics"], json!(["organised crime", "drugs trafficking and/or drugs distribution"]));
}
db_test!(cli_import_reports_and_export_round_trips);

async fn sigterm_stops_the_server_cleanly(db: &TestDb) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut server = tokio::process::Command::from(convene(&db.url, db.dir.path()))
        .args(["serve", "--no-sample", "--bind", &format!("127.0.0.1:{port}")])
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let ready = format!("http://127.0.0.1:{port}/readyz");
    let mut answered = false;
    for _ in 0..300 {
        if client.get(&ready).send().await.is_ok_and(|response| response.status() == 200) {
            answered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(answered, "the server became ready");
    let pid = server.id().unwrap().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status =
        tokio::time::timeout(std::time::Duration::from_secs(30), server.wait()).await.expect("it stops").unwrap();
    assert!(status.success(), "exit status after SIGTERM: {status}");
}
db_test!(sigterm_stops_the_server_cleanly);

async fn import_by_another_process_reaches_a_running_server(db: &TestDb) {
    let server = RunningServer::start(db).await;
    let file = db.dir.path().join("more.ndjson");
    std::fs::write(&file, "{\"title\": \"Symposium on water diplomacy\", \"venue\": {\"country\": \"Kazakhstan\"}}\n")
        .unwrap();
    // The server holds the index; `import` returns once the server has made the event searchable.
    let output = run_convene(db, &["import", file.to_str().unwrap()]).await;
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let body: Value = reqwest::Client::new()
        .post(format!("{}/graphql", server.base))
        .json(&json!({"query": "{ search(query: \"water diplomacy\") { totalHits hits { event { venue { country { code } } } } } }"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["data"]["search"]["totalHits"], 1, "{body}");
    assert_eq!(body["data"]["search"]["hits"][0]["event"]["venue"]["country"]["code"], "KZ");
    server.stop().await;
}
db_test!(import_by_another_process_reaches_a_running_server);

async fn token_commands_create_list_and_revoke(db: &TestDb) {
    let created = run_convene(db, &["token", "create", "--role", "editor", "--name", "newsroom"]).await;
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let secret = String::from_utf8(created.stdout).unwrap().trim().to_string();
    assert!(secret.starts_with("cvn_") && secret.len() > 40, "{secret}");
    let listed = String::from_utf8(run_convene(db, &["token", "list"]).await.stdout).unwrap();
    assert!(listed.contains("editor\tnewsroom") && listed.contains("active"), "{listed}");
    assert!(!listed.contains(&secret), "the secret is never shown again");
    let id = listed.split('\t').next().unwrap().to_string();
    assert!(run_convene(db, &["token", "revoke", &id]).await.status.success());
    let listed = String::from_utf8(run_convene(db, &["token", "list"]).await.stdout).unwrap();
    assert!(listed.contains("revoked"), "{listed}");
    assert!(!run_convene(db, &["token", "revoke", "999"]).await.status.success(), "an unknown id fails");
}
db_test!(token_commands_create_list_and_revoke);
