import type { ChildProcess } from 'node:child_process';
import { freshDatabase } from './database';
import { freePort, spawnScript, stopChild } from './processes';

export interface TestServer {
  url: string;
  wsUrl: string;
  port: number;
  dbUrl: string;
  process: ChildProcess;
  /** Everything the server printed so far (pino JSON lines). */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts the real server (`server/main.ts`) as a child process on 127.0.0.1 and waits until it
 * listens. NO_UI=1 skips Next unless `ui` is set (browser tests need the pages).
 */
export async function startServer(
  options: { dbUrl?: string; port?: number; ui?: boolean; env?: Record<string, string> } = {},
): Promise<TestServer> {
  // The OS picks a free port: ports derived from the pid could meet a server another test file
  // was still stopping, whose health check then answered for this one.
  const port = options.port ?? (await freePort());
  const dbUrl = options.dbUrl ?? (await freshDatabase());
  const { child, output } = spawnScript('server/main.ts', {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: dbUrl,
    NO_UI: options.ui ? '0' : '1',
    NODE_ENV: 'production',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    ...options.env,
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output()}`);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start in time:\n${output()}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return {
    url,
    wsUrl: `ws://127.0.0.1:${port}`,
    port,
    dbUrl,
    process: child,
    output,
    stop: (signal: NodeJS.Signals = 'SIGTERM') => stopChild(child, signal),
  };
}

export async function createRoom(url: string, starter = false): Promise<string> {
  const res = await fetch(`${url}/api/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ starter }),
  });
  if (res.status !== 201) throw new Error(`create room: HTTP ${res.status}`);
  return ((await res.json()) as { id: string }).id;
}
