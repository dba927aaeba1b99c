/**
 * Preloaded into a benchmark's server (NODE_OPTIONS=--import=<this file>, as Node 20 refuses
 * --cpu-prof there): samples its CPU and records GC pauses and event-loop stalls over 50 ms with
 * their times, and its memory every second; on SIGTERM it collects all garbage, notes the memory
 * once more (what is still live vs what the allocator keeps) and writes server.cpuprofile and
 * stalls.json to CPU_PROFILE_DIR.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Session } from 'node:inspector';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';

const dir = process.env.CPU_PROFILE_DIR;
const session = new Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 1000 });
session.post('Profiler.start');

const gc = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries())
    if (e.duration > 50) gc.push({ at: Math.round(e.startTime), ms: Math.round(e.duration), kind: e.detail?.kind });
}).observe({ entryTypes: ['gc'] });

// A timer that should fire every 10 ms: a late one is the event loop's stall.
const stalls = [];
let last = performance.now();
setInterval(() => {
  const t = performance.now();
  if (t - last > 60) stalls.push({ at: Math.round(last), ms: Math.round(t - last - 10) });
  last = t;
}, 10).unref();

const MiB = 1024 * 1024;
const memoryNow = () => {
  const m = process.memoryUsage();
  return {
    at: Math.round(performance.now()),
    rss: m.rss / MiB,
    heapUsed: m.heapUsed / MiB,
    heapTotal: m.heapTotal / MiB,
    external: m.external / MiB,
  };
};
const memory = [];
setInterval(() => memory.push(memoryNow()), 1000).unref();

process.once('SIGTERM', () => {
  v8.setFlagsFromString('--expose-gc');
  vm.runInNewContext('gc')();
  const afterGc = memoryNow();
  session.post('Profiler.stop', (error, result) => {
    if (error || !dir) return;
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'server.cpuprofile'), JSON.stringify(result.profile));
    fs.writeFileSync(path.join(dir, 'stalls.json'), JSON.stringify({ gc, stalls, memory, afterGc }, null, 1));
  });
});
