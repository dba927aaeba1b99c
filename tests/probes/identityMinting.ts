/**
 * Identity-minting probe: many `GET /api/me` without a cookie against a fresh NO_UI server while
 * painters keep the update store's database thread committing, as in bench:abuse's identity probe
 * (which found a stray HTTP 500 there). The per-address minting limit is raised so every request
 * reaches the user upsert. Prints the status tally and, for any 5xx, the server's error lines.
 *
 *   npx tsx tests/probes/identityMinting.ts [requests=2000] [concurrency=32] [painters=20]
 */
import { createRoom, startServer } from '../helpers/server';
import { connect, synced } from '../helpers/yclient';

// one y-websocket provider per painter, each with its own exit listener
process.setMaxListeners(0);
const [requests, concurrency, painters] = [2000, 32, 20].map((fallback, i) => Number(process.argv[2 + i] ?? fallback));

const server = await startServer({ env: { IP_IDENTITIES_PER_MINUTE: String(requests * 10), LOG_LEVEL: 'error' } });
try {
  const room = await createRoom(server.url);
  const clients = Array.from({ length: painters }, () => connect(server.wsUrl, room));
  await Promise.all(clients.map(synced));
  let seq = 0;
  const timer = setInterval(() => {
    for (const c of clients) c.strokes.push([{ id: `s${seq++}`, tool: 'brush', label: 'grass', size: 24, points: [100, 100, 300, 120] }]);
  }, 100);
  const statuses = new Map<string, number>();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        next++;
        const res = await fetch(`${server.url}/api/me`);
        const key = `HTTP ${res.status}${res.status >= 500 ? ` ${await res.text()}` : ''}`;
        if (res.status < 500) await res.arrayBuffer();
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${requests} GET /api/me without a cookie, ${concurrency} at a time, ${painters} painters at 10 strokes/s: ${seconds.toFixed(1)} s`,
  );
  for (const [status, n] of statuses) console.log(`  ${n}x ${status}`);
  const errors = server
    .output()
    .split('\n')
    .filter((line) => /"level":(50|60)/.test(line));
  console.log(`server error lines: ${errors.length}`);
  for (const line of errors.slice(0, 5)) console.log(`  ${line.slice(0, 2000)}`);
  clearInterval(timer);
  clients.forEach((c) => c.destroy());
} finally {
  await server.stop();
}
process.exit(0);
