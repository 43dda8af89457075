//! Mutations, tokens and roles: editors write through the import's validation, every change
//! reaches the outbox and the index, and the wrong token is refused with the right code.

use std::time::Duration;

use convene::auth::{create_token, Authenticator, Principal, Role};
use serde_json::{json, Value};

use crate::db_test;
use crate::support::{query, query_as, schema, TestDb};

const EDITOR: Principal = Principal::Token(Role::Editor);

const CREATE: &str = "mutation($input: EventInput!) { createEvent(input: $input) { id slug title organizer { path } venue { country { code } } countries { code } topics { slug } audiences { label } startDate } }";

fn input() -> Value {
    json!({
        "sourceUrl": "https://example.org/e/1", "title": "Workshop on anti-corruption", "eventType": "workshop",
        "startDate": "2024-03-04", "endDate": "2024-03-05", "organizerPath": ["OSCE", "Office of the Co-ordinator"],
        "venue": {"city": "Tirana", "country": "Albania"}, "countries": ["Albania", "Türkiye"],
        "topics": ["Anti-corruption"], "audiences": ["Government officials"]
    })
}

fn code(response: &Value) -> &str {
    response["errors"][0]["extensions"]["code"].as_str().unwrap_or("<none>")
}

async fn count(schema: &convene::graphql::ConveneSchema, text: &str) -> (i64, i64) {
    let data =
        query(schema, &format!("{{ events {{ totalCount }} search(query: {text:?}) {{ totalHits }} }}"), json!({}))
            .await;
    (data["events"]["totalCount"].as_i64().unwrap(), data["search"]["totalHits"].as_i64().unwrap())
}

async fn searchable(db: &TestDb, catalog: &convene::catalog::Catalog) {
    let search = db.search(catalog).await;
    let seq = catalog.last_change_seq().await.unwrap();
    assert!(search.wait_for(seq, Duration::from_secs(1)).await, "change {seq} searchable within a second");
}

async fn editors_create_update_and_delete(db: &TestDb) {
    let catalog = db.catalog().await;
    let schema = schema(db, &catalog).await;
    let created = query_as(&schema, EDITOR, CREATE, json!({"input": input()})).await;
    assert!(created["errors"].is_null(), "{created}");
    let event = &created["data"]["createEvent"];
    assert_eq!(event["organizer"]["path"], json!(["OSCE", "Office of the Co-ordinator"]));
    assert_eq!(event["countries"], json!([{"code": "AL"}, {"code": "TR"}]));
    assert_eq!(event["topics"], json!([{"slug": "anti-corruption"}]));
    searchable(db, &catalog).await;
    assert_eq!(count(&schema, "corruption").await, (1, 1));

    let id = event["id"].clone();
    let mut changed = input();
    changed["title"] = json!("Round table on anti-corruption");
    changed["countries"] = json!(["Serbia"]);
    let updated = query_as(&schema, EDITOR, "mutation($id: ID!, $input: EventInput!) { updateEvent(id: $id, input: $input) { id title slug countries { code } } }", json!({"id": id, "input": changed})).await;
    assert_eq!(updated["data"]["updateEvent"]["title"], "Round table on anti-corruption", "{updated}");
    assert_eq!(updated["data"]["updateEvent"]["slug"], event["slug"], "the slug stays");
    assert_eq!(updated["data"]["updateEvent"]["countries"], json!([{"code": "RS"}]));
    searchable(db, &catalog).await;
    assert_eq!(count(&schema, "\"round table\"").await, (1, 1));
    // A hit shows the event as the index keeps it, which once the change is searchable is
    // the row the database holds: every field as `event` gives it.
    let fields = "id slug title subtitle description eventType startDate endDate addedOn updatedAt sourceUrl organizer { path } venue { city } countries { code } topics { slug }";
    let both = query(
        &schema,
        &format!("query($id: ID) {{ event(id: $id) {{ {fields} }} search(query: \"round table\") {{ hits {{ event {{ {fields} }} }} }} }}"),
        json!({"id": id}),
    )
    .await;
    assert_eq!(both["event"]["title"], "Round table on anti-corruption");
    assert_eq!(both["search"]["hits"][0]["event"], both["event"]);

    let deleted = query_as(&schema, EDITOR, "mutation($id: ID!) { deleteEvent(id: $id) }", json!({"id": id})).await;
    assert_eq!(deleted["data"]["deleteEvent"], id);
    searchable(db, &catalog).await;
    assert_eq!(count(&schema, "corruption").await, (0, 0));
    let again = query_as(&schema, EDITOR, "mutation($id: ID!) { deleteEvent(id: $id) }", json!({"id": id})).await;
    assert_eq!(code(&again), "NOT_FOUND");
    let missing = query_as(
        &schema,
        EDITOR,
        "mutation($input: EventInput!) { updateEvent(id: \"424242\", input: $input) { id } }",
        json!({"input": input()}),
    )
    .await;
    assert_eq!(code(&missing), "NOT_FOUND");

    use sea_orm::{EntityTrait, QueryOrder};
    let changes = convene::catalog::entity::change::Entity::find()
        .order_by_asc(convene::catalog::entity::change::Column::Seq)
        .all(catalog.db())
        .await
        .unwrap();
    let kinds: Vec<String> = changes.into_iter().map(|change| change.kind).collect();
    assert_eq!(kinds, ["CREATED", "UPDATED", "DELETED"], "every change reached the outbox in order");
}
db_test!(editors_create_update_and_delete);

