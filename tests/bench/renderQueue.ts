/**
 * Render queue benchmark: the same painting load (BENCH_ROOMS rooms, default 4, one stroke every
 * 250 ms each, 10 s) rendered in process (no Redis), then through the BullMQ queue by 1 and by 2
 * render worker processes (a throwaway redis-server). Prints frames, frames/s, the share of drafts,
 * and stroke -> first frame / full frame at the watchers (p50 / p95). On one machine the workers
 * share its cores with the sync instance: the figures show the queue's cost and a CPU worker's
 * throughput, not a cluster's. Run: npm run bench:queue
 */
import os from 'node:os';
import { createRoom, startServer, type TestServer } from '../helpers/server';
import { startRedis } from '../helpers/redis';
import { startWorker, type TestWorker } from '../helpers/worker';
import { connect, synced, type YClient } from '../helpers/yclient';
import { bandStroke, FrameWatch, p50p95 } from './frameWatch';

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
  const watch = new FrameWatch();
  const painters: YClient[] = [];
  for (let r = 0; r < ROOMS; r++) {
    const room = await createRoom(server.url, true);
    const painter = connect(server.wsUrl, room);
    await synced(painter);
    clients.push(painter);
    painters.push(painter);
    await watch.watch(server.url, room);
  }
  const wall = await watch.measure({ rooms: ROOMS, everyMs: STROKE_EVERY_MS, seconds: SECONDS, drainMs: DRAIN_MS }, (r, i) => {
    painters[r].strokes.push([bandStroke(`r${r}s${i}`, i)]);
    watch.painted(r, painters[r].doc);
  });
  const unanswered = watch.unanswered();
  watch.close();
  for (const c of clients) c.destroy();
  const { frames, drafts, toFrame, toFull } = watch;
  return { frames, drafts, fps: frames / wall, toFrame, toFull, unanswered };
}

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
