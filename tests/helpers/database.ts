import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import pg from 'pg';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set in the postgresql project (vitest.config.ts): the throwaway cluster's admin URL. */
    postgresUrl?: string;
  }
}

/** A fresh temporary SQLite database URL. */
export function sqliteDatabase(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spade-test-'));
  return `file:${path.join(dir, 'test.db')}`;
}

/** A new empty PostgreSQL database in the cluster at `adminUrl`; returns its URL. */
export async function postgresDatabase(adminUrl: string): Promise<string> {
  const name = `spade_${randomUUID().replaceAll('-', '')}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * An empty database of the test project's kind: PostgreSQL in the postgresql project, else SQLite
 * (also outside vitest: the benchmarks and tools start servers too).
 */
export async function freshDatabase(): Promise<string> {
  const adminUrl = process.env.VITEST ? (await import('vitest')).inject('postgresUrl') : undefined;
  return adminUrl ? postgresDatabase(adminUrl) : sqliteDatabase();
}
