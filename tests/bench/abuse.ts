/**
 * Abuse campaign: hostile probes against a real server (127.0.0.1, NO_UI) while a victim room,
 * in its own process, paints a stroke every 50 ms and measures delivery to a second client. Per
 * probe: what the server answered, and the victim's stroke latency p50/p99/max meanwhile; at the
 * end, whether the server process survived (crashes must be 0) and its RSS.
 * Run: npm run bench:abuse
 * ABUSE_ONLY=<text> runs only the probes whose name contains it; ABUSE_PROFILE_DIR=<dir> profiles
 * the server (tests/bench/cpuProfile.mjs) and writes each probe's window (monotonic µs, the
 * profile's clock) to <dir>/windows.json, to see what the server spent each probe's time on
 * (`npx tsx tests/bench/profileWindows.ts <dir>` prints it).
 * The attacker (this process) runs at nice ABUSE_ATTACKER_NICE (default 10), the server and the
 * victim at this shell's: on one 2-core host the attacker's own CPU (the 1,000-event loop encodes
 * ~8 MiB at once) would otherwise be counted as the server's; a real attacker brings its own.
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as awarenessProtocol from 'y-protocols/awareness';
import { io } from 'socket.io-client';
import { createRoom, startServer, type TestServer } from '../helpers/server';
import { connect, synced, type YClient } from '../helpers/yclient';
import { rawRequest, upgradeRequest } from '../helpers/rawHttp';
import { percentile, rssMiB } from './procStats';
import { EVENTS } from '../../lib/events';
import { STROKES_KEY, YJS_PATH } from '../../lib/protocol';
import type { Stroke } from '../../lib/strokes';

const VICTIM_INTERVAL_MS = 50;
/** Each probe's window lasts at least this long, so the victim's figures cover it. */
const MIN_WINDOW_MS = 2000;
const HEARTBEAT_MS = 2000;
const ATTACKER_NICE = Number(process.env.ABUSE_ATTACKER_NICE ?? 10);

const now = () => performance.timeOrigin + performance.now();

// ---- victim process: two clients in one room, one paints, the other measures ----

async function victim(wsUrl: string, room: string): Promise<void> {
  const [painter, watcher] = [connect(wsUrl, room), connect(wsUrl, room)];
  await Promise.all([synced(painter), synced(watcher)]);
  let latencies: number[] = [];
  const closes: string[] = [];
  for (const c of [painter, watcher]) c.provider.on('connection-close', (e: CloseEvent | null) => e && closes.push(`${e.code}`));
  watcher.strokes.observe((event) => {
    const t = now();
    for (const item of event.changes.added) {
      for (const s of item.content.getContent() as Stroke[]) {
        const sent = /t(\d+)$/.exec(s.id);
        if (sent) latencies.push(t - Number(sent[1]) / 1000);
      }
    }
  });
  let seq = 0;
  setInterval(() => {
    const y = 50 + ((seq * 37) % 900);
    painter.strokes.push([
      { id: `v${seq++}t${Math.round(now() * 1000)}`, tool: 'brush', label: 'grass', size: 24, points: [100, y, 400, y] },
    ]);
  }, VICTIM_INTERVAL_MS);
  process.on('message', () => {
    process.send!({ latencies, sent: seq, closes: closes.splice(0) });
    latencies = [];
  });
  process.send!({ ready: true });
}

// ---- attacker side ----

type Outcome = string;
interface Probe {
  name: string;
  run(ctx: Context): Promise<Outcome>;
}
interface Context {
  server: TestServer;
  rooms: { big: string; target: string; spare: string[] };
}

function message(type: number, write: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, type);
  write(e);
  return encoding.toUint8Array(e);
}
const updateMessage = (u: Uint8Array) => message(0, (e) => syncProtocol.writeUpdate(e, u));

function openRaw(url: string, options?: WebSocket.ClientOptions): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

/** Opens a socket to `room`, sends `frames`, resolves with the close code (or 'open' after `waitMs`). */
async function sendAndClose(server: TestServer, room: string, frames: Uint8Array[], waitMs = 3000): Promise<string> {
  const ws = await openRaw(`${server.wsUrl}${YJS_PATH}/${room}`);
  const t0 = performance.now();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      ws.terminate();
      resolve('still open');
    }, waitMs);
    ws.once('close', (code) => {
      clearTimeout(timer);
      resolve(`${code} after ${Math.round(performance.now() - t0)} ms`);
    });
    for (const f of frames) ws.send(f);
  });
}

