// Derives prisma/postgresql/schema.prisma from prisma/schema.prisma, the one source of truth for
// the models: a Prisma schema names exactly one provider, so PostgreSQL needs its own copy (and
// its own generated client). `npm run db:postgresql` rewrites it and writes PostgreSQL's copy of
// the newest SQLite migration; tests/unit/prisma-schemas.test.ts fails when either drifts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const sourceSchema = path.join(here, 'schema.prisma');
export const postgresSchema = path.join(here, 'postgresql', 'schema.prisma');
const sqliteMigrations = path.join(here, 'migrations');
const postgresMigrations = path.join(here, 'postgresql', 'migrations');

function replaceOnce(text: string, from: RegExp, to: string): string {
  const matches = text.match(new RegExp(from.source, 'gm'));
  if (matches?.length !== 1) throw new Error(`prisma/schema.prisma: expected one ${from} (found ${matches?.length ?? 0})`);
  return text.replace(from, to);
}

export function derivePostgresSchema(source: string): string {
  let schema = replaceOnce(source, /^(\s*provider\s*=\s*)"sqlite"/m, '$1"postgresql"');
  // The schema moves one folder down, and its client must not overwrite SQLite's.
  schema = replaceOnce(schema, /^(\s*output\s*=\s*)"\.\.\/generated\/prisma"/m, '$1"../../generated/prisma-postgresql"');
  return `// GENERATED from prisma/schema.prisma by prisma/postgresql.ts (npm run db:postgresql): edit that file.\n${schema}`;
}

export function migrationNames(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/** The SQL that takes a database from schema `from` to schema `to` (null when they agree). */
function diffScript(from: string, to: string): string | null {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spade-pg-schema-'));
  fs.writeFileSync(path.join(dir, 'from.prisma'), from);
  fs.writeFileSync(path.join(dir, 'to.prisma'), to);
  const cli = createRequire(import.meta.url).resolve('prisma/build/index.js');
  const args = [
    'migrate',
    'diff',
    '--from-schema-datamodel',
    path.join(dir, 'from.prisma'),
    '--to-schema-datamodel',
    path.join(dir, 'to.prisma'),
  ];
  // From the repository root, so the CLI runs through prisma.config.ts (no native engine here).
  const result = spawnSync(process.execPath, [cli, ...args, '--script', '--exit-code'], { cwd: path.dirname(here), encoding: 'utf8' });
  fs.rmSync(dir, { recursive: true, force: true });
  if (result.status === 0) return null;
  if (result.status === 2) return result.stdout;
  throw new Error(`prisma migrate diff failed:\n${result.stdout}\n${result.stderr}`);
}

function main(): void {
  const previous = fs.readFileSync(postgresSchema, 'utf8');
  const next = derivePostgresSchema(fs.readFileSync(sourceSchema, 'utf8'));
  const done = new Set(migrationNames(postgresMigrations));
  const missing = migrationNames(sqliteMigrations).filter((name) => !done.has(name));
  const sql = previous === next ? null : diffScript(previous, next);
  if (missing.length > 1)
    throw new Error(`several SQLite migrations lack a PostgreSQL copy (${missing.join(', ')}): derive them one at a time`);
  if (sql && missing.length === 0)
    throw new Error('the models changed: add the SQLite migration first (prisma/migrations/<name>), then run this again');
  if (!sql && missing.length === 1)
    throw new Error(`${missing[0]} changes no model: write prisma/postgresql/migrations/${missing[0]} by hand`);
  if (sql) {
    fs.mkdirSync(path.join(postgresMigrations, missing[0]));
    fs.writeFileSync(path.join(postgresMigrations, missing[0], 'migration.sql'), sql);
    console.log(`wrote prisma/postgresql/migrations/${missing[0]}/migration.sql`);
  }
  fs.writeFileSync(postgresSchema, next);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
