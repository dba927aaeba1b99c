/**
 * `npm run bench:load`: LOAD_ROOMS (20) rooms x LOAD_PAINTERS (10) painters x LOAD_RATE (10)
 * strokes/s each for LOAD_SECONDS (60) s against one server, the painters spread over LOAD_PROCS
 * (5) processes (whole rooms per process). Prints throughput, stroke latency (commit at a painter
 * -> seen by each of LOAD_OBSERVERS (2) more clients of its room, which only watch; stroke ids
 * carry their send time on the shared wall clock) p50/p99/max overall and per 5 s, errors
 * (refusals and closes), the server's RSS and CPU over time, and its RSS after every room has
 * unloaded.
 * The clients run on the server's machine, not on machines of their own as in a deployment: the
 * painter processes run at nice LOAD_NICE (10), the server and the observers' processes
 * (LOAD_OBSERVER_PROCS, 2) at the default priority, so the server under test gets the CPU before
 * the load generator (a painter stamps a stroke and writes it in one synchronous step, so its own
 * delays do not enter the latency). LOAD_NICE=0 runs everything at one priority. Painters read
 * their socket and answer the sync handshake but do not apply the strokes they are sent (Yjs on
 * 200 client documents took 1.5 of 2 cores); LOAD_APPLY=all makes them apply them. What the
 * server receives and sends is the same either way.
 * LOAD_MALLOC: the server's allocator, jemalloc (the default where Debian's libjemalloc2 is
 * installed; glibc's malloc kept some 200 MiB after every room unloaded) or glibc.
 * LOAD_PROFILE=<dir>: the server writes a CPU profile and its GC pauses and event-loop stalls there
 * (tests/bench/cpuProfile.mjs).
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import { fileURLToPath } from 'node:url';
import { createRoom, startServer } from '../helpers/server';
import { connect, synced, type YClient } from '../helpers/yclient';
import { insertedInto } from '../../lib/arrayChanges';
import { cpuSeconds, percentile, rssMiB } from './procStats';

const ROOMS = Number(process.env.LOAD_ROOMS ?? 20);
const PAINTERS = Number(process.env.LOAD_PAINTERS ?? 10);
const RATE = Number(process.env.LOAD_RATE ?? 10);
const SECONDS = Number(process.env.LOAD_SECONDS ?? 60);
const PROCS = Number(process.env.LOAD_PROCS ?? 5);
const OBSERVERS = Number(process.env.LOAD_OBSERVERS ?? 2);
const OBSERVER_PROCS = Number(process.env.LOAD_OBSERVER_PROCS ?? 2);
const NICE = Number(process.env.LOAD_NICE ?? 10);
const APPLY_ALL = process.env.LOAD_APPLY === 'all';
const JEMALLOC = '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2';
const MALLOC = process.env.LOAD_MALLOC ?? (fs.existsSync(JEMALLOC) ? 'jemalloc' : 'glibc');
const WINDOW_S = 5;
/** y-websocket's message type of sync messages. */
const MESSAGE_SYNC = 0;
/** Rooms unload this long after their last painter left (ROOM_IDLE_MS). */
const IDLE_MS = 3000;

interface WorkerConfig {
  wsUrl: string;
  rooms: string[];
  tag: string;
  /** Painters paint (and apply nothing unless LOAD_APPLY=all); observers watch and measure. */
  role: 'paint' | 'observe';
}
interface WorkerReport {
  sent: number;
  /** [seconds since the start of painting, latency ms] */
  samples: Array<[number, number]>;
  errors: string[];
}
type FromWorker = { ready: true } | { report: WorkerReport };