async fn bad_input_names_the_field_and_writes_nothing(db: &TestDb) {
    let catalog = db.catalog().await;
    let schema = schema(db, &catalog).await;
    let mut bad = input();
    bad["countries"] = json!(["Albania", "Turkey", "Atlantis"]);
    let response = query_as(&schema, EDITOR, CREATE, json!({"input": bad})).await;
    assert_eq!(code(&response), "BAD_USER_INPUT");
    assert_eq!(response["errors"][0]["message"], "countries[2]: unknown country \"Atlantis\"");
    assert_eq!(count(&schema, "").await, (0, 0));
    let topics = query(&schema, "{ topics { slug } organizers { id } }", json!({})).await;
    assert_eq!(topics, json!({"topics": [], "organizers": []}), "nothing half-written");

    query_as(&schema, EDITOR, CREATE, json!({"input": input()})).await;
    let duplicate = query_as(&schema, EDITOR, CREATE, json!({"input": input()})).await;
    assert_eq!(code(&duplicate), "BAD_USER_INPUT");
    assert!(duplicate["errors"][0]["message"].as_str().unwrap().starts_with("sourceUrl:"), "{duplicate}");

    let mut second = input();
    second["sourceUrl"] = json!("https://example.org/e/2");
    let mut third = input();
    third["sourceUrl"] = json!("https://example.org/e/3");
    third["venue"] = json!({"country": "Nowhere"});
    let report = query_as(&schema, EDITOR, "mutation($input: [EventInput!]!) { importEvents(input: $input) { imported updated rejected errors { index message } ids } }", json!({"input": [input(), second, third]})).await;
    let report = &report["data"]["importEvents"];
    assert_eq!(
        (report["imported"].clone(), report["updated"].clone(), report["rejected"].clone()),
        (json!(1), json!(1), json!(1))
    );
    assert_eq!(report["errors"], json!([{"index": 2, "message": "venue.country: unknown country \"Nowhere\""}]));
}
db_test!(bad_input_names_the_field_and_writes_nothing);

async fn tokens_and_roles_guard_writes(db: &TestDb) {
    let catalog = db.catalog().await;
    let schema = schema(db, &catalog).await;
    let authenticator = Authenticator::new(catalog.db().clone());
    let reader = create_token(catalog.db(), Role::Reader, Some("dashboard".into())).await.unwrap();
    let editor = create_token(catalog.db(), Role::Editor, None).await.unwrap();
    let principal = |secret: &str| {
        let authenticator = authenticator.clone();
        let header = format!("Bearer {secret}");
        async move { authenticator.principal(Some(&header)).await.unwrap() }
    };
    assert_eq!(principal(&editor).await, EDITOR);
    assert_eq!(principal("cvn_forged").await, Principal::Invalid);
    let stored = convene::auth::list_tokens(catalog.db()).await.unwrap();
    assert!(
        stored.iter().all(|token| token.token_hash != reader && token.token_hash.len() == 64),
        "only hashes are stored"
    );

    let anonymous = query_as(&schema, Principal::Anonymous, CREATE, json!({"input": input()})).await;
    assert_eq!(code(&anonymous), "UNAUTHENTICATED");
    let forged = query_as(&schema, principal("cvn_forged").await, "{ events { totalCount } }", json!({})).await;
    assert_eq!(code(&forged), "UNAUTHENTICATED");
    let as_reader = query_as(&schema, principal(&reader).await, CREATE, json!({"input": input()})).await;
    assert_eq!(code(&as_reader), "FORBIDDEN");
    assert_eq!(count(&schema, "").await, (0, 0));
    let as_editor = query_as(&schema, principal(&editor).await, CREATE, json!({"input": input()})).await;
    assert!(as_editor["errors"].is_null(), "{as_editor}");

    let revoked_id = stored.iter().find(|token| token.name.as_deref() == Some("dashboard")).unwrap().id;
    convene::auth::revoke_token(catalog.db(), revoked_id).await.unwrap();
    let fresh = Authenticator::new(catalog.db().clone());
    assert_eq!(fresh.principal(Some(&format!("Bearer {reader}"))).await.unwrap(), Principal::Invalid);

    let limits = convene::graphql::SchemaLimits { anonymous_queries: false, ..Default::default() };
    let closed = convene::graphql::build_schema(catalog.clone(), db.search(&catalog).await, limits);
    let refused = query_as(&closed, Principal::Anonymous, "{ events { totalCount } }", json!({})).await;
    assert_eq!(code(&refused), "UNAUTHENTICATED");
    let allowed = query_as(&closed, Principal::Token(Role::Reader), "{ events { totalCount } }", json!({})).await;
    assert_eq!(allowed["data"]["events"]["totalCount"], 1);
}
db_test!(tokens_and_roles_guard_writes);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_queries_are_refused_as_too_complex() {
    let Some(db) = TestDb::new(crate::support::Backend::Sqlite).await else { return };
    let catalog = db.catalog().await;
    let schema = schema(&db, &catalog).await;
    let deep = format!("{{ organizers {{ {}id{} }} }}", "parent { ".repeat(50), " }".repeat(50));
    let response = query_as(&schema, Principal::Anonymous, &deep, json!({})).await;
    assert_eq!(code(&response), "QUERY_TOO_COMPLEX", "{response}");
    let thirteen = format!("{{ organizers {{ {}id{} }} }}", "parent { ".repeat(13), " }".repeat(13));
    let response = query_as(&schema, Principal::Anonymous, &thirteen, json!({})).await;
    assert_eq!(code(&response), "QUERY_TOO_COMPLEX", "past the depth limit of 12: {response}");
    db.finish().await;
}

