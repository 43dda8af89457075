//! The PostgreSQL peers of Convene's search and dashboard, on the same database: full-text
//! search (`tsvector` with a GIN index, `ts_rank`, `ts_headline`, facets by GROUP BY, typos
//! through `pg_trgm`) as a PostgreSQL user would write it for this catalogue, and the SQL
//! GROUP BY of `eventStats`.

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

use super::sequential;

async fn sql(db: &DatabaseConnection, text: &str) {
    db.execute_raw(Statement::from_string(db.get_database_backend(), text.to_string())).await.expect("SQL runs");
}

/// The peer's search table, as a PostgreSQL user would build one for this catalogue: each
/// event's `tsvector` over the fields Convene searches (title; subtitle and topics; description;
/// organizer with the units above it, venue and countries: PostgreSQL has four weights), the
/// start date its year facet counts, and the countries its region filter and facet read: those
/// taking part and the venue's, as Convene's region filter and facet read them (API.md), kept
/// as an array with a GIN index. Built once per database (`convene import` does not fill it).
const PEER_TABLE: &str = "CREATE TABLE IF NOT EXISTS bench_search AS
    WITH RECURSIVE units AS (
        SELECT id, name::text AS path FROM organizers WHERE parent_id IS NULL
        UNION ALL SELECT o.id, units.path || ' ' || o.name FROM organizers o JOIN units ON o.parent_id = units.id),
    topic_text AS (SELECT et.event_id, string_agg(t.label, ' ') AS text FROM event_topics et JOIN topics t ON t.id = et.topic_id GROUP BY 1),
    country_text AS (SELECT ec.event_id, string_agg(c.name, ' ') AS text, array_agg(ec.country_code) AS codes
        FROM event_countries ec JOIN countries c ON c.code = ec.country_code GROUP BY 1)
    SELECT e.id, e.start_date,
        ARRAY(SELECT DISTINCT code FROM unnest(ct.codes || v.country_code) AS code WHERE code IS NOT NULL) AS countries,
        setweight(to_tsvector('english', coalesce(e.title, '')), 'A')
        || setweight(to_tsvector('english', concat_ws(' ', e.subtitle, tt.text)), 'B')
        || setweight(to_tsvector('english', coalesce(e.description, '')), 'C')
        || setweight(to_tsvector('english', concat_ws(' ', u.path, v.name, v.city, vc.name, ct.text)), 'D') AS tsv
    FROM events e LEFT JOIN topic_text tt ON tt.event_id = e.id LEFT JOIN country_text ct ON ct.event_id = e.id
        LEFT JOIN units u ON u.id = e.organizer_id LEFT JOIN venues v ON v.id = e.venue_id LEFT JOIN countries vc ON vc.code = v.country_code";

/// The peer of Convene's `search`, as one statement: the matches, ranked by `ts_rank`, are found
/// once (`m`); the first 20 with their title and description highlighted by `ts_headline`, the
/// total, and the three facets Convene's search asks for (region, topic, year) are read from
/// them, in one round trip. `{query}` is the query's `tsquery` ([`peer_tsquery`]); when it
/// matches nothing (`m0` is empty), the search runs again with its words corrected
/// ([`PEER_CORRECTED`]), both times through the GIN index. `{region}` is where the region filter
/// of "words + filter" goes.
pub const PEER_SEARCH: &str = "WITH q0 AS (SELECT {query} AS q),
    m0 AS MATERIALIZED (SELECT s.id, s.start_date, s.countries, ts_rank(s.tsv, q0.q) AS rank FROM bench_search s, q0 WHERE s.tsv @@ q0.q {region}),
    q AS (SELECT CASE WHEN EXISTS (SELECT FROM m0) THEN (SELECT q FROM q0) ELSE ({corrected}) END AS q),
    m AS MATERIALIZED (SELECT * FROM m0 UNION ALL
        SELECT s.id, s.start_date, s.countries, ts_rank(s.tsv, q.q) FROM bench_search s, q WHERE NOT EXISTS (SELECT FROM m0) AND s.tsv @@ q.q {region}),
    page AS (SELECT id, rank FROM m ORDER BY rank DESC, id LIMIT 20)
    SELECT json_build_object(
    'total', (SELECT count(*) FROM m),
    'hits', (SELECT json_agg(json_build_object('id', e.id, 'rank', p.rank,
        'title', ts_headline('english', e.title, q.q, 'HighlightAll=true, StartSel=<mark>, StopSel=</mark>'),
        'description', ts_headline('english', coalesce(e.description, ''), q.q, 'MaxWords=40, MinWords=20, StartSel=<mark>, StopSel=</mark>'))
        ORDER BY p.rank DESC, p.id) FROM page p JOIN events e ON e.id = p.id, q),
    'regions', (SELECT json_agg(x) FROM (SELECT cr.region_code, count(DISTINCT m.id) FROM m CROSS JOIN unnest(m.countries) AS c(code)
        JOIN country_regions cr ON cr.country_code = c.code JOIN regions r ON r.code = cr.region_code AND r.scheme = 'UN_SUBREGION' GROUP BY 1) x),
    'topics', (SELECT json_agg(x) FROM (SELECT t.slug, count(*) FROM m JOIN event_topics et ON et.event_id = m.id JOIN topics t ON t.id = et.topic_id GROUP BY 1) x),
    'years', (SELECT json_agg(x) FROM (SELECT extract(year FROM m.start_date) AS year, count(*) FROM m GROUP BY 1) x)) AS result";

