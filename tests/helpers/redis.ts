import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { alive, freePort, stopPid } from './processes';

/** A throwaway redis-server on 127.0.0.1 (no persistence), for one test file. */
export interface RedisServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Debian's redis-server binary (package redis-server), or null when it is not installed. */
export function redisServerBin(): string | null {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const bin = found.status === 0 ? found.stdout.trim() : '';
  return bin && fs.existsSync(bin) ? bin : null;
}

/**
 * The redis-server binary, or an error naming the Debian package: tests that need Redis fail
 * with this instead of a connection error, so a CI machine that lost the package says so.
 */
export function requireRedisServer(): string {
  const bin = redisServerBin();
  if (!bin) throw new Error('redis-server not found: install the Debian package redis-server (.ci/run installs it)');
  return bin;
}

/** Starts redis-server daemonized on a free port; stop() ends it by its pid and removes its directory. */
export async function startRedis(bin = requireRedisServer()): Promise<RedisServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spade-redis-'));
  const port = await freePort();
  const pidfile = path.join(dir, 'redis.pid');
  execFileSync(bin, [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--daemonize',
    'yes',
    '--pidfile',
    pidfile,
    '--logfile',
    path.join(dir, 'log'),
  ]);
  // The daemon writes its pidfile once it is up; it accepts connections from then on.
  for (let i = 0; i < 200 && !fs.existsSync(pidfile); i++) await new Promise((r) => setTimeout(r, 25));
  if (!fs.existsSync(pidfile)) throw new Error(`redis-server did not start: ${fs.readFileSync(path.join(dir, 'log'), 'utf8')}`);
  const pid = Number(fs.readFileSync(pidfile, 'utf8').trim());
  return {
    url: `redis://127.0.0.1:${port}`,
    pid,
    async stop() {
      if (alive(pid)) await stopPid(pid, 'SIGTERM', 5000, 50);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
