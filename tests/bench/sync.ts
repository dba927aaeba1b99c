/**
 * Sync benchmark: N Yjs clients in one room, spread over BENCH_PROCS painter processes (default 4;
 * tests/bench/painters.ts), each committing one stroke per second; stroke propagation latency
 * (commit -> seen by observer clients in every process) p50/p99/max merged over the processes,
 * server CPU and RSS, and each client process's CPU (a process near a whole core measures itself
 * more than the server) and event-loop delay; then the rasteriser figures.
 * Run: npm run bench:sync   (BENCH_CLIENTS=10,50,100 BENCH_PROCS=4)
 */
import { createRoom, startServer } from '../helpers/server';
import { startPainters } from './painters';
import { cpuSeconds, percentile, rssMiB } from './procStats';
import { runRasterBench } from './raster';

const SECONDS = 8;
const WARMUP_SECONDS = 2;
const OBSERVERS_PER_PROCESS = 1;
const PROCESSES = Number(process.env.BENCH_PROCS ?? 4);

async function runRoom(clientCount: number) {
  // Every client connects from 127.0.0.1: lift the per-address connection limit.
  const server = await startServer({ env: { IP_MAX_SOCKETS: '100000' } });
  const pid = server.process.pid!;
  const room = await createRoom(server.url);
  const procs = Math.min(PROCESSES, clientCount);
  const groups = await Promise.all(
    Array.from({ length: procs }, (_, p) =>
      startPainters({
        wsUrl: server.wsUrl,
        room,
        painters: Math.floor(clientCount / procs) + (p < clientCount % procs ? 1 : 0),
        observers: OBSERVERS_PER_PROCESS,
        tag: `p${p}`,
        intervalMs: 1000,
      }),
    ),
  );
  const runs = groups.map((g) => g.run(WARMUP_SECONDS * 1000, SECONDS * 1000));
  // server CPU over the measured window only
  await new Promise((r) => setTimeout(r, WARMUP_SECONDS * 1000));
  const cpuWarm = cpuSeconds(pid);
  const tWarm = performance.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const cpu = (cpuSeconds(pid) - cpuWarm) / ((performance.now() - tWarm) / 1000);
  const rss = rssMiB(pid);
  const reports = await Promise.all(runs);
  await server.stop('SIGKILL');
  const latencies = reports.flatMap((r) => r.latencies);
  return {
    clientCount,
    procs,
    clientCpu: reports.map((r) => r.cpuSeconds / SECONDS),
    loopDelay: { p99: Math.max(...reports.map((r) => r.loopDelay.p99)), max: Math.max(...reports.map((r) => r.loopDelay.max)) },
    strokes: reports.reduce((a, r) => a + r.strokes, 0),
    samples: latencies.length,
    errors: reports.flatMap((r) => r.errors).length,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: percentile(latencies, 100),
    cpu,
    rss,
  };
}

const rows: string[] = [];
for (const n of (process.env.BENCH_CLIENTS ?? '10,50,100').split(',').map(Number)) {
  const r = await runRoom(n);
  const pct = (share: number) => `${(share * 100).toFixed(0)}%`;
  rows.push(
    `| ${r.clientCount} | ${r.procs} | ${r.strokes} | ${r.samples} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.max.toFixed(1)} | ${r.errors} | ${pct(r.cpu)} | ${r.rss.toFixed(0)} | ${pct(r.clientCpu.reduce((a, b) => a + b, 0))} (${r.clientCpu.map(pct).join(' / ')}) | ${r.loopDelay.p99.toFixed(1)} / ${r.loopDelay.max.toFixed(1)} |`,
  );
  console.error(`done: ${n} clients`);
}
console.log(
  `### Stroke propagation (one room, 1 stroke/s per client, ${SECONDS} s measured after ${WARMUP_SECONDS} s warm-up, loopback)\n`,
);
console.log(
  '| clients | client processes | strokes | latency samples | p50 ms | p99 ms | max ms | errors | server CPU (of one core) | server RSS MiB | clients CPU, all processes (each) | client event-loop delay p99 / max ms (worst process) |',
);
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
console.log(rows.join('\n'));
console.log('\n### Rasteriser (256x256)\n');
console.log(await runRasterBench());
