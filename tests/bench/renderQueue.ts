/**
 * Render queue benchmark: the same painting load (BENCH_ROOMS rooms, default 4, one stroke every
 * 250 ms each, 10 s) rendered in process (no Redis), then through the BullMQ queue by 1 and by 2
 * render worker processes (a throwaway redis-server). Prints frames, frames/s, the share of drafts,
 * and stroke -> first frame / full frame at the watchers (p50 / p95). On one machine the workers
 * share its cores with the sync instance: the figures show the queue's cost and a CPU worker's
 * throughput, not a cluster's. Run: npm run bench:queue
 */
import { io, type Socket } from 'socket.io-client';
import os from 'node:os';
import { createRoom, startServer, type TestServer } from '../helpers/server';
import { startRedis } from '../helpers/redis';
import { startWorker, type TestWorker } from '../helpers/worker';
import { connect, synced, type YClient } from '../helpers/yclient';
import { docVersion } from '../../lib/docVersion';
import type { FrameMeta } from '../../lib/protocol';
import { EVENTS } from '../../lib/events';
import { percentile } from './procStats';

const SECONDS = 10;
const STROKE_EVERY_MS = 250;
const DRAIN_MS = 3000;
const ROOMS = Number(process.env.BENCH_ROOMS ?? 4);

interface Setup {
  name: string;
  workers: number;
}

/** The machine's cores split between the workers, as RENDER_THREADS would be set on one host. */
function workerThreads(setup: Setup): number {
  return Math.max(1, Math.floor(os.availableParallelism() / Math.max(1, setup.workers)));
}

async function run(setup: Setup) {
  const redis = setup.workers > 0 ? await startRedis() : null;
  // Jobs in flight across rooms: one per worker (in process: the default, one).
  const env: Record<string, string> = redis ? { REDIS_URL: redis.url, ROLE: 'sync', RENDER_CONCURRENCY: String(setup.workers) } : {};
  const server = await startServer({ env });
  const workers: TestWorker[] = [];
  const threads = String(workerThreads(setup));
  try {
    for (let w = 0; w < setup.workers; w++) workers.push(await startWorker(redis!.url, { RENDER_THREADS: threads }));
    return await measure(server);
  } finally {
    await server.stop('SIGKILL');
    for (const w of workers) await w.stop('SIGKILL');
    await redis?.stop();
  }
}

async function measure(server: TestServer) {
  const clients: YClient[] = [];
  const sockets: Socket[] = [];
  const waiting: Array<{ any: Array<{ version: number; at: number }>; full: Array<{ version: number; at: number }> }> = [];
  const toFrame: number[] = [];
  const toFull: number[] = [];
  let frames = 0;
  let drafts = 0;
  let measuring = false;
  let counting = false;
  const painters: YClient[] = [];
  for (let r = 0; r < ROOMS; r++) {
    const room = await createRoom(server.url, true);
    const painter = connect(server.wsUrl, room);
    await synced(painter);
    clients.push(painter);
    painters.push(painter);
    const pending = { any: [] as Array<{ version: number; at: number }>, full: [] as Array<{ version: number; at: number }> };
    waiting.push(pending);
    const socket = io(server.url, { transports: ['websocket'], forceNew: true });
    sockets.push(socket);
    socket.on(EVENTS.frame, (meta: FrameMeta) => {
      const now = performance.now();
      if (!measuring) return;
      if (counting) {
        frames += 1;
        if (meta.quality === 'draft') drafts += 1;
      }
      const seen = (queue: Array<{ version: number; at: number }>, into: number[]) => {
        while (queue.length > 0 && queue[0].version <= meta.version) into.push(now - queue.shift()!.at);
      };
      seen(pending.any, toFrame);
      if (meta.quality === 'full') seen(pending.full, toFull);
    });
    await new Promise<void>((resolve) => socket.on('connect', () => socket.emit(EVENTS.join, room, () => resolve())));
  }
  await new Promise((r) => setTimeout(r, 1500)); // every room's first frame
  measuring = true;
  counting = true;
  let i = 0;
  const t0 = performance.now();
  const timers = painters.map((painter, r) =>
    setTimeout(
      () => {
        const paint = () => {
          i += 1;
          const y = 100 + ((i * 53) % 800);
          painter.strokes.push([
            { id: `r${r}s${i}`, tool: 'brush', label: i % 2 ? 'tree' : 'grass', size: 60, points: [100, y, 500, y + 40, 900, y] },
          ]);
          const stroke = { version: docVersion(painter.doc), at: performance.now() };
          waiting[r].any.push(stroke);
          waiting[r].full.push(stroke);
        };
        paint();
        timers[r] = setInterval(paint, STROKE_EVERY_MS);
      },
      (r * STROKE_EVERY_MS) / ROOMS,
    ),
  );
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  for (const t of timers) clearInterval(t);
  const wall = (performance.now() - t0) / 1000;
  counting = false;
  await new Promise((r) => setTimeout(r, DRAIN_MS));
  measuring = false;
  const unanswered = waiting.reduce((n, p) => n + p.full.length, 0);
  for (const s of sockets) s.disconnect();
  for (const c of clients) c.destroy();
  return { frames, drafts, fps: frames / wall, toFrame, toFull, unanswered };
}

const f = (n: number) => n.toFixed(0);
const p50p95 = (values: number[]) => (values.length > 0 ? `${f(percentile(values, 50))} / ${f(percentile(values, 95))}` : '-');
const lines = [
  '| rendering | frames | frames/s | draft frames | stroke -> first frame p50 / p95 ms | stroke -> full frame p50 / p95 ms | strokes without a full frame |',
  '|---|---:|---:|---:|---:|---:|---:|',
];
const setups: Setup[] = [
  { name: 'in process (no Redis)', workers: 0 },
  { name: 'queue, 1 worker', workers: 1 },
  { name: 'queue, 2 workers', workers: 2 },
];
for (const setup of setups) {
  const r = await run(setup);
  const share = r.frames > 0 ? Math.round((100 * r.drafts) / r.frames) : 0;
  const name = setup.workers > 0 ? `${setup.name} (RENDER_THREADS ${workerThreads(setup)} each)` : setup.name;
  lines.push(`| ${name} | ${r.frames} | ${r.fps.toFixed(1)} | ${share}% | ${p50p95(r.toFrame)} | ${p50p95(r.toFull)} | ${r.unanswered} |`);
  console.error(`done: ${setup.name}`);
}
console.log(`### Render queue (${ROOMS} rooms, one stroke every ${STROKE_EVERY_MS} ms each, ${SECONDS} s, CPU, 256x256 WebP)\n`);
console.log(lines.join('\n'));
process.exit(0);