/// Typo tolerance as PostgreSQL's documentation builds it with `pg_trgm` (its page's "Text
/// Search Integration"): each word of the query (`$1`) may match its own English stem or any of
/// the up to three words of the search table's own (`bench_words`, stems too) most similar to
/// it by trigrams. Stop words are left out, as `websearch_to_tsquery` leaves them out.
/// [`PEER_SEARCH`] asks for it only when the query as typed matches nothing, as a search box's
/// "did you mean" does: less work than Convene's, which always counts a word's typos among its
/// matches, and the same events for a query that finds nothing without them. Every word becomes
/// required, an excluded one too, and a phrase's words need not be adjacent: simplifications no
/// query of the mix meets, since only the typo falls back.
const PEER_CORRECTED: &str = "SELECT to_tsquery('simple', string_agg('(' || x.alternatives || ')', ' & '))
    FROM (SELECT (SELECT string_agg(quote_literal(a.word), ' | ') FROM (
            SELECT (ts_lexize('english_stem', t.word))[1] AS word
            UNION SELECT w.word FROM (SELECT word FROM bench_words WHERE word % t.word
                ORDER BY similarity(word, t.word) DESC, word LIMIT 3) w) a) AS alternatives
        FROM regexp_split_to_table(lower($1), '[^[:alpha:]]+') AS t(word)
        WHERE t.word <> '' AND ts_lexize('english_stem', t.word) <> '{}') x";

/// The peer's `tsquery` for a query of the mix (SQL with parameters from `$2`, and their
/// values; `$1` is the query as typed): websearch syntax (quoted phrases, `-word`, `or`) with
/// English stems, as Convene's words match their stems, and Convene's prefix (API.md:
/// search-as-you-type): the last word not excluded also matches as a prefix, unless the query
/// ends with a space. Only for a word of letters in a query without phrases or `or`, where
/// splitting the query around the word keeps its meaning; any other query is searched as typed.
fn peer_tsquery(text: &str) -> (String, Vec<sea_orm::Value>) {
    let as_typed = ("websearch_to_tsquery('english', $1)".to_string(), Vec::new());
    let tokens: Vec<&str> = text.split_whitespace().collect();
    if text.contains('"') || text.ends_with(char::is_whitespace) || tokens.iter().any(|t| t.eq_ignore_ascii_case("or"))
    {
        return as_typed;
    }
    let Some(at) = tokens.iter().rposition(|token| !token.starts_with('-')) else { return as_typed };
    let word = tokens[at];
    if !word.chars().all(char::is_alphabetic) {
        return as_typed;
    }
    let mut values: Vec<sea_orm::Value> = Vec::new();
    let mut parameter = |value: String| {
        values.push(value.into());
        format!("${}", values.len() + 1)
    };
    let mut parts = Vec::new();
    let before = tokens[..at].join(" ");
    if !before.is_empty() {
        parts.push(format!("websearch_to_tsquery('english', {})", parameter(before)));
    }
    let (stem, prefix) = (parameter(word.to_string()), parameter(format!("{}:*", word.to_lowercase())));
    parts.push(format!("(websearch_to_tsquery('english', {stem}) || to_tsquery('simple', {prefix}))"));
    let after = tokens[at + 1..].join(" ");
    if !after.is_empty() {
        parts.push(format!("websearch_to_tsquery('english', {})", parameter(after)));
    }
    (format!("({})", parts.join(" && ")), values)
}

