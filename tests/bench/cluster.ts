/**
 * Cluster benchmark (issue 16): two sync instances on one Redis and one PostgreSQL (throwaway,
 * 127.0.0.1), rendering through 1 and then 2 render worker processes. BENCH_ROOMS rooms (default
 * 4), half held by each instance, each with a painter on its owner and a watcher on the other
 * instance (forwarded to the owner), one stroke every 250 ms per room for 10 s: frames, frames/s,
 * drafts, stroke -> first / full frame at the watchers (p50 / p95). Then the takeover: BENCH_KILLS
 * times (default 3) the room's owner is SIGKILLed while a client paints through the other
 * instance; printed are the time until a newcomer is served the room again, until every stroke
 * painted is stored, and the acknowledged strokes lost (must be 0). Everything shares this
 * machine's cores. Run: npm run bench:cluster
 */
import os from 'node:os';
import { Redis } from 'ioredis';
import { createRoom } from '../helpers/server';
import { connect, synced, waitFor, type YClient } from '../helpers/yclient';
import type { Stroke } from '../../lib/strokes';
import { Painter, startCluster } from '../cluster/cluster';
import { bandStroke, FrameWatch, p50p95 } from './frameWatch';

const SECONDS = 10;
const STROKE_EVERY_MS = 250;
const DRAIN_MS = 3000;
const ROOMS = Number(process.env.BENCH_ROOMS ?? 4);
const KILLS = Number(process.env.BENCH_KILLS ?? 3);
const LEASE_MS = 6000; // the default ROOM_LEASE_MS

const threadsFor = (workers: number) => Math.max(1, Math.floor(os.availableParallelism() / workers));

async function throughput(workers: number) {
  const cluster = await startCluster({
    syncs: 2,
    workers,
    // Jobs in flight per instance: one per worker.
    env: { RENDER_CONCURRENCY: String(workers), LOG_LEVEL: 'warn' },
    workerEnv: { RENDER_THREADS: String(threadsFor(workers)) },
  });
  const clients: YClient[] = [];
  const watch = new FrameWatch();
  try {
    for (let r = 0; r < ROOMS; r++) {
      const [owner, other] = r % 2 === 0 ? cluster.syncs : [...cluster.syncs].reverse();
      const room = await createRoom(owner.url, true);
      const painter = connect(owner.wsUrl, room);
      await synced(painter);
      clients.push(painter);
      await watch.watch(other.url, room);
    }
    const wall = await watch.measure({ rooms: ROOMS, everyMs: STROKE_EVERY_MS, seconds: SECONDS, drainMs: DRAIN_MS }, (r, i) => {
      clients[r].strokes.push([bandStroke(`r${r}s${i}`, i)]);
      watch.painted(r, clients[r].doc);
    });
    const { frames, drafts, toFrame, toFull } = watch;
    return { frames, drafts, fps: frames / wall, toFrame, toFull, unanswered: watch.unanswered() };
  } finally {
    watch.close();
    for (const c of clients) c.destroy();
    await cluster.stop();
  }
}

async function takeovers() {
  const cluster = await startCluster({ syncs: 2, workers: 1, env: { LOG_LEVEL: 'warn' } });
  const redis = new Redis(cluster.redis.url);
  const rows: Array<{ servedMs: number; storedMs: number; lost: number; acked: number }> = [];
  try {
    const room = await createRoom(cluster.syncs[0].url, false);
    const opener = connect(cluster.syncs[0].wsUrl, room);
    await synced(opener);
    opener.destroy();
    for (let k = 0; k < KILLS; k++) {
      const held = (await redis.get(`spade:room:owner:${room}`)) ?? '';
      const owner = cluster.syncs.find((s) => s.process.exitCode === null && held.includes(`:${s.port} `))!;
      const survivor = cluster.syncs.find((s) => s !== owner && s.process.exitCode === null && s.process.signalCode === null)!;
      // Painting through the survivor (forwarded to the owner) up to the kill.
      const painter = new Painter(survivor.wsUrl, room);
      await painter.synced();
      let i = 0;
      const timer = setInterval(() => painter.paint('grass', i++), 100);
      await waitFor(() => painter.acknowledged().length >= 5, 15_000, 'strokes acknowledged');
      const acked = painter.acknowledged();
      const killedAt = performance.now();
      owner.process.kill('SIGKILL');
      clearInterval(timer);
      const newcomer = connect(survivor.wsUrl, room);
      await waitFor(() => newcomer.provider.synced, 30_000, 'the room served again');
      const servedMs = performance.now() - killedAt;
      const present = new Set(newcomer.strokes.toArray().map((s: Stroke) => s.id));
      const lost = acked.filter((id) => !present.has(id)).length;
      await waitFor(() => painter.acknowledged().length === painter.painted.length, 30_000, 'every stroke stored');
      const storedMs = performance.now() - killedAt;
      rows.push({ servedMs, storedMs, lost, acked: acked.length });
      painter.destroy();
      newcomer.destroy();
      console.error(`kill ${k + 1}: served again after ${servedMs.toFixed(0)} ms`);
      // A replacement instance for the next kill.
      if (k < KILLS - 1) await cluster.addSync();
    }
  } finally {
    redis.disconnect();
    await cluster.stop();
  }
  return rows;
}

const lines = [
  `### Cluster: 2 sync instances (${ROOMS} rooms, one stroke every ${STROKE_EVERY_MS} ms each, ${SECONDS} s, watchers on the other instance, CPU workers, 256x256 WebP)`,
  '',
  '| render workers | frames | frames/s | draft frames | stroke -> first frame p50 / p95 ms | stroke -> full frame p50 / p95 ms | strokes without a full frame |',
  '|---|---:|---:|---:|---:|---:|---:|',
];
for (const workers of [1, 2]) {
  const r = await throughput(workers);
  const share = r.frames > 0 ? Math.round((100 * r.drafts) / r.frames) : 0;
  lines.push(
    `| ${workers} (RENDER_THREADS ${threadsFor(workers)} each) | ${r.frames} | ${r.fps.toFixed(1)} | ${share}% | ${p50p95(r.toFrame)} | ${p50p95(r.toFull)} | ${r.unanswered} |`,
  );
  console.error(`done: ${workers} worker(s)`);
}
const rows = await takeovers();
lines.push(
  '',
  `### Takeover after SIGKILL of a room's owner (ROOM_LEASE_MS ${LEASE_MS}, renewed every ${LEASE_MS / 3} ms)`,
  '',
  '| kill | room served again ms | every stroke stored ms | acknowledged before the kill | acknowledged strokes lost |',
  '|---:|---:|---:|---:|---:|',
  ...rows.map((r, k) => `| ${k + 1} | ${r.servedMs.toFixed(0)} | ${r.storedMs.toFixed(0)} | ${r.acked} | ${r.lost} |`),
);
console.log(lines.join('\n'));
process.exit(0);
