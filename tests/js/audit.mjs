// Runs the graphql-http audit suite (GraphQL-over-HTTP spec compliance) against a running server.
//
//   node tests/audit/audit.mjs http://127.0.0.1:PORT/graphql
//
// Prints one line per audit (`ok|notice|warn|error ID NAME`, plus the reason when it did not pass)
// and exits 1 if any MUST-level audit failed (status `error`), 2 if the server could not be audited.
// Waits up to AUDIT_WAIT_SECS (default 30) for the server to answer before auditing.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs http://HOST:PORT/graphql');
  process.exit(2);
}

const deadline = Date.now() + 1000 * Number(process.env.AUDIT_WAIT_SECS ?? 30);
for (;;) {
  try {
    await fetch(url, { method: 'POST' });
    break;
  } catch (err) {
    if (Date.now() > deadline) {
      console.error(`server at ${url} is not answering: ${err.cause?.message ?? err.message}`);
      process.exit(2);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

let results;
try {
  results = await auditServer({ url });
} catch (err) {
  console.error(`audit aborted: ${err.stack ?? err}`);
  process.exit(2);
}

const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
for (const result of results) {
  counts[result.status] += 1;
  const line = `${result.status} ${result.id} ${result.name}`;
  console.log(result.status === 'ok' ? line : `${line} -- ${result.reason} (HTTP ${result.response?.status})`);
}
console.log(`graphql-http audit: ${counts.ok} ok, ${counts.notice} notice, ${counts.warn} warn, ${counts.error} error`);
process.exit(counts.error > 0 ? 1 : 0);
