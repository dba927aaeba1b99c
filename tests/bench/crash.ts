/**
 * `npm run bench:crash`: SIGKILLs the server 50 times at random moments while people paint, and
 * checks acknowledged durability. The authors (Yjs clients, in their own process, reconnecting
 * like pages do) paint throughout, also while the server is down. After each kill, with the
 * server still down, the database is read directly: every stroke an author had been told is
 * stored must be in it (printed as "acknowledged strokes lost", must be 0). Strokes the kill took
 * before they were stored are followed to the end: recovered when their still-connected author
 * sent them again after the restart.
 *
 * Options (environment): CRASH_KILLS (50), CRASH_ROOMS (4), CRASH_AUTHORS per room (3),
 * CRASH_INTERVAL_MS between one author's strokes (250: 50 kills keep rooms under their 20 000 strokes), CRASH_MAX_DELAY_MS (1000): a kill comes
 * a random 0..max ms after every author is back.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import { createRoom, startServer, type TestServer } from '../helpers/server';
import { sqliteDatabase } from '../helpers/database';
import { connect, synced, type YClient } from '../helpers/yclient';
import { STROKES_KEY } from '../../lib/protocol';
import { MESSAGE_STORED, mergeStored } from '../../lib/stored';
import type { Stroke } from '../../lib/strokes';
import { openDb } from '../../server/db';
import { percentile } from './procStats';

const KILLS = Number(process.env.CRASH_KILLS ?? 50);
const ROOMS = Number(process.env.CRASH_ROOMS ?? 4);
const AUTHORS = Number(process.env.CRASH_AUTHORS ?? 3);
const INTERVAL_MS = Number(process.env.CRASH_INTERVAL_MS ?? 250);
const MAX_DELAY_MS = Number(process.env.CRASH_MAX_DELAY_MS ?? 1000);

type ToWorker = 'paint' | 'connected' | 'report' | 'finish';
interface Report {
  /** Ids of strokes whose author has been told they are stored. */
  acked: string[];
  /** Ids painted and not (yet) acknowledged. */
  unacked: string[];
  closes: Record<string, number>;
}
type FromWorker = { ready: true } | { connected: number } | { report: Report };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stroke ids per room, read from the database itself, and when (Date.now()) each of its rows was written. */
async function storedIds(dbUrl: string, rooms: string[]): Promise<Set<string> & { writes: number[] }> {
  const db = openDb(dbUrl);
  try {
    const ids = Object.assign(new Set<string>(), { writes: [] as number[] });
    for (const roomId of rooms) {
      const rows = await db.roomUpdate.findMany({ where: { roomId }, orderBy: { id: 'asc' } });
      const doc = new Y.Doc();
      for (const row of rows) Y.applyUpdate(doc, new Uint8Array(row.data));
      for (const s of doc.getArray<Stroke>(STROKES_KEY).toArray()) ids.add(s.id);
      ids.writes.push(...rows.map((row) => row.createdAt.getTime()));
      doc.destroy();
    }
    return ids;
  } finally {
    await db.$disconnect();
  }
}

