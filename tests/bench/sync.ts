/**
 * Sync benchmark: N Node Yjs clients in one room, each committing one stroke per second; stroke
 * propagation latency (commit -> seen by observer clients) p50/p99, server CPU and RSS; then the
 * rasteriser figures. Run: npm run bench:sync
 */
import { createRoom, startServer } from '../helpers/server';
import { connect, synced, type YClient } from '../helpers/yclient';
import { cpuSeconds, percentile, rssMiB } from './procStats';
import { runRasterBench } from './raster';
import type { Stroke } from '../../lib/strokes';

const SECONDS = 8;
const WARMUP_SECONDS = 2;
const OBSERVERS = 3;

async function runRoom(clientCount: number) {
  const server = await startServer();
  const pid = server.process.pid!;
  const room = await createRoom(server.url);
  const clients: YClient[] = [];
  for (let i = 0; i < clientCount; i++) clients.push(connect(server.wsUrl, room));
  await Promise.all(clients.map(synced));

  // Latency is measured at a few observers; every client still receives every stroke.
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  for (const observer of clients.slice(0, OBSERVERS)) {
    observer.strokes.observe((event) => {
      const now = performance.now();
      for (const item of event.changes.added) {
        for (const s of item.content.getContent() as Stroke[]) {
          const t = sentAt.get(s.id);
          if (t !== undefined && !event.transaction.local) latencies.push(now - t);
        }
      }
    });
  }

  let seq = 0;
  const timers = clients.map((client, i) => {
    // Spread the clients over the second so they do not all commit at once.
    const start = setTimeout(
      () => {
        const paint = () => {
          const id = `b${i}n${seq++}`;
          const y = 50 + ((seq * 37) % 900);
          sentAt.set(id, performance.now());
          client.strokes.push([{ id, tool: 'brush', label: 'grass', size: 24, points: [100, y, 300, y + 20, 500, y] }]);
        };
        paint();
        timers[i] = setInterval(paint, 1000);
      },
      (i * 1000) / clientCount,
    );
    return start;
  });
  // The first seconds pay for JIT and the database's first queries: measure the steady state.
  await new Promise((r) => setTimeout(r, WARMUP_SECONDS * 1000));
  latencies.length = 0;
  const warmStrokes = seq;
  const cpuWarm = cpuSeconds(pid);
  const ownWarm = process.cpuUsage();
  const tWarm = performance.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  for (const t of timers) clearInterval(t);
  await new Promise((r) => setTimeout(r, 500));
  const wall = (performance.now() - tWarm) / 1000;
  const cpu = (cpuSeconds(pid) - cpuWarm) / wall;
  const own = process.cpuUsage(ownWarm);
  const clientCpu = (own.user + own.system) / 1e6 / wall;
  const rss = rssMiB(pid);
  for (const c of clients) c.destroy();
  await server.stop('SIGKILL');
  return {
    clientCount,
    clientCpu,
    strokes: seq - warmStrokes,
    samples: latencies.length,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpu,
    rss,
  };
}

const rows: string[] = [];
for (const n of (process.env.BENCH_CLIENTS ?? '10,50,100').split(',').map(Number)) {
  const r = await runRoom(n);
  rows.push(
    `| ${r.clientCount} | ${r.strokes} | ${r.samples} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${(r.cpu * 100).toFixed(0)}% | ${r.rss.toFixed(0)} | ${(r.clientCpu * 100).toFixed(0)}% |`,
  );
  console.error(`done: ${n} clients`);
}
console.log(
  `### Stroke propagation (one room, 1 stroke/s per client, ${SECONDS} s measured after ${WARMUP_SECONDS} s warm-up, loopback)\n`,
);
console.log('| clients | strokes | latency samples | p50 ms | p99 ms | server CPU (of one core) | server RSS MiB | bench clients CPU |');
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
console.log(rows.join('\n'));
console.log('\n### Rasteriser (256x256)\n');
console.log(await runRasterBench());