/// The words of the search table, for [`PEER_CORRECTED`], with the trigram index it searches.
const PEER_WORDS: [&str; 3] = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE TABLE IF NOT EXISTS bench_words AS SELECT word FROM ts_stat('SELECT tsv FROM bench_search')",
    "CREATE INDEX IF NOT EXISTS bench_words_trgm ON bench_words USING gin (word gin_trgm_ops)",
];

/// The full-text search peer's table and indexes, built once per database, then vacuumed and
/// checkpointed so PostgreSQL's own upkeep of them does not run during the measures.
pub async fn peer_setup(database_url: &str) -> DatabaseConnection {
    // Connected as Convene connects (without TLS on the loopback), so the peer pays no more per
    // round trip than Convene does.
    let db = convene::db::connect(database_url).await.expect("PostgreSQL");
    sql(&db, PEER_TABLE).await;
    sql(&db, "CREATE UNIQUE INDEX IF NOT EXISTS bench_search_id ON bench_search (id)").await;
    sql(&db, "CREATE INDEX IF NOT EXISTS bench_search_tsv ON bench_search USING gin (tsv)").await;
    sql(&db, "CREATE INDEX IF NOT EXISTS bench_search_countries ON bench_search USING gin (countries)").await;
    for statement in PEER_WORDS {
        sql(&db, statement).await;
    }
    sql(&db, "VACUUM ANALYZE bench_search, bench_words").await;
    sql(&db, "ANALYZE").await;
    sql(&db, "CHECKPOINT").await;
    db
}

/// How many events the peer's search finds (the `total` of its result).
pub async fn peer_total(db: &DatabaseConnection, search: &Statement) -> i64 {
    let row = db.query_one_raw(search.clone()).await.expect("SQL runs").expect("one row");
    let result: serde_json::Value = row.try_get("", "result").expect("a JSON result");
    result["total"].as_i64().expect("a total")
}

/// [`PEER_SEARCH`] for one query of the mix, kept to the events of `region` (taking part or
/// hosting, as Convene's region filter) when one is given.
pub fn peer_search(db: &DatabaseConnection, text: &str, region: Option<&str>) -> Statement {
    let (query, mut values) = peer_tsquery(text);
    values.insert(0, text.into());
    let region = match region {
        Some(code) => {
            values.push(code.into());
            format!(
                "AND s.countries && ARRAY(SELECT country_code FROM country_regions WHERE region_code = ${})",
                values.len()
            )
        }
        None => String::new(),
    };
    let sql =
        PEER_SEARCH.replace("{query}", &query).replace("{corrected}", PEER_CORRECTED).replace("{region}", &region);
    Statement::from_sql_and_values(db.get_database_backend(), sql, values)
}

/// SQL's GROUP BY for `eventStats(groupBy: [REGION, YEAR])`: the same buckets, counted from the tables.
pub async fn group_by_row(db: &DatabaseConnection) {
    let group_by = "SELECT cr.region_code, extract(year FROM e.start_date) AS year, count(DISTINCT e.id) FROM events e
        JOIN (SELECT event_id, country_code FROM event_countries UNION SELECT e2.id, v.country_code FROM events e2 JOIN venues v ON v.id = e2.venue_id) c ON c.event_id = e.id
        JOIN country_regions cr ON cr.country_code = c.country_code JOIN regions r ON r.code = cr.region_code AND r.scheme = 'UN_SUBREGION'
        GROUP BY 1, 2";
    let (p50, p99) = sequential(10, || async {
        db.query_all_raw(Statement::from_string(db.get_database_backend(), group_by.to_string()))
            .await
            .expect("SQL runs");
    })
    .await;
    println!("| PostgreSQL GROUP BY region x year | {p50:.1} | {p99:.1} |");
}
