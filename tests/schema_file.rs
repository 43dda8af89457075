//! The checked-in `schema/schema.graphql` is exactly what `convene schema` prints.

#[test]
fn schema_file_matches_the_code() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/schema.graphql");
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    let generated = convene::graphql::sdl();
    assert!(
        checked_in == generated,
        "schema/schema.graphql is out of date: run `cargo run -- schema > schema/schema.graphql`"
    );
}

#[test]
fn schema_keeps_the_names_of_api_md() {
    let sdl = convene::graphql::sdl();
    for name in [
        "scalar Date",
        "event(id: ID, slug: String): Event",
        "events(filter: EventFilter, orderBy: EventOrder = START_DATE_DESC, first: Int, after: String, last: Int, before: String): EventConnection!",
        "countries: [Country!]!",
        "regions(scheme: RegionScheme = UN_SUBREGION): [Region!]!",
        "region(scheme: RegionScheme = UN_SUBREGION): Region",
        "enum EventOrder",
        "input EventFilter",
        "input DateRange",
        "totalCount: Int!",
    ] {
        assert!(sdl.contains(name), "the schema lost {name:?}");
    }
}
