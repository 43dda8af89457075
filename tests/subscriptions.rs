//! Live updates with a real client: the `graphql-ws` npm package subscribes over
//! `graphql-transport-ws`; changes from this process and from another one arrive once each,
//! in order, filtered.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use convene::auth::{create_token, Role};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::db_test;
use crate::http::{audit_packages, run_convene, RunningServer};
use crate::support::TestDb;

async fn subscriber(
    server: &RunningServer,
    token: &str,
    filter: Value,
    count: usize,
) -> (tokio::process::Child, tokio::io::Lines<BufReader<tokio::process::ChildStdout>>) {
    let js = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/js");
    tokio::task::spawn_blocking({
        let js = js.clone();
        move || audit_packages(&js)
    })
    .await
    .unwrap();
    let url = format!("{}/graphql/ws", server.base.replace("http://", "ws://"));
    let mut child = tokio::process::Command::new("node")
        .arg(js.join("subscribe.mjs"))
        .args([url, token.to_string(), filter.to_string(), count.to_string()])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs");
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    (child, lines)
}

async fn next_json(lines: &mut tokio::io::Lines<BufReader<tokio::process::ChildStdout>>) -> Value {
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("a message in time")
        .unwrap()
        .expect("a line");
    serde_json::from_str(&line).unwrap()
}

async fn mutate(server: &RunningServer, token: &str, query: &str, variables: Value) -> Value {
    reqwest::Client::new()
        .post(format!("{}/graphql", server.base))
        .bearer_auth(token)
        .json(&json!({"query": query, "variables": variables}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

const CREATE: &str = "mutation($input: EventInput!) { createEvent(input: $input) { id } }";

async fn subscribers_see_each_matching_change_once_in_order(db: &TestDb) {
    let server = RunningServer::start(db).await;
    let catalog = db.catalog().await;
    let editor = create_token(catalog.db(), Role::Editor, None).await.unwrap();
    let reader = create_token(catalog.db(), Role::Reader, None).await.unwrap();

    let (mut child, mut lines) = subscriber(&server, &reader, json!({"countries": ["AL"]}), 4).await;
    assert_eq!(next_json(&mut lines).await, json!({"ready": true}));
    // The subscription is registered right after the acknowledgement; give it a moment.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let albania =
        mutate(&server, &editor, CREATE, json!({"input": {"title": "Tirana workshop", "countries": ["Albania"]}}))
            .await;
    let id = albania["data"]["createEvent"]["id"].clone();
    assert!(id.is_string(), "{albania}");
    let austria =
        mutate(&server, &editor, CREATE, json!({"input": {"title": "Vienna workshop", "countries": ["Austria"]}}))
            .await;
    assert!(austria["errors"].is_null(), "{austria}");
    let vienna = austria["data"]["createEvent"]["id"].clone();
    let updated = mutate(
        &server,
        &editor,
        "mutation($id: ID!, $input: EventInput!) { updateEvent(id: $id, input: $input) { id } }",
        json!({"id": id, "input": {"title": "Tirana round table", "countries": ["AL"]}}),
    )
    .await;
    assert!(updated["errors"].is_null(), "{updated}");
    let file = db.dir.path().join("other-process.ndjson");
    std::fs::write(&file, "{\"title\": \"Durres seminar\", \"countries\": [\"ALB\"]}\n").unwrap();
    let output = run_convene(db, &["import", file.to_str().unwrap()]).await;
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    // A deleted event can no longer be read, but its deletion still only reaches the
    // subscribers whose filters it passed as it was last indexed.
    let delete = "mutation($id: ID!) { deleteEvent(id: $id) }";
    for id in [&vienna, &id] {
        let deleted = mutate(&server, &editor, delete, json!({ "id": id })).await;
        assert!(deleted["errors"].is_null(), "{deleted}");
    }

    let mut changes = Vec::new();
    for _ in 0..4 {
        changes.push(next_json(&mut lines).await);
    }
    let change = |index: usize| &changes[index]["data"]["eventChanges"];
    let kinds: Vec<&str> = (0..4).map(|index| change(index)["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["CREATED", "UPDATED", "CREATED", "DELETED"], "in order, once each; Vienna never arrives");
    assert_eq!(change(3)["id"], id, "Tirana's deletion, not Vienna's");
    assert!(change(3)["event"].is_null());
    // `event` is read when the change is delivered: the creation may already show the update.
    let first_title = change(0)["event"]["title"].as_str().unwrap();
    assert!(["Tirana workshop", "Tirana round table"].contains(&first_title), "{first_title}");
    assert_eq!(change(1)["event"]["title"], "Tirana round table");
    assert_eq!(change(1)["id"], id);
    assert_eq!(change(2)["event"]["title"], "Durres seminar", "written by another process");
    assert_eq!(changes[0]["data"]["eventChanges"]["id"], id);
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait()).await.unwrap().unwrap();
    assert!(status.success());

    let (mut refused, mut refused_lines) = subscriber(&server, "cvn_forged", Value::Null, 1).await;
    let answer = next_json(&mut refused_lines).await;
    assert!(answer.get("error").is_some(), "a forged token is refused: {answer}");
    let _ = refused.wait().await;
    server.stop().await;
}
db_test!(subscribers_see_each_matching_change_once_in_order);

/// On a server that requires tokens, the principal of a WebSocket connection is what lets its
/// subscriptions run: an anonymous connection is acknowledged, its subscription refused.
async fn a_server_that_requires_tokens_refuses_anonymous_subscriptions(db: &TestDb) {
    let options = convene::config::ServeOptions { require_token: true, ..Default::default() };
    let server = RunningServer::start_with(db, options).await;
    let catalog = db.catalog().await;
    let editor = create_token(catalog.db(), Role::Editor, None).await.unwrap();
    let reader = create_token(catalog.db(), Role::Reader, None).await.unwrap();

    let (mut anonymous, mut anonymous_lines) = subscriber(&server, "", Value::Null, 1).await;
    assert_eq!(next_json(&mut anonymous_lines).await, json!({"ready": true}));
    let answer = next_json(&mut anonymous_lines).await;
    assert!(answer["data"].is_null(), "{answer}");
    assert_eq!(answer["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{answer}");
    assert_eq!(answer["errors"][0]["message"], "queries need a bearer token on this server");
    let _ = anonymous.wait().await;

    let (mut child, mut lines) = subscriber(&server, &reader, Value::Null, 1).await;
    assert_eq!(next_json(&mut lines).await, json!({"ready": true}));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let created = mutate(&server, &editor, CREATE, json!({"input": {"title": "Skopje workshop"}})).await;
    assert!(created["errors"].is_null(), "{created}");
    let change = next_json(&mut lines).await;
    assert_eq!(change["data"]["eventChanges"]["event"]["title"], "Skopje workshop", "{change}");
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait()).await.unwrap().unwrap();
    assert!(status.success());
    server.stop().await;
}
db_test!(a_server_that_requires_tokens_refuses_anonymous_subscriptions);
