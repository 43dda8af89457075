// Subscribes to eventChanges with the graphql-ws client (graphql-transport-ws protocol) and
// prints one JSON line per message. Usage: node subscribe.mjs WS_URL TOKEN FILTER_JSON COUNT
// Prints {"ready":true} once the server acknowledged the connection, then each change, and
// exits after COUNT changes (or with code 1 after 30 seconds, or 2 on an error).
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, token, filterJson, countText] = process.argv.slice(2);
const expected = Number(countText);
const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: token ? { Authorization: `Bearer ${token}` } : {},
  lazy: false,
  retryAttempts: 0,
  on: { connected: () => console.log(JSON.stringify({ ready: true })) },
});
let received = 0;
const timer = setTimeout(() => { console.log(JSON.stringify({ timeout: true, received })); process.exit(1); }, 30_000);
client.subscribe(
  {
    query: 'subscription($filter: EventFilter) { eventChanges(filter: $filter) { kind id event { title } } }',
    variables: { filter: JSON.parse(filterJson || 'null') },
  },
  {
    next: (message) => {
      console.log(JSON.stringify(message));
      received += 1;
      if (received >= expected) { clearTimeout(timer); client.dispose(); process.exit(0); }
    },
    error: (error) => { console.log(JSON.stringify({ error: String(error?.message ?? JSON.stringify(error)) })); process.exit(2); },
    complete: () => {},
  },
);
