import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';
import { PrismaClient as PostgresClient } from '../generated/prisma-postgresql/client';
import { log } from './log';

/**
 * The SQLite client's type for both databases: both clients come from one model source
 * (prisma/postgresql.ts), and SQLite's inputs are the narrower set, so code typed against it only
 * uses queries PostgreSQL runs too.
 */
export type Db = PrismaClient;

export type DatabaseProvider = 'sqlite' | 'postgresql';

/** `postgresql://` (or `postgres://`) selects PostgreSQL; `file:` is SQLite. */
export function databaseProvider(url: string): DatabaseProvider {
  if (/^postgres(ql)?:\/\//.test(url)) return 'postgresql';
  if (url.startsWith('file:')) return 'sqlite';
  throw new Error(`DATABASE_URL must be a file: (SQLite) or postgresql:// URL; got ${redact(url)}`);
}

/** The URL without its password, for logs and errors. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}

/** Applies pending migrations with the project's own Prisma CLI (offline-capable, see prisma.config.ts). */
export function migrate(root: string, databaseUrl: string): void {
  if (databaseProvider(databaseUrl) === 'sqlite') {
    fs.mkdirSync(path.dirname(path.resolve(root, databaseUrl.slice('file:'.length))), { recursive: true });
  }
  const require = createRequire(import.meta.url);
  const cli = require.resolve('prisma/build/index.js');
  const result = spawnSync(process.execPath, [cli, 'migrate', 'deploy'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`Database migration failed:\n${result.stdout}\n${result.stderr}`);
  }
  log.info({ database: redact(databaseUrl) }, 'database migrated');
}

export function openDb(databaseUrl: string): Db {
  if (databaseProvider(databaseUrl) === 'sqlite') return new PrismaClient({ adapter: new PrismaBetterSQLite3({ url: databaseUrl }) });
  // Same models, same delegates; only the provider-specific extras (e.g. isolation levels) differ.
  return new PostgresClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) }) as unknown as Db;
}
