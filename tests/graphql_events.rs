//! The `events` query: every filter field, every order, Relay pagination both ways, limits
//! and error codes, on a small corpus whose answers are known.

use serde_json::{json, Value};

use crate::db_test;
use crate::support::{first_code, import, query, query_errors, schema, TestDb};

pub const CORPUS: &str = r#"{"title": "Alpha border workshop", "start_date": "2010-05-01", "added_on": "2010-01-01", "event_type": "workshop", "organizer": ["OSCE", "Transnational Threats Department", "Strategic Police Matters Unit"], "venue": {"city": "Vienna", "country": "AT"}, "countries": ["KZ", "KG"], "topics": ["Border management"], "audiences": ["Experts"]}
{"title": "Bravo cyber conference", "start_date": "2015-03-10", "added_on": "2014-12-01", "event_type": "conference", "organizer": ["OSCE", "Transnational Threats Department", "Cyber Security Unit"], "venue": {"city": "Belgrade", "country": "Serbia"}, "countries": ["Serbia", "Bosnia & Herzegovina"], "topics": ["Cybercrime"], "audiences": ["OSCE staff"]}
{"title": "Charlie elections seminar", "start_date": "2020-07-01", "added_on": "2020-02-01", "event_type": "seminar", "organizer": ["OSCE", "ODIHR"], "venue": {"city": "Warsaw", "country": "Poland"}, "topics": ["Elections"], "audiences": ["Civil society", "Experts"]}
{"title": "Delta training", "event_type": "training course", "organizer": ["OSCE", "Transnational Threats Department", "Strategic Police Matters Unit"], "countries": ["Turkey"], "topics": ["Border management", "Cybercrime"]}
{"title": "Echo meeting", "start_date": "2015-03-10", "event_type": "meeting", "venue": {"city": "Washington", "country": "United States of America"}, "countries": ["Canada"]}"#;

async fn corpus(db: &TestDb) -> convene::graphql::ConveneSchema {
    let catalog = db.catalog().await;
    let report = import(&catalog, CORPUS).await;
    assert_eq!(report.imported, 5, "{:?}", report.rejected);
    schema(db, &catalog).await
}

fn titles(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"]["title"].as_str().unwrap().split(' ').next().unwrap().to_string())
        .collect()
}

async fn filtered(schema: &convene::graphql::ConveneSchema, filter: Value) -> (Vec<String>, i64) {
    let data = query(
        schema,
        "query($filter: EventFilter) { events(filter: $filter, orderBy: TITLE_ASC) { totalCount edges { node { title } } } }",
        json!({ "filter": filter }),
    )
    .await;
    (titles(&data["events"]), data["events"]["totalCount"].as_i64().unwrap())
}

