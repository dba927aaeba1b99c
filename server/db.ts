import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaClient } from '../generated/prisma/client';
import { log } from './log';

export type Db = PrismaClient;

function sqlitePath(url: string): string | null {
  return url.startsWith('file:') ? url.slice('file:'.length) : null;
}

/** Applies pending migrations with the project's own Prisma CLI (offline-capable, see prisma.config.ts). */
export function migrate(root: string, databaseUrl: string): void {
  const file = sqlitePath(databaseUrl);
  if (file) fs.mkdirSync(path.dirname(path.resolve(root, file)), { recursive: true });
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
  log.info({ database: databaseUrl }, 'database migrated');
}

export function openDb(databaseUrl: string): Db {
  const file = sqlitePath(databaseUrl);
  if (!file) throw new Error(`Only SQLite file: URLs are wired up for the default start; got ${databaseUrl}`);
  return new PrismaClient({ adapter: new PrismaBetterSQLite3({ url: databaseUrl }) });
}
