import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { clearLogs } from '@prisma/debug';
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

/**
 * SQLite in WAL mode: a commit is one append and one fsync instead of a rollback journal's
 * several (20 -> 8 ms for a group commit of 20 rooms' updates here), and readers do not wait for
 * the writer (the update store writes from its own thread). better-sqlite3 builds WAL with
 * synchronous NORMAL, whose commits a power cut may undo; FULL keeps every acknowledged commit.
 */
const SQLITE_PRAGMAS = ['PRAGMA journal_mode = WAL', 'PRAGMA synchronous = FULL'];

/** The part of better-sqlite3's Database the adapter's transactions go through. */
interface SqliteClient {
  prepare(sql: string): unknown;
}

class SqliteAdapter extends PrismaBetterSQLite3 {
  override async connect() {
    const adapter = await super.connect();
    for (const sql of SQLITE_PRAGMAS) await adapter.queryRaw({ sql, args: [], argTypes: [] });
    // The adapter opens every transaction with a deferred BEGIN: it reads from a snapshot and asks
    // for the write lock at its first write. When another connection (the update rows thread)
    // committed in between, that snapshot is stale and SQLite fails the write at once with
    // SQLITE_BUSY, past the busy timeout: Prisma's upsert (SELECT, then INSERT, in one
    // transaction) answered `GET /api/me` with 500 under painting. BEGIN IMMEDIATE takes the
    // write lock up front, where the busy timeout waits for the other writer's commit.
    const client = (adapter as unknown as { client: SqliteClient }).client;
    const prepare = client.prepare.bind(client);
    client.prepare = (sql) => prepare(sql === 'BEGIN' ? 'BEGIN IMMEDIATE' : sql);
    return adapter;
  }
}

/** The URL each client was opened with, for threads that open their own connection to it. */
const urls = new WeakMap<Db, string>();

export function openDb(databaseUrl: string): Db {
  const db =
    databaseProvider(databaseUrl) === 'sqlite'
      ? new PrismaClient({ adapter: new SqliteAdapter({ url: databaseUrl }) })
      : // Same models, same delegates; only the provider-specific extras (e.g. isolation levels) differ.
        (new PostgresClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) }) as unknown as Db);
  urls.set(db, databaseUrl);
  return db;
}

/** The URL `db` was opened with by openDb (undefined for a client made elsewhere). */
export function databaseUrlOf(db: Db): string | undefined {
  return urls.get(db);
}

/**
 * Prisma's driver adapters log every query with its arguments to @prisma/debug, which keeps the
 * last 100 calls' arguments for its error reports even with DEBUG off: after writes of whole
 * documents (history versions, compactions) that held some 100 x 600 kB of base64 in the heap.
 * Called after such a write.
 */
export function forgetQueryArguments(): void {
  clearLogs();
}

/**
 * Prisma's errors for a database too busy to answer in time: P1008, an operation past its timeout
 * (SQLite's busy timeout, waiting for another connection's write lock); P2024, no pooled
 * connection free in time (PostgreSQL). Load, not a fault: callers answer "try again".
 */
export function isDatabaseBusy(error: unknown): boolean {
  const code = (error as { name?: unknown; code?: unknown } | null)?.code;
  return (error as Error | null)?.name === 'PrismaClientKnownRequestError' && (code === 'P1008' || code === 'P2024');
}
