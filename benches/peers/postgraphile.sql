-- What a PostGraphile user adds to Convene's tables so that PostGraphile answers the same
-- questions as Convene. benches/run.sh applies it to the benchmark database before starting
-- PostGraphile, which reads the schema once (no watch mode).

-- Smart comments: the Amber preset orders only by indexed columns, and Convene lists an
-- event's countries and topics in their `position` order. Sorting a handful of link rows per
-- event needs no index.
COMMENT ON COLUMN event_countries.position IS E'@behavior +orderBy';
COMMENT ON COLUMN event_topics.position IS E'@behavior +orderBy';

-- eventStats(groupBy: [REGION, YEAR]) through @graphile/pg-aggregates, which groups only by the
-- columns of one table or view: one row per (event, UN subregion of one of its countries, year
-- of its start date), where the event's countries are its participating countries plus its
-- venue's country (API.md: an event belongs to the regions of its venue country and of every
-- participating country). An event with two countries in one subregion gives two rows there,
-- so the GraphQL query counts `distinctCount { eventId }` per group: the count(DISTINCT e.id)
-- of the SQL GROUP BY peer in benches/load.rs. A plain view, nothing precomputed: PostgreSQL
-- runs the joins on every request, as it does for that peer.
CREATE OR REPLACE VIEW bench_event_regions AS
SELECT c.event_id, cr.region_code, extract(year FROM e.start_date)::int AS year
FROM (
    SELECT event_id, country_code FROM event_countries
    UNION
    SELECT e2.id, v.country_code FROM events e2 JOIN venues v ON v.id = e2.venue_id
) c
JOIN events e ON e.id = c.event_id
JOIN country_regions cr ON cr.country_code = c.country_code
JOIN regions r ON r.code = cr.region_code AND r.scheme = 'UN_SUBREGION';

-- The freshly imported tables as autovacuum leaves them in a deployed database: planner
-- statistics, and visibility maps for index-only scans. (benches/run.sh applies this right
-- after the import, before any row is measured, so every row of the run sees the same state.)
-- The checkpoint writes the pages VACUUM dirtied now, rather than in the background while
-- rows are measured: otherwise at a million events the checkpointer's writes land in the rows
-- measured next and make them look slower.
VACUUM (ANALYZE);
CHECKPOINT;