async fn admins_change_the_taxonomy_and_tokens(db: &TestDb) {
    let catalog = db.catalog().await;
    let schema = schema(db, &catalog).await;
    query_as(&schema, EDITOR, CREATE, json!({"input": input()})).await;
    searchable(db, &catalog).await;
    // Facet and stats labels are kept between requests: a relabelled topic must not keep its
    // old label in either.
    let labels = "{ search(query: \"\", facets: [TOPIC]) { facets { buckets { key label } } }
        eventStats(groupBy: [TOPIC]) { buckets { keys { key label } } } }";
    let topic_labels = |data: Value| {
        [&data["search"]["facets"][0]["buckets"][0], &data["eventStats"]["buckets"][0]["keys"][0]]
            .map(|bucket| (bucket["key"].as_str().unwrap_or_default().to_string(), bucket["label"].clone()))
    };
    let before = topic_labels(query(&schema, labels, json!({})).await);
    assert_eq!(before[0], ("anti-corruption".to_string(), json!("Anti-corruption")), "{before:?}");
    assert_eq!(before[1], before[0]);
    let relabel =
        "mutation { updateTopic(slug: \"anti-corruption\", label: \"Integrity and anti-corruption\") { slug label } }";
    assert_eq!(code(&query_as(&schema, EDITOR, relabel, json!({})).await), "FORBIDDEN");
    let done = query_as(&schema, Principal::Token(Role::Admin), relabel, json!({})).await;
    assert_eq!(done["data"]["updateTopic"]["label"], "Integrity and anti-corruption", "{done}");
    searchable(db, &catalog).await;
    assert_eq!(count(&schema, "integrity").await, (1, 1), "the event is reindexed under the new label");
    let after = topic_labels(query(&schema, labels, json!({})).await);
    let relabelled = ("anti-corruption".to_string(), json!("Integrity and anti-corruption"));
    assert_eq!(after, [relabelled.clone(), relabelled], "facets and stats show the new label");
    let missing = query_as(
        &schema,
        Principal::Token(Role::Admin),
        "mutation { updateAudience(slug: \"nobody\", label: \"x\") { slug } }",
        json!({}),
    )
    .await;
    assert_eq!(code(&missing), "NOT_FOUND");

    let created = query_as(
        &schema,
        Principal::Token(Role::Admin),
        "mutation { createToken(role: READER, name: \"kiosk\") }",
        json!({}),
    )
    .await;
    let secret = created["data"]["createToken"].as_str().unwrap().to_string();
    let authenticator = Authenticator::new(catalog.db().clone());
    assert_eq!(
        authenticator.principal(Some(&format!("Bearer {secret}"))).await.unwrap(),
        Principal::Token(Role::Reader)
    );
    let id = convene::auth::list_tokens(catalog.db()).await.unwrap().last().unwrap().id;
    let revoke = format!("mutation {{ revokeToken(id: \"{id}\") }}");
    assert_eq!(code(&query_as(&schema, EDITOR, &revoke, json!({})).await), "FORBIDDEN");
    query_as(&schema, Principal::Token(Role::Admin), &revoke, json!({})).await;
    let fresh = Authenticator::new(catalog.db().clone());
    assert_eq!(fresh.principal(Some(&format!("Bearer {secret}"))).await.unwrap(), Principal::Invalid);
}
db_test!(admins_change_the_taxonomy_and_tokens);