const now = () => performance.timeOrigin + performance.now();
/** CPU seconds the whole machine has been busy so far (all cores, every state but idle and iowait), from /proc/stat. */
function machineCpuSeconds(): number {
  const [, user, nice, system, , , irq, softirq, steal] = fs
    .readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .map(Number);
  return (user + nice + system + irq + softirq + steal) / 100;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Math.max(...values) overflows the stack at some 100k samples. */
const maxOf = (values: number[]) => values.reduce((a, b) => Math.max(a, b), -Infinity);

async function main() {
  const server = await startServer({
    env: {
      IP_MAX_SOCKETS: '100000',
      ROOM_IDLE_MS: String(IDLE_MS),
      ...(MALLOC === 'jemalloc' ? { LD_PRELOAD: JEMALLOC } : {}),
      ...(process.env.LOAD_PROFILE
        ? {
            NODE_OPTIONS: `--import=${fileURLToPath(new URL('./cpuProfile.mjs', import.meta.url))}`,
            CPU_PROFILE_DIR: process.env.LOAD_PROFILE,
          }
        : {}),
    },
  });
  const pid = server.process.pid!;
  const rooms: string[] = [];
  for (let i = 0; i < ROOMS; i++) rooms.push(await createRoom(server.url));
  await sleep(1000);
  const rssBefore = rssMiB(pid);
  const loadBefore = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

  const spread = (procs: number) =>
    Array.from({ length: procs }, (_, p) => rooms.filter((_, i) => i % procs === p)).filter((g) => g.length > 0);
  const launch = (role: WorkerConfig['role'], group: string[], p: number) => {
    const config: WorkerConfig = { wsUrl: server.wsUrl, rooms: group, tag: `${role[0]}${p}`, role };
    // Through nice(1), so every thread of the painter's node (not only its first) runs at that priority.
    const child = fork(fileURLToPath(import.meta.url), ['worker', JSON.stringify(config)], {
      ...(role === 'paint' && NICE !== 0
        ? { execPath: 'nice', execArgv: ['-n', String(NICE), process.execPath, '--import', 'tsx'] }
        : { execArgv: ['--import', 'tsx'] }),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const messages: FromWorker[] = [];
    let wake: (() => void) | null = null;
    child.on('message', (m: FromWorker) => {
      messages.push(m);
      wake?.();
    });
    const next = async <K extends 'ready' | 'report'>(key: K) => {
      for (;;) {
        const found = messages.find((m) => key in m);
        if (found) return found as Extract<FromWorker, Record<K, unknown>>;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    };
    return { child, role, next };
  };
  const workers = [
    ...spread(PROCS).map((group, p) => launch('paint', group, p)),
    ...(OBSERVERS > 0 ? spread(OBSERVER_PROCS).map((group, p) => launch('observe', group, p)) : []),
  ];
  const painterWorkers = workers.filter((w) => w.role === 'paint');
  process.once('exit', () => workers.forEach((w) => w.child.kill('SIGKILL')));
  await Promise.all(workers.map((w) => w.next('ready')));
  const begin = now();
  for (const w of workers) w.child.send({ go: begin });

  // The clients share the machine with the server: their CPU says how much of it they took.
  const cpuOf = (role: WorkerConfig['role']) =>
    workers.filter((w) => w.role === role).reduce((sum, w) => sum + cpuSeconds(w.child.pid!), 0);
  const timeline: Array<{ t: number; rss: number; cpu: number; painters: number; observers: number; others: number }> = [];
  let machine0 = machineCpuSeconds();
  let cpu0 = cpuSeconds(pid);
  let painters0 = cpuOf('paint');
  let observers0 = cpuOf('observe');
  let t0 = performance.now();
  while ((now() - begin) / 1000 < SECONDS) {
    await sleep(WINDOW_S * 1000);
    const cpu = cpuSeconds(pid);
    const painters = cpuOf('paint');
    const observers = cpuOf('observe');
    const machine = machineCpuSeconds();
    const elapsed = (performance.now() - t0) / 1000;
    timeline.push({
      t: Math.round((now() - begin) / 1000),
      rss: rssMiB(pid),
      cpu: (cpu - cpu0) / elapsed,
      painters: (painters - painters0) / elapsed,
      observers: (observers - observers0) / elapsed,
      // Everything else on the machine: other people's jobs, this process, the kernel's own work.
      others: (machine - machine0 - (cpu - cpu0) - (painters - painters0) - (observers - observers0)) / elapsed,
    });
    machine0 = machine;
    cpu0 = cpu;
    painters0 = painters;
    observers0 = observers;
    t0 = performance.now();
  }
  const reports = (await Promise.all(workers.map((w) => w.next('report')))).map((m) => m.report);
  const rssPeak = Math.max(...timeline.map((p) => p.rss));

  // Everyone has left: rooms unload after IDLE_MS (stored, compacted, dropped).
  const after: Array<[number, number]> = [];
  for (const s of [5, 15, 30]) {
    await sleep((s - (after.at(-1)?.[0] ?? 0)) * 1000);
    after.push([s, rssMiB(pid)]);
  }
  await server.stop('SIGTERM');

  const samples = reports.flatMap((r) => r.samples);
  const latencies = samples.map(([, l]) => l);
  const sent = reports.reduce((a, r) => a + r.sent, 0);
  const errors = reports.flatMap((r) => r.errors);
  console.log(
    `bench:load: ${ROOMS} rooms x ${PAINTERS} painters x ${RATE} strokes/s x ${SECONDS} s, server on ${MALLOC} malloc, ${os.cpus().length} cores, load average ${loadBefore} before`,
  );
  console.log(
    `clients: painters in ${painterWorkers.length} processes at nice ${NICE} (${APPLY_ALL ? 'applying' : 'not applying'} what they are sent), ${OBSERVERS} observers per room in ${workers.length - painterWorkers.length} processes at the server's priority`,
  );
  console.log(`strokes sent           ${sent} (${(sent / SECONDS).toFixed(0)}/s)`);
  console.log(`latency samples        ${latencies.length} (${OBSERVERS} observers per room)`);
  console.log(
    `latency p50/p99/max ms ${percentile(latencies, 50).toFixed(1)} / ${percentile(latencies, 99).toFixed(1)} / ${maxOf(latencies).toFixed(1)}`,
  );
  console.log(`errors                 ${errors.length}${errors.length ? ` (${[...new Set(errors)].slice(0, 5).join('; ')})` : ''}`);
  console.log(`RSS MiB before         ${rssBefore.toFixed(0)}`);
  console.log(`RSS MiB peak           ${rssPeak.toFixed(0)}`);
  console.log(`RSS MiB after unload   ${after.map(([s, r]) => `+${s}s ${r.toFixed(0)}`).join(', ')}`);
  console.log('');
  console.log(
    '| t (s) | p50 ms | p99 ms | max ms | server CPU (of one core) | painters CPU | observers CPU | rest of the machine CPU | server RSS MiB |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const point of timeline) {
    const window = samples.filter(([t]) => t > point.t - WINDOW_S && t <= point.t).map(([, l]) => l);
    console.log(
      `| ${point.t} | ${percentile(window, 50).toFixed(1)} | ${percentile(window, 99).toFixed(1)} | ${window.length ? maxOf(window).toFixed(1) : '-'} | ${(point.cpu * 100).toFixed(0)}% | ${(point.painters * 100).toFixed(0)}% | ${(point.observers * 100).toFixed(0)}% | ${(point.others * 100).toFixed(0)}% | ${point.rss.toFixed(0)} |`,
    );
  }
  process.exit(0);
}

async function worker({ wsUrl, rooms, tag, role }: WorkerConfig) {
  // every y-websocket provider adds a process exit listener: many clients per process is intended
  process.setMaxListeners(0);
  const clients = rooms.flatMap((room) => Array.from({ length: role === 'paint' ? PAINTERS : OBSERVERS }, () => connect(wsUrl, room)));
  await Promise.all(clients.map(synced));
  const errors: string[] = [];
  // Any close while painting is an error (the server refused or dropped a client).
  clients.forEach((c) =>
    c.provider.on('connection-close', (e: CloseEvent | null) => painting && errors.push(e ? `close ${e.code} ${e.reason}` : 'close')),
  );
  const samples: WorkerReport['samples'] = [];
  let start = 0;
  let painting = false;
  if (role === 'observe') {
    for (const observer of clients) {
      observer.strokes.observe((event) => {
        if (!painting) return;
        const t = now();
        // Not event.changes: it walks the whole array per update (6,000 strokes per room by the end).
        for (const s of insertedInto(observer.strokes, event.transaction)) {
          const sentAt = /t(\d+)$/.exec(s.id);
          if (sentAt) samples.push([(t - start) / 1000, t - Number(sentAt[1]) / 1000]);
        }
      });
    }
  } else if (!APPLY_ALL) clients.forEach(ignoreUpdates);
  process.send!({ ready: true } satisfies FromWorker);
  start = await new Promise<number>((resolve) => process.once('message', (m: { go: number }) => resolve(m.go)));
  painting = true;
  let seq = 0;
  let sent = 0;
  const intervalMs = 1000 / RATE;
  const timers: NodeJS.Timeout[] = [];
  if (role === 'paint') {
    clients.forEach((client, i) => {
      const paint = () => {
        const y = 20 + ((seq * 37) % 980);
        const id = `${tag}c${i}n${seq++}t${Math.round(now() * 1000)}`;
        sent++;
        client.strokes.push([{ id, tool: 'brush', label: 'grass', size: 24, points: [100, y, 300, y + 20, 500, y] }]);
      };
      // Spread over the interval, so the painters do not all commit at once.
      timers.push(setTimeout(() => timers.push(setInterval(paint, intervalMs)), (i * intervalMs) / clients.length));
    });
  }
  await sleep(Math.max(0, start + SECONDS * 1000 - now()));
  timers.forEach(clearTimeout);
  await sleep(1000); // strokes in flight arrive
  painting = false;
  clients.forEach((c) => c.destroy());
  process.send!({ report: { sent, samples, errors } } satisfies FromWorker, () => process.exit(0));
}

/** The painter's provider drops the updates it is sent (after its handshake, which it still answers). */
function ignoreUpdates(painter: YClient): void {
  const handlers = painter.provider.messageHandlers;
  const sync = handlers[MESSAGE_SYNC];
  handlers[MESSAGE_SYNC] = (encoder, decoder, ...rest) => {
    if (decoding.peekVarUint(decoder) !== syncProtocol.messageYjsUpdate) sync(encoder, decoder, ...rest);
  };
}

if (process.argv[2] === 'worker') await worker(JSON.parse(process.argv[3]) as WorkerConfig);
else await main();