async function main() {
  const dbUrl = sqliteDatabase();
  let server: TestServer = await startServer({ dbUrl });
  const port = server.port;
  const rooms: string[] = [];
  for (let i = 0; i < ROOMS; i++) rooms.push(await createRoom(server.url));
  // Each author is a person with a signed identity: the server checks every stroke's author.
  const people: Person[] = [];
  for (let i = 0; i < ROOMS * AUTHORS; i++) {
    const res = await fetch(`${server.url}/api/me`);
    people.push({ cookie: res.headers.get('set-cookie')!.split(';')[0], id: ((await res.json()) as { id: string }).id });
  }

  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['worker', JSON.stringify({ wsUrl: server.wsUrl, rooms, people })], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const inbox: FromWorker[] = [];
  let wake: (() => void) | null = null;
  child.on('message', (m: FromWorker) => {
    inbox.push(m);
    wake?.();
  });
  const ask = async <K extends 'ready' | 'connected' | 'report'>(key: K, request?: ToWorker) => {
    if (request) child.send(request);
    for (;;) {
      const at = inbox.findIndex((m) => key in m);
      if (at >= 0) return inbox.splice(at, 1)[0] as Extract<FromWorker, Record<K, unknown>>;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  };
  // Whatever happens, neither the authors nor a server outlive the benchmark.
  process.once('exit', () => {
    child.kill('SIGKILL');
    server.process.kill('SIGKILL');
  });
  await ask('ready');
  child.send('paint' satisfies ToWorker);

  const authors = ROOMS * AUTHORS;
  let ackedLost = 0;
  const lostOnServer = new Set<string>();
  const restartMs: number[] = [];
  const reconnectMs: number[] = [];
  /** Per cycle: from the server's (re)start to its first commit (a row's createdAt). */
  const firstCommitMs: number[] = [];
  let startedAt = Date.now();
  console.log(`bench:crash: ${KILLS} kills, ${ROOMS} rooms x ${AUTHORS} authors, a stroke each per ${INTERVAL_MS} ms`);
  for (let kill = 1; kill <= KILLS; kill++) {
    const back = performance.now();
    while ((await ask('connected', 'connected')).connected < authors) {
      if (performance.now() - back > 60_000) {
        const { report } = await ask('report', 'report');
        throw new Error(
          `authors did not reconnect within 60 s (closes ${JSON.stringify(report.closes)}):\n${server.output().slice(-2000)}`,
        );
      }
      await sleep(50);
    }
    reconnectMs.push(performance.now() - back);
    const backAt = Date.now() - startedAt;
    await sleep(Math.random() * MAX_DELAY_MS);
    const killedAt = Date.now();
    await server.stop('SIGKILL');
    // Acknowledgements the server sent before it died are still arriving at the authors.
    await sleep(200);
    const { report } = await ask('report', 'report');
    const stored = await storedIds(dbUrl, rooms);
    const lost = report.acked.filter((id) => !stored.has(id));
    ackedLost += lost.length;
    const notStored = report.unacked.filter((id) => !stored.has(id));
    for (const id of notStored) lostOnServer.add(id);
    const firstCommit = stored.writes.filter((t) => t >= startedAt).reduce((a, b) => Math.min(a, b), Infinity);
    if (firstCommit !== Infinity) firstCommitMs.push(firstCommit - startedAt);
    console.log(
      `kill ${String(kill).padStart(2)}: ${report.acked.length} acknowledged, ${lost.length} of them lost; ${notStored.length} unacknowledged not stored; ` +
        `killed ${killedAt - startedAt} ms after the (re)start, all authors back ${backAt} ms after it, first commit ${firstCommit === Infinity ? 'none' : `after ${firstCommit - startedAt} ms`}`,
    );
    if (lost.length > 0) console.log(`  LOST: ${lost.slice(0, 10).join(', ')}`);
    const t0 = performance.now();
    startedAt = Date.now();
    server = await startServer({ dbUrl, port });
    restartMs.push(performance.now() - t0);
  }
  // Painting stops; the authors send what the server still lacks and wait for its acknowledgement.
  const { report } = await ask('report', 'finish');
  await server.stop('SIGTERM');
  const stored = await storedIds(dbUrl, rooms);
  const recovered = [...lostOnServer].filter((id) => stored.has(id)).length;
  const missing = report.acked.length + report.unacked.length - [...report.acked, ...report.unacked].filter((id) => stored.has(id)).length;
  console.log('');
  console.log(`kills                                   ${KILLS}`);
  console.log(`strokes painted                         ${report.acked.length + report.unacked.length}`);
  console.log(`acknowledged strokes lost               ${ackedLost}`);
  console.log(`unacknowledged strokes a kill took      ${lostOnServer.size}`);
  console.log(`  recovered from their authors          ${recovered}`);
  console.log(`strokes missing at the end              ${missing} (${report.unacked.length} never acknowledged)`);
  console.log(`close codes seen by authors             ${JSON.stringify(report.closes)}`);
  console.log(`restart p50/max ms                      ${percentile(restartMs, 50).toFixed(0)} / ${Math.max(...restartMs).toFixed(0)}`);
  console.log(`authors back p50/max ms                 ${percentile(reconnectMs, 50).toFixed(0)} / ${Math.max(...reconnectMs).toFixed(0)}`);
  console.log(
    `(re)start to first commit p50/max ms    ${percentile(firstCommitMs, 50).toFixed(0)} / ${Math.max(...firstCommitMs).toFixed(0)} (${KILLS - firstCommitMs.length} cycles killed before any)`,
  );
  child.kill();
  process.exit(ackedLost === 0 ? 0 : 1);
}

interface Person {
  cookie: string;
  id: string;
}

interface Author {
  person: Person;
  client: YClient;
  stored: Map<number, number>;
  /** Stroke ids with the clock of their item (one stroke per transaction: one clock each). */
  strokes: Array<{ id: string; clock: number }>;
}

async function worker({ wsUrl, rooms, people }: { wsUrl: string; rooms: string[]; people: Person[] }) {
  process.setMaxListeners(0);
  const authors: Author[] = [];
  const closes: Record<string, number> = {};
  for (const [r, room] of rooms.entries()) {
    for (let i = 0; i < AUTHORS; i++) {
      const person = people[r * AUTHORS + i];
      const client = connect(wsUrl, room, { cookie: person.cookie });
      // As the room page does (useRoomSync): retry after every refusal the next try can clear.
      client.provider.shouldReconnect = () => true;
      const stored = new Map<number, number>();
      client.provider.messageHandlers[MESSAGE_STORED] = (_e, decoder) => {
        mergeStored(stored, Y.decodeStateVector(decoding.readVarUint8Array(decoder)));
      };
      client.provider.on('connection-close', (event: CloseEvent | null) => {
        const code = String(event?.code ?? 'error');
        closes[code] = (closes[code] ?? 0) + 1;
      });
      authors.push({ person, client, stored, strokes: [] });
    }
  }
  await Promise.all(authors.map((a) => synced(a.client)));
  const isAcked = (a: Author, s: { clock: number }) => (a.stored.get(a.client.doc.clientID) ?? 0) > s.clock;
  const report = (): Report => {
    const acked: string[] = [];
    const unacked: string[] = [];
    for (const a of authors) for (const s of a.strokes) (isAcked(a, s) ? acked : unacked).push(s.id);
    return { acked, unacked, closes };
  };
  let seq = 0;
  const timers: NodeJS.Timeout[] = [];
  process.on('message', async (m: ToWorker) => {
    if (m === 'paint') {
      authors.forEach((a, i) => {
        const paint = () => {
          const y = 50 + ((seq * 37) % 900);
          const id = `crash-a${i}-n${seq++}`;
          a.strokes.push({ id, clock: Y.getState(a.client.doc.store, a.client.doc.clientID) });
          a.client.strokes.push([{ id, tool: 'brush', label: 'grass', size: 24, points: [100, y, 300, y + 20, 500, y], by: a.person.id }]);
        };
        timers.push(setTimeout(() => timers.push(setInterval(paint, INTERVAL_MS)), (i * INTERVAL_MS) / authors.length));
      });
    } else if (m === 'connected') {
      const n = authors.filter((a) => a.client.provider.wsconnected && a.client.provider.synced).length;
      process.send!({ connected: n } satisfies FromWorker);
    } else if (m === 'report') {
      process.send!({ report: report() } satisfies FromWorker);
    } else if (m === 'finish') {
      timers.forEach(clearTimeout);
      const deadline = Date.now() + 30_000;
      while (authors.some((a) => a.strokes.some((s) => !isAcked(a, s))) && Date.now() < deadline) await sleep(50);
      process.send!({ report: report() } satisfies FromWorker);
    }
  });
  process.send!({ ready: true } satisfies FromWorker);
}

if (process.argv[2] === 'worker') await worker(JSON.parse(process.argv[3]) as { wsUrl: string; rooms: string[]; people: Person[] });
else await main();
