import type { ChildProcess } from 'node:child_process';
import { spawnScript, stopChild } from './processes';

export interface TestWorker {
  process: ChildProcess;
  pid: number;
  /** Everything it printed so far (pino JSON lines). */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts a render worker (`server/worker.ts`, what `npm run worker` runs) and waits until it
 * takes jobs (its info line says so: keep LOG_LEVEL at info or below).
 */
export async function startWorker(redisUrl: string, env: Record<string, string> = {}): Promise<TestWorker> {
  const { child, output } = spawnScript('server/worker.ts', {
    REDIS_URL: redisUrl,
    RENDER_THREADS: '1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'info',
    ...env,
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`render worker did not start in time:\n${output()}`));
    }, 120_000);
    const onData = () => {
      if (!output().includes('render worker taking jobs')) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve();
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`render worker exited with ${code}:\n${output()}`));
    });
  });
  return {
    process: child,
    pid: child.pid!,
    output,
    stop: (signal: NodeJS.Signals = 'SIGTERM') => stopChild(child, signal),
  };
}
