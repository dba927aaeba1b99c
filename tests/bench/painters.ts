/**
 * Yjs painters in their own process, so a benchmark's clients do not share the orchestrating
 * process (or each other's event loop) with what they measure. Each painter commits one stroke per
 * `intervalMs`; a stroke id carries its send time on the shared wall clock
 * (performance.timeOrigin + performance.now(), comparable across processes on one host), so
 * observers in any process measure propagation of strokes sent by others.
 *
 * Parent side: `startPainters(config)` forks one worker process; the worker itself is this file
 * run as a script.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { connect, synced, type YClient } from '../helpers/yclient';
import type { Stroke } from '../../lib/strokes';

export interface PainterConfig {
  wsUrl: string;
  room: string;
  painters: number;
  /** The first `observers` painters of this process also record latencies. */
  observers: number;
  /** Tag making this process's stroke ids unique. */
  tag: string;
  intervalMs: number;
}

export interface PainterReport {
  strokes: number;
  latencies: number[];
  cpuSeconds: number;
  /** This process's event-loop delay over the measured window, ms: what the clients themselves add to a latency. */
  loopDelay: { p99: number; max: number };
  errors: string[];
}

type ToWorker = { go: { warmupMs: number; measureMs: number } };
type FromWorker = { ready: true } | { report: PainterReport };

const now = () => performance.timeOrigin + performance.now();

/** Forks a painter process; resolves once every painter has synced. */
export async function startPainters(config: PainterConfig) {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [JSON.stringify(config)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const messages: FromWorker[] = [];
  const waiters: Array<() => void> = [];
  child.on('message', (m: FromWorker) => {
    messages.push(m);
    waiters.splice(0).forEach((w) => w());
  });
  const next = async <K extends 'ready' | 'report'>(key: K): Promise<Extract<FromWorker, Record<K, unknown>>> => {
    for (;;) {
      const found = messages.find((m) => key in m);
      if (found) return found as Extract<FromWorker, Record<K, unknown>>;
      await new Promise<void>((resolve, reject) => {
        waiters.push(resolve);
        child.once('exit', (code) => reject(new Error(`painter process exited with ${code} before ${key}`)));
      });
    }
  };
  await next('ready');
  return {
    /** Paints for warm-up + measure; resolves with what was measured after the warm-up. */
    async run(warmupMs: number, measureMs: number): Promise<PainterReport> {
      child.send({ go: { warmupMs, measureMs } } satisfies ToWorker);
      return (await next('report')).report;
    },
  };
}

async function worker(config: PainterConfig) {
  // every y-websocket provider adds a process exit listener: many painters per process is intended
  process.setMaxListeners(0);
  const clients: YClient[] = [];
  for (let i = 0; i < config.painters; i++) clients.push(connect(config.wsUrl, config.room));
  await Promise.all(clients.map(synced));
  const latencies: number[] = [];
  let measuring = false;
  for (const observer of clients.slice(0, config.observers)) {
    observer.strokes.observe((event) => {
      if (event.transaction.local || !measuring) return;
      const t = now();
      for (const item of event.changes.added) {
        for (const s of item.content.getContent() as Stroke[]) {
          const sent = /t(\d+)$/.exec(s.id);
          if (sent) latencies.push(t - Number(sent[1]) / 1000);
        }
      }
    });
  }
  const errors: string[] = [];
  clients.forEach((c) => c.provider.on('connection-close', (e: CloseEvent | null) => e && errors.push(`close ${e.code} ${e.reason}`)));
  process.send!({ ready: true } satisfies FromWorker);
  const { go } = await new Promise<ToWorker>((resolve) => process.once('message', resolve));
  let seq = 0;
  let counted = 0;
  const timers: NodeJS.Timeout[] = [];
  clients.forEach((client, i) => {
    // spread the painters over the interval so they do not all commit at once
    const start = setTimeout(
      () => {
        const paint = () => {
          const y = 50 + ((seq * 37) % 900);
          const id = `${config.tag}c${i}n${seq++}t${Math.round(now() * 1000)}`;
          if (measuring) counted++;
          client.strokes.push([{ id, tool: 'brush', label: 'grass', size: 24, points: [100, y, 300, y + 20, 500, y] }]);
        };
        paint();
        timers.push(setInterval(paint, config.intervalMs));
      },
      (i * config.intervalMs) / config.painters,
    );
    timers.push(start);
  });
  // The first seconds pay for JIT and the database's first queries: measure the steady state.
  await new Promise((r) => setTimeout(r, go.warmupMs));
  const cpu0 = process.cpuUsage();
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  measuring = true;
  await new Promise((r) => setTimeout(r, go.measureMs));
  const cpu = process.cpuUsage(cpu0); // over the measured window, as the parent divides it
  delay.disable();
  const loopDelay = { p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 };
  measuring = false;
  timers.forEach(clearInterval);
  await new Promise((r) => setTimeout(r, 500)); // strokes still in flight arrive
  clients.forEach((c) => c.destroy());
  process.send!(
    { report: { strokes: counted, latencies, cpuSeconds: (cpu.user + cpu.system) / 1e6, loopDelay, errors } } satisfies FromWorker,
    () => process.exit(0),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await worker(JSON.parse(process.argv[2]) as PainterConfig);