/** Runs `count` tasks, `batch` at a time (one address may hold IP_MAX_SOCKETS sockets). */
async function inBatches(count: number, batch: number, task: () => Promise<string>): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < count; i += batch) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(batch, count - i) }, () => task().catch((e: Error) => e.message)))));
  }
  return out;
}

function tally(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([v, n]) => `${n}x ${v}`).join(', ');
}
const codeOnly = (s: string) => s.replace(/ after \d+ ms$/, '');

function strokeUpdate(doc: Y.Doc, count: number, points: number): Uint8Array {
  let update: Uint8Array = new Uint8Array();
  const capture = (u: Uint8Array) => (update = u);
  doc.on('update', capture);
  const pts = Array.from({ length: points * 2 }, (_, i) => (i * 7) % 1024);
  doc.getArray<Stroke>(STROKES_KEY).push(
    Array.from({ length: count }, (_, i) => ({
      id: `a${doc.clientID}x${i}x${Math.random().toString(36).slice(2, 8)}`,
      tool: 'brush',
      label: 'sea',
      size: 8,
      points: pts,
    })),
  );
  doc.off('update', capture);
  return update;
}

const probes: Probe[] = [
  {
    name: 'random updates (100 sockets, random bytes)',
    async run({ server, rooms }) {
      const codes = await inBatches(100, 25, () => {
        const bytes = new Uint8Array(1 + Math.floor(Math.random() * 2000)).map(() => Math.floor(Math.random() * 256));
        return sendAndClose(server, rooms.target, [updateMessage(bytes)]).then(codeOnly);
      });
      return tally(codes);
    },
  },
  {
    name: 'truncated updates (100 sockets)',
    async run({ server, rooms }) {
      const valid = strokeUpdate(new Y.Doc(), 3, 50);
      const codes = await inBatches(100, 25, () =>
        sendAndClose(server, rooms.target, [updateMessage(valid.slice(0, 1 + Math.floor(Math.random() * (valid.length - 1))))]).then(
          codeOnly,
        ),
      );
      return tally(codes);
    },
  },
  {
    name: 'message flood (10,000 presence queries on one socket)',
    async run({ server, rooms }) {
      const query = message(3, () => undefined);
      return sendAndClose(
        server,
        rooms.target,
        Array.from({ length: 10_000 }, () => query),
      );
    },
  },
  {
    name: 'malformed messages (10,000 garbage frames on one socket)',
    async run({ server, rooms }) {
      return sendAndClose(
        server,
        rooms.target,
        Array.from({ length: 10_000 }, () => new Uint8Array([0xff, 0xff, 0xff, 0x01])),
      );
    },
  },
  {
    name: 'malformed cookie (HTTP and socket.io handshake, Cookie: x=%ZZ)',
    async run({ server, rooms }) {
      const http = await fetch(`${server.url}/api/rooms/${rooms.target}`, { headers: { cookie: 'x=%ZZ' } });
      const socket = io(server.url, { transports: ['websocket'], forceNew: true, reconnection: false, extraHeaders: { cookie: 'x=%ZZ' } });
      const joined = await new Promise<string>((resolve) => {
        socket.once('connect', async () =>
          resolve(
            JSON.stringify(
              await socket
                .timeout(5000)
                .emitWithAck(EVENTS.join, rooms.target)
                .catch(() => 'no ack'),
            ),
          ),
        );
        socket.once('connect_error', (e) => resolve(`connect_error ${e.message}`));
      });
      socket.disconnect();
      return `HTTP ${http.status}; socket.io join ${joined}`;
    },
  },
  {
    name: 'malformed upgrade (/yjs/%ZZ, //, /socket.io/%ZZ)',
    async run({ server }) {
      const yjs = await new Promise<string>((resolve) => {
        const ws = new WebSocket(`${server.wsUrl}${YJS_PATH}/%ZZ`);
        ws.once('close', (code) => resolve(`close ${code}`));
        ws.once('error', () => undefined);
      });
      const first = (s: string) => s.split('\r\n')[0] || '(closed)';
      const slashes = first(await rawRequest(server.port, upgradeRequest('//')));
      const sio = first(await rawRequest(server.port, upgradeRequest('/socket.io/%ZZ?EIO=4&transport=websocket')));
      return `/yjs/%ZZ: ${yjs}; //: ${slashes}; /socket.io/%ZZ: ${sio}`;
    },
  },
  {
    name: 'malformed socket.io events (1,000 bad payloads)',
    async run({ server, rooms }) {
      const socket = io(server.url, { transports: ['websocket'], forceNew: true, reconnection: false });
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      // In a room, so the vote handlers are reached too.
      await socket.timeout(5000).emitWithAck(EVENTS.join, rooms.target);
      const payloads: unknown[] = [null, 42, { $gt: '' }, 'x'.repeat(50_000), [[[[]]]], Buffer.alloc(1000)];
      const events = [EVENTS.join, EVENTS.propose, EVENTS.vote, EVENTS.voteState, 'no-such-event'];
      const acks: Array<Promise<string>> = [];
      for (let i = 0; i < 1000; i++) {
        const event = events[i % events.length];
        const payload = payloads[i % payloads.length];
        // Unknown events have no handler to answer: sent without an ack.
        if (event === 'no-such-event' || i % 2) socket.emit(event, payload);
        else
          acks.push(
            socket
              .timeout(5000)
              .emitWithAck(event, payload)
              .then(
                (r: unknown) => JSON.stringify(r).slice(0, 40),
                () => 'no ack',
              ),
          );
      }
      const answers = await Promise.all(acks);
      const alive = socket.connected;
      socket.disconnect();
      return `${tally(answers)}; still connected: ${alive}`;
    },
  },
  {
    name: 'feed burst (100 socket.io sockets joining a room, 25 at a time)',
    async run({ server, rooms }) {
      const answers = await inBatches(100, 25, async () => {
        const socket = io(server.url, { transports: ['websocket'], forceNew: true, reconnection: false });
        try {
          await new Promise<void>((resolve, reject) => {
            socket.once('connect', () => resolve());
            socket.once('connect_error', reject);
          });
          const r: unknown = await socket.timeout(5000).emitWithAck(EVENTS.join, rooms.target);
          return JSON.stringify(r);
        } finally {
          socket.disconnect();
        }
      });
      return tally(answers);
    },
  },
  {
    name: 'pending-struct flood (50 updates of ~210 KiB whose first clock is missing)',
    async run({ server, rooms }) {
      const doc = new Y.Doc();
      strokeUpdate(doc, 1, 1); // the state the room will never see
      const flood = Array.from({ length: 50 }, () => strokeUpdate(doc, 35, 1000)).map(updateMessage);
      const mib = flood.reduce((a, f) => a + f.length, 0) / 2 ** 20;
      return `${mib.toFixed(1)} MiB sent: ${await sendAndClose(server, rooms.target, flood)}`;
    },
  },
  {
    name: 'slow reader (100 sync step 1 on the big room, socket never read)',
    async run({ server, rooms }) {
      const pid = server.process.pid!;
      const before = rssMiB(pid);
      const ws = await openRaw(`${server.wsUrl}${YJS_PATH}/${rooms.big}`);
      const socket = (ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
      socket.pause();
      const step1 = message(0, (e) => syncProtocol.writeSyncStep1(e, new Y.Doc()));
      for (let i = 0; i < 100; i++) ws.send(step1);
      await new Promise((r) => setTimeout(r, 1500));
      const during = rssMiB(pid);
      // Still not reading through two heartbeats; then read, to see how the server ended it.
      await new Promise((r) => setTimeout(r, 2 * HEARTBEAT_MS));
      const closed = new Promise<string>((resolve) => ws.once('close', (code) => resolve(`${code}`)));
      socket.resume();
      const code = await Promise.race([closed, new Promise<string>((r) => setTimeout(() => r('still open'), 5000))]);
      ws.terminate();
      return `RSS ${before.toFixed(0)} -> ${during.toFixed(0)} MiB while reading nothing; ${code === '1006' ? 'dropped by the heartbeat' : code}`;
    },
  },
  {
    name: 'slow reader amplified (8 members x 15 KiB presence, 200 queries, never read)',
    async run({ server, rooms }) {
      const url = `${server.wsUrl}${YJS_PATH}/${rooms.spare[0]}`;
      const members = await Promise.all(Array.from({ length: 8 }, () => openRaw(url)));
      for (const m of members) {
        const awareness = new awarenessProtocol.Awareness(new Y.Doc());
        awareness.setLocalState({ user: { name: 'm', color: '#000000' }, pad: 'p'.repeat(15_000) });
        m.send(message(1, (e) => encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(awareness, [awareness.clientID]))));
      }
      await new Promise((r) => setTimeout(r, 300));
      const reader = await openRaw(url);
      const socket = (reader as unknown as { _socket: { pause(): void; resume(): void } })._socket;
      socket.pause();
      const closed = new Promise<string>((resolve) => reader.once('close', (code, reason) => resolve(`${code} ${reason.toString()}`)));
      for (let i = 0; i < 200; i++) reader.send(message(3, () => undefined));
      await new Promise((r) => setTimeout(r, 800));
      socket.resume();
      const outcome = await closed;
      for (const m of members) m.close();
      return outcome;
    },
  },
  {
    name: 'dead peer (no pongs) holding presence',
    async run({ server, rooms }) {
      const ws = await openRaw(`${server.wsUrl}${YJS_PATH}/${rooms.spare[1]}`, { autoPong: false });
      const t0 = performance.now();
      const code = await new Promise<number>((resolve) => ws.once('close', (c) => resolve(c)));
      return `closed ${code} after ${Math.round(performance.now() - t0)} ms (HEARTBEAT_MS=${HEARTBEAT_MS})`;
    },
  },
  {
    name: 'socket hog (200 Yjs sockets from one address)',
    async run({ server, rooms }) {
      const results = await Promise.allSettled(Array.from({ length: 200 }, () => openRaw(`${server.wsUrl}${YJS_PATH}/${rooms.spare[2]}`)));
      const opened = results.filter((r) => r.status === 'fulfilled').length;
      const refused = tally(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.message));
      for (const r of results) if (r.status === 'fulfilled') r.value.close();
      await new Promise((r) => setTimeout(r, 300));
      return `${opened} opened, ${refused || 'none refused'}`;
    },
  },
  {
    name: 'identity minting (1,000 GET /api/me without a cookie)',
    async run({ server }) {
      const statuses: string[] = [];
      for (let i = 0; i < 1000; i++) statuses.push(`HTTP ${(await fetch(`${server.url}/api/me`)).status}`);
      return tally(statuses);
    },
  },
  {
    name: 'room creation (1,000 POST /api/rooms without a cookie)',
    async run({ server }) {
      const statuses: string[] = [];
      for (let i = 0; i < 1000; i++) {
        const res = await fetch(`${server.url}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        statuses.push(`HTTP ${res.status}`);
      }
      return tally(statuses);
    },
  },
];

const profileDir = process.env.ABUSE_PROFILE_DIR ? path.resolve(process.env.ABUSE_PROFILE_DIR) : '';
const profileEnv: Record<string, string> = profileDir
  ? { NODE_OPTIONS: `--import=${fileURLToPath(new URL('./cpuProfile.mjs', import.meta.url))}`, CPU_PROFILE_DIR: profileDir }
  : {};
const monotonicMicros = () => Number(process.hrtime.bigint() / 1000n);

async function main(): Promise<number> {
  const server = await startServer({ env: { HEARTBEAT_MS: String(HEARTBEAT_MS), LOG_LEVEL: 'error', ...profileEnv } });
  const pid = server.process.pid!;
  const victimRoom = await createRoom(server.url);
  const rooms = { big: await createRoom(server.url), target: await createRoom(server.url), spare: [] as string[] };
  for (let i = 0; i < 3; i++) rooms.spare.push(await createRoom(server.url));

  // A big room (~4 MiB of strokes) for the slow reader.
  const filler: YClient = connect(server.wsUrl, rooms.big);
  await synced(filler);
  for (let i = 0; i < 24; i++) {
    filler.strokes.push(
      Array.from({ length: 30 }, (_, k) => ({
        id: `f${i}x${k}`,
        tool: 'brush' as const,
        label: 'sea',
        size: 8,
        points: Array.from({ length: 2000 }, (_, j) => (j * 13 + i) % 1024),
      })),
    );
    await new Promise((r) => setTimeout(r, 30));
  }
  await new Promise((r) => setTimeout(r, 1000));
  const bigMiB = Y.encodeStateAsUpdate(filler.doc).length / 2 ** 20;
  filler.destroy();

  const child = fork(fileURLToPath(import.meta.url), ['victim', server.wsUrl, victimRoom], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  type Report = { latencies: number[]; sent: number; closes: string[] };
  const replies: Array<(r: Report) => void> = [];
  await new Promise<void>((resolve) => child.once('message', () => resolve()));
  child.on('message', (m: Report) => replies.shift()?.(m));
  const collect = () => new Promise<Report>((resolve) => (replies.push(resolve), child.send('mark')));

  // After the server and the victim started: they keep this process's priority.
  os.setPriority(os.getPriority() + ATTACKER_NICE);
  await new Promise((r) => setTimeout(r, 1000));
  const rssStart = rssMiB(pid);
  const rows: string[] = [];
  const row = (name: string, outcome: string, r: Report) => {
    const f = (p: number) => (r.latencies.length ? percentile(r.latencies, p).toFixed(1) : 'n/a');
    const max = r.latencies.length ? Math.max(...r.latencies).toFixed(1) : 'n/a';
    rows.push(
      `| ${name} | ${outcome}${r.closes.length ? ` (victim closes: ${r.closes.join(',')})` : ''} | ${f(50)} | ${f(99)} | ${max} | ${r.latencies.length} |`,
    );
    console.error(rows.at(-1));
  };
  await collect();
  await new Promise((r) => setTimeout(r, MIN_WINDOW_MS));
  row('(baseline, no attack)', '-', await collect());
  let crashes = 0;
  const windows: Array<{ name: string; from: number; to: number }> = [];
  for (const probe of probes.filter((p) => p.name.includes(process.env.ABUSE_ONLY ?? ''))) {
    const t0 = performance.now();
    const from = monotonicMicros();
    let outcome: string;
    try {
      outcome = await probe.run({ server, rooms });
    } catch (error) {
      outcome = `probe error: ${(error as Error).message}`;
    }
    const left = MIN_WINDOW_MS - (performance.now() - t0);
    if (left > 0) await new Promise((r) => setTimeout(r, left));
    windows.push({ name: probe.name, from, to: monotonicMicros() });
    const health = await fetch(`${server.url}/api/health`).then(
      (r) => r.status,
      () => 0,
    );
    if (server.process.exitCode !== null || server.process.signalCode !== null || health !== 200) crashes++;
    row(probe.name, outcome, await collect());
  }
  const rssEnd = rssMiB(pid);
  child.kill();
  const alive = server.process.exitCode === null && server.process.signalCode === null;
  if (profileDir) {
    fs.mkdirSync(profileDir, { recursive: true });
    fs.writeFileSync(path.join(profileDir, 'windows.json'), JSON.stringify(windows, null, 1));
    await server.stop('SIGTERM'); // the profiler writes on SIGTERM
  } else await server.stop('SIGKILL');

  console.log(
    `Abuse campaign, ${new Date().toISOString().slice(0, 10)}: server NO_UI=1 on 127.0.0.1, default limits, HEARTBEAT_MS=${HEARTBEAT_MS}; big room ${bigMiB.toFixed(1)} MiB.`,
  );
  console.log(
    `Victim: another room, one stroke every 50 ms, latency from commit to a second client (own process), during each probe; attacker at nice +${ATTACKER_NICE} (ABUSE_ATTACKER_NICE).\n`,
  );
  console.log('| probe | outcome | victim p50 ms | p99 ms | max ms | strokes |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
  const total = crashes + (alive ? 0 : 1);
  console.log(`\nprocess crashes: ${total}; server RSS ${rssStart.toFixed(0)} MiB before the probes, ${rssEnd.toFixed(0)} MiB after`);
  return total;
}

if (process.argv[2] === 'victim') await victim(process.argv[3], process.argv[4]);
// Probes leave sockets of the attacker side behind: exit rather than wait for them.
else process.exit((await main()) === 0 ? 0 : 1);