async fn every_filter_field_selects_the_right_events(db: &TestDb) {
    let schema = corpus(db).await;
    let organizers = query(&schema, "{ organizers { id path } }", json!({})).await;
    let threats = organizers["organizers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|unit| unit["path"] == json!(["OSCE", "Transnational Threats Department"]))
        .unwrap()["id"]
        .clone();
    let cases = [
        (json!({}), vec!["Alpha", "Bravo", "Charlie", "Delta", "Echo"]),
        (json!({"countries": ["BA"]}), vec!["Bravo"]),
        (json!({"countries": ["AT"]}), vec!["Alpha"]),
        (json!({"countries": ["TR", "US"]}), vec!["Delta", "Echo"]),
        (json!({"venueCountries": ["RS"]}), vec!["Bravo"]),
        (json!({"venueCountries": ["KZ"]}), vec![]),
        (json!({"regions": ["143"]}), vec!["Alpha"]),
        (json!({"regions": ["150"]}), vec!["Alpha", "Bravo", "Charlie"]),
        (json!({"regions": ["SEE"]}), vec!["Bravo", "Delta"]),
        (json!({"regions": ["021", "143"]}), vec!["Alpha", "Echo"]),
        (json!({"topics": ["border-management"]}), vec!["Alpha", "Delta"]),
        (json!({"topics": ["no-such-topic"]}), vec![]),
        (json!({"organizers": [threats]}), vec!["Alpha", "Bravo", "Delta"]),
        (json!({"audiences": ["experts"]}), vec!["Alpha", "Charlie"]),
        (json!({"eventTypes": ["seminar", "meeting"]}), vec!["Charlie", "Echo"]),
        (json!({"startDate": {"from": "2015-01-01", "to": "2015-12-31"}}), vec!["Bravo", "Echo"]),
        (json!({"startDate": {"from": "2016-01-01"}}), vec!["Charlie"]),
        (json!({"startDate": {"to": "2015-03-10"}}), vec!["Alpha", "Bravo", "Echo"]),
        (json!({"addedOn": {"from": "2014-06-01"}}), vec!["Bravo", "Charlie"]),
        (json!({"topics": ["cybercrime"], "regions": ["SEE"]}), vec!["Bravo", "Delta"]),
        (json!({"topics": ["cybercrime"], "countries": ["RS"], "eventTypes": ["conference"]}), vec!["Bravo"]),
    ];
    for (filter, expected) in cases {
        let (found, total) = filtered(&schema, filter.clone()).await;
        assert_eq!(found, expected, "filter {filter}");
        assert_eq!(total, expected.len() as i64, "totalCount for {filter}");
    }
}
db_test!(every_filter_field_selects_the_right_events);

async fn orders_put_missing_dates_last(db: &TestDb) {
    let schema = corpus(db).await;
    let cases = [
        ("START_DATE_DESC", vec!["Charlie", "Echo", "Bravo", "Alpha", "Delta"]),
        ("START_DATE_ASC", vec!["Alpha", "Bravo", "Echo", "Charlie", "Delta"]),
        // Echo and Delta have no added_on: last, ties broken by id in the order's direction.
        ("ADDED_ON_DESC", vec!["Charlie", "Bravo", "Alpha", "Echo", "Delta"]),
        ("TITLE_ASC", vec!["Alpha", "Bravo", "Charlie", "Delta", "Echo"]),
    ];
    for (order, expected) in cases {
        let data =
            query(&schema, &format!("{{ events(orderBy: {order}) {{ edges {{ node {{ title }} }} }} }}"), json!({}))
                .await;
        assert_eq!(titles(&data["events"]), expected, "{order}");
    }
    let default = query(&schema, "{ events { edges { node { title } } } }", json!({})).await;
    assert_eq!(
        titles(&default["events"]),
        ["Charlie", "Echo", "Bravo", "Alpha", "Delta"],
        "START_DATE_DESC by default"
    );
}
db_test!(orders_put_missing_dates_last);

const PAGE: &str = "query($first: Int, $after: String, $last: Int, $before: String, $order: EventOrder) {
  events(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {
    totalCount edges { cursor node { title } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";

async fn cursors_walk_every_order_both_ways(db: &TestDb) {
    let schema = corpus(db).await;
    for order in ["START_DATE_DESC", "START_DATE_ASC", "ADDED_ON_DESC", "TITLE_ASC"] {
        let all = query(&schema, PAGE, json!({"first": 10, "order": order})).await;
        let everything = titles(&all["events"]);

        let mut forward = Vec::new();
        let mut after = Value::Null;
        loop {
            let page = query(&schema, PAGE, json!({"first": 2, "after": after, "order": order})).await;
            let events = &page["events"];
            assert_eq!(events["totalCount"], 5);
            forward.extend(titles(events));
            assert_eq!(events["pageInfo"]["hasPreviousPage"], !after.is_null());
            if events["pageInfo"]["hasNextPage"] == false {
                break;
            }
            after = events["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(forward, everything, "forward pages in {order}");

        let mut backward = Vec::new();
        let mut before = Value::Null;
        loop {
            let page = query(&schema, PAGE, json!({"last": 2, "before": before, "order": order})).await;
            let events = &page["events"];
            let mut titles_here = titles(events);
            titles_here.extend(backward);
            backward = titles_here;
            if events["pageInfo"]["hasPreviousPage"] == false {
                break;
            }
            before = events["pageInfo"]["startCursor"].clone();
        }
        assert_eq!(backward, everything, "backward pages in {order}");
    }
}
db_test!(cursors_walk_every_order_both_ways);

async fn bad_arguments_get_bad_user_input(db: &TestDb) {
    let schema = corpus(db).await;
    let cases = [
        ("{ events(first: 101) { totalCount } }", "first: must be between 0 and 100"),
        ("{ events(first: -1) { totalCount } }", "first"),
        (r#"{ events(after: "not-a-cursor") { totalCount } }"#, "after"),
        (
            r#"{ events(filter: {countries: ["Atlantis"]}) { totalCount } }"#,
            "filter.countries[0]: unknown country \"Atlantis\"",
        ),
        (r#"{ events(filter: {regions: ["999"]}) { totalCount } }"#, "filter.regions[0]"),
        (r#"{ events(filter: {organizers: ["x"]}) { totalCount } }"#, "filter.organizers[0]"),
        (r#"{ events(filter: {startDate: {from: "2015-13-01"}}) { totalCount } }"#, "2015-13-01"),
        ("{ events { nope } }", "nope"),
        ("{ events(", ""),
    ];
    for (text, expected) in cases {
        let errors = query_errors(&schema, text, json!({})).await;
        assert_eq!(first_code(&errors), "BAD_USER_INPUT", "{text}: {errors:?}");
        let message = errors[0]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{text}: {message}");
    }
    let many = query(&schema, "{ events(first: 100) { edges { node { id } } } }", json!({})).await;
    assert_eq!(many["events"]["edges"].as_array().unwrap().len(), 5);
}
db_test!(bad_arguments_get_bad_user_input);

async fn one_event_by_id_or_slug(db: &TestDb) {
    let schema = corpus(db).await;
    let page = query(&schema, "{ events(first: 1, orderBy: TITLE_ASC) { nodes { id slug title } } }", json!({})).await;
    let alpha = &page["events"]["nodes"][0];
    let by_id = query(&schema, "query($id: ID) { event(id: $id) { title } }", json!({"id": alpha["id"]})).await;
    assert_eq!(by_id["event"]["title"], "Alpha border workshop");
    let by_slug =
        query(&schema, "query($slug: String) { event(slug: $slug) { id } }", json!({"slug": alpha["slug"]})).await;
    assert_eq!(by_slug["event"]["id"], alpha["id"]);
    let missing = query(&schema, r#"{ event(id: "999999") { id } byText: event(id: "abc") { id } }"#, json!({})).await;
    assert_eq!(missing, json!({"event": null, "byText": null}));
    let errors = query_errors(&schema, r#"{ event { id } }"#, json!({})).await;
    assert_eq!(first_code(&errors), "BAD_USER_INPUT");
}
db_test!(one_event_by_id_or_slug);

async fn reference_and_taxonomy_lists(db: &TestDb) {
    let schema = corpus(db).await;
    let data = query(
        &schema,
        r#"{ countries { code } regions { code name countries { code } }
            un: regions(scheme: UN_REGION) { code name }
            osce: regions(scheme: OSCE) { code name countries { code } }
            topics { slug label } audiences { slug } organizers { name path children { name } } }"#,
        json!({}),
    )
    .await;
    assert_eq!(data["countries"].as_array().unwrap().len(), 250);
    let southern_europe = data["regions"].as_array().unwrap().iter().find(|region| region["code"] == "039").unwrap();
    assert_eq!(southern_europe["name"], "Southern Europe");
    let members: Vec<&str> = southern_europe["countries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|country| country["code"].as_str().unwrap())
        .collect();
    assert!(members.contains(&"BA") && members.contains(&"XK") && !members.contains(&"AT"));
    assert_eq!(data["un"].as_array().unwrap().len(), 5);
    let osce_members: usize = data["osce"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|group| !["MPC", "APC"].contains(&group["code"].as_str().unwrap()))
        .map(|group| group["countries"].as_array().unwrap().len())
        .sum();
    assert_eq!(osce_members, 58, "the 57 participating States and Kosovo");
    assert_eq!(
        data["topics"],
        json!([{"slug": "border-management", "label": "Border management"}, {"slug": "cybercrime", "label": "Cybercrime"}, {"slug": "elections", "label": "Elections"}])
    );
    assert_eq!(data["audiences"].as_array().unwrap().len(), 3);
    let osce = &data["organizers"][0];
    assert_eq!(osce["path"], json!(["OSCE"]));
    assert_eq!(osce["children"], json!([{"name": "ODIHR"}, {"name": "Transnational Threats Department"}]));
}
db_test!(reference_and_taxonomy_lists);

async fn a_deployment_can_replace_the_osce_grouping(db: &TestDb) {
    let catalog = db.catalog().await;
    let file = "alpha2\tgroup\tname\nBA\tBALK\tWestern Balkans\nrs\tBALK\tWestern Balkans\nAT\tHOST\tHost country\n";
    let groups = convene::catalog::osce::parse_groups_file(file).unwrap();
    convene::catalog::osce::replace_groups(catalog.db(), &groups).await.unwrap();
    let catalog = convene::catalog::Catalog::new(catalog.db().clone()).await.unwrap();
    let data =
        query(&schema(db, &catalog).await, "{ regions(scheme: OSCE) { code name countries { code } } }", json!({}))
            .await;
    assert_eq!(
        data["regions"],
        json!([
            {"code": "BALK", "name": "Western Balkans", "countries": [{"code": "BA"}, {"code": "RS"}]},
            {"code": "HOST", "name": "Host country", "countries": [{"code": "AT"}]},
        ])
    );
    let bad = convene::catalog::osce::parse_groups_file("alpha2\tgroup\tname\nZZ\tX\tNowhere\n").unwrap();
    let error = convene::catalog::osce::replace_groups(catalog.db(), &bad).await.unwrap_err();
    assert!(error.to_string().contains("unknown country code \"ZZ\""), "{error}");
    let reloaded = convene::catalog::Catalog::new(catalog.db().clone()).await.unwrap();
    let still = query(&schema(db, &reloaded).await, "{ regions(scheme: OSCE) { code } }", json!({})).await;
    assert_eq!(still["regions"].as_array().unwrap().len(), 2, "a bad file changes nothing");
    convene::catalog::osce::replace_groups(catalog.db(), &convene::catalog::osce::bundled_groups()).await.unwrap();
    let bundled = convene::catalog::Catalog::new(catalog.db().clone()).await.unwrap();
    let data = query(&schema(db, &bundled).await, "{ regions(scheme: OSCE) { code } }", json!({})).await;
    assert_eq!(data["regions"].as_array().unwrap().len(), 10);
}
db_test!(a_deployment_can_replace_the_osce_grouping);
