//! The limits that keep a public server up, through HTTP: rate limits with Retry-After, body
//! size, mutations over GET, persisted queries and CORS (the request time limit is tested in
//! `src/http/limits.rs`, where a slow endpoint can be made).

use convene::auth::{create_token, Role};
use convene::config::ServeOptions;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::db_test;
use crate::http::{json_of, RunningServer};
use crate::support::TestDb;

async fn rate_limit_answers_429_with_retry_after(db: &TestDb) {
    let server =
        RunningServer::start_with(db, ServeOptions { rate_limit: 2.0, rate_burst: 5.0, ..Default::default() }).await;
    let client = reqwest::Client::new();
    let url = format!("{}/graphql?query=%7Bevents%7BtotalCount%7D%7D", server.base);
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(client.get(&url).send().await.unwrap());
    }
    let limited: Vec<&reqwest::Response> = statuses.iter().filter(|response| response.status() == 429).collect();
    assert!(limited.len() >= 6, "at most the burst (5) and a refill get through: {}", 12 - limited.len());
    let retry_after: u64 = limited[0].headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    let body: Value = client.get(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
    let other_client = client.get(&url).bearer_auth("someone-else").send().await.unwrap();
    assert_ne!(other_client.status(), 429, "a token has its own bucket (here refused for being unknown, not limited)");
    tokio::time::sleep(std::time::Duration::from_secs(retry_after)).await;
    assert_eq!(client.get(&url).send().await.unwrap().status(), 200, "after Retry-After the client is served");
    server.stop().await;
}
db_test!(rate_limit_answers_429_with_retry_after);

