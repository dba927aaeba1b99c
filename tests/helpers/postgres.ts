import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, stopPid } from './processes';

/** A throwaway PostgreSQL cluster on 127.0.0.1, trusted logins as user `app`. */
export interface PostgresCluster {
  /** URL of the cluster's `postgres` database; make a database per test server from it. */
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** The newest Debian PostgreSQL's bin directory (postgresql-NN puts it there), or null. */
export function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return null;
  const versions = fs
    .readdirSync(root)
    .filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(root, versions[0], 'bin') : null;
}

/** initdb and the server refuse to run as root: as root (CI), run them as the postgres user. */
function runAsOwner(command: string, args: string[], cwd: string): void {
  const [file, argv] = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  execFileSync(file, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * initdb into a temporary directory and start the server there (durability settings off: the
 * cluster lives for one test run). stop() ends it by its postmaster pid and removes the directory.
 */
export async function startPostgres(binDir: string): Promise<PostgresCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spade-pg-'));
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres', dir]);
  const data = path.join(dir, 'data');
  const port = await freePort();
  runAsOwner(path.join(binDir, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'app', '--no-sync', '-E', 'UTF8'], dir);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  runAsOwner(path.join(binDir, 'pg_ctl'), ['-D', data, '-o', options, '-l', path.join(dir, 'log'), '-w', '-t', '120', 'start'], dir);
  const pid = Number(fs.readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return {
    url: `postgresql://app@127.0.0.1:${port}/postgres`,
    pid,
    async stop() {
      // SIGINT is PostgreSQL's fast shutdown: it ends the sessions and exits.
      await stopPid(pid, 'SIGINT', 30_000, 100);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