async fn bodies_time_get_mutations_and_cors_are_bounded(db: &TestDb) {
    let options = ServeOptions { cors_origins: vec!["https://dashboard.example".into()], ..Default::default() };
    let server = RunningServer::start_with(db, options).await;
    let client = reqwest::Client::new();
    let graphql = format!("{}/graphql", server.base);

    // A client announcing a 10 MB body is answered 413 before it has sent it.
    let address = server.base.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nhost: {address}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{{\"query\": \"",
        10 * 1024 * 1024
    );
    tokio::io::AsyncWriteExt::write_all(&mut stream, head.as_bytes()).await.unwrap();
    let mut answer = vec![0_u8; 64];
    let read = tokio::io::AsyncReadExt::read(&mut stream, &mut answer).await.unwrap();
    let status_line = String::from_utf8_lossy(&answer[..read]).lines().next().unwrap_or_default().to_string();
    assert_eq!(status_line, "HTTP/1.1 413 Payload Too Large", "a 10 MB body is refused");

    let mutation = client.get(format!("{graphql}?query=mutation%7BdeleteEvent(id:%221%22)%7D")).send().await.unwrap();
    assert_eq!(mutation.status(), 405);

    let preflight = client
        .request(reqwest::Method::OPTIONS, &graphql)
        .header("origin", "https://dashboard.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.headers()["access-control-allow-origin"], "https://dashboard.example");
    let stranger = client
        .request(reqwest::Method::OPTIONS, &graphql)
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(stranger.headers().get("access-control-allow-origin").is_none(), "other origins get no CORS grant");
    server.stop().await;
}
db_test!(bodies_time_get_mutations_and_cors_are_bounded);

async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(db: &TestDb) {
    let client = reqwest::Client::new();
    let statuses = |base: String, forwarded: &'static str| {
        let client = client.clone();
        async move {
            let url = format!("{base}/graphql?query=%7Bevents%7BtotalCount%7D%7D");
            let mut statuses = Vec::new();
            for _ in 0..4 {
                let response = client.get(&url).header("x-forwarded-for", forwarded).send().await.unwrap();
                statuses.push(response.status().as_u16());
            }
            statuses
        }
    };
    let limits = ServeOptions { rate_limit: 0.1, rate_burst: 3.0, ..Default::default() };
    // The test connects from 127.0.0.1: trusted, it is the proxy and the header names the client.
    let proxied = ServeOptions { trusted_proxies: vec!["127.0.0.1".parse().unwrap()], ..limits.clone() };
    let server = RunningServer::start_with(db, proxied).await;
    assert_eq!(statuses(server.base.clone(), "203.0.113.7, 127.0.0.1").await, [200, 200, 200, 429]);
    assert_eq!(statuses(server.base.clone(), "203.0.113.8").await, [200, 200, 200, 429], "another client");
    server.stop().await;
    // Untrusted, the header is anybody's to write: one address, one limit.
    let server = RunningServer::start_with(db, limits).await;
    assert_eq!(statuses(server.base.clone(), "203.0.113.7").await, [200, 200, 200, 429]);
    assert_eq!(statuses(server.base.clone(), "203.0.113.8").await, [429, 429, 429, 429], "a spoofed header");
    server.stop().await;
}
db_test!(behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit);

/// The `extensions` of an automatic persisted query: the hash of its text.
fn persisted(text: &str) -> Value {
    let hash: String = Sha256::digest(text.as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect();
    json!({"persistedQuery": {"version": 1, "sha256Hash": hash}})
}

async fn persisted_queries_take_a_hash_instead_of_the_text(db: &TestDb) {
    let server = RunningServer::start(db).await;
    let client = reqwest::Client::new();
    let graphql = format!("{}/graphql", server.base);
    let text = "{ events { totalCount } }";
    let extensions = persisted(text);
    let post = |body: Value| json_of(client.post(&graphql).json(&body));

    let unknown = post(json!({"extensions": extensions})).await;
    assert_eq!(unknown["errors"][0]["message"], "PersistedQueryNotFound", "{unknown}");
    let registered = post(json!({"query": text, "extensions": extensions})).await;
    assert_eq!(registered["data"]["events"]["totalCount"], 1);
    let by_hash = post(json!({"extensions": extensions})).await;
    assert_eq!(by_hash["data"]["events"]["totalCount"], 1, "{by_hash}");
    let by_get = json_of(client.get(format!("{graphql}?extensions={}", urlencode(&extensions.to_string())))).await;
    assert_eq!(by_get["data"]["events"]["totalCount"], 1, "{by_get}");
    server.stop().await;
}
db_test!(persisted_queries_take_a_hash_instead_of_the_text);

async fn a_persisted_mutation_is_not_run_by_get(db: &TestDb) {
    let server = RunningServer::start(db).await;
    let editor = create_token(db.catalog().await.db(), Role::Editor, None).await.unwrap();
    let client = reqwest::Client::new();
    let graphql = format!("{}/graphql", server.base);
    let text = r#"mutation { deleteEvent(id: "1") }"#;
    let extensions = persisted(text);
    // Registered by an anonymous POST, which may not delete: the event stays.
    let registered = json_of(client.post(&graphql).json(&json!({"query": text, "extensions": extensions}))).await;
    assert!(registered["errors"].is_array(), "{registered}");
    // An editor's GET with the hash alone is refused, and deletes nothing.
    let by_get = format!("{graphql}?extensions={}", urlencode(&extensions.to_string()));
    let by_get = json_of(client.get(by_get).bearer_auth(&editor)).await;
    assert_eq!(by_get["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{by_get}");
    assert!(by_get["data"]["deleteEvent"].is_null(), "{by_get}");
    let count = json_of(client.post(&graphql).json(&json!({"query": "{ events { totalCount } }"}))).await;
    assert_eq!(count["data"]["events"]["totalCount"], 1, "the event is still there");
    // The same editor's POST by hash does delete it.
    let by_post = json_of(client.post(&graphql).bearer_auth(&editor).json(&json!({"extensions": extensions}))).await;
    assert_eq!(by_post["data"]["deleteEvent"], "1", "{by_post}");
    server.stop().await;
}
db_test!(a_persisted_mutation_is_not_run_by_get);

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (byte as char).to_string(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}
