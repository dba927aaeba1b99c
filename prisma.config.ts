import fs from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { postgresMigrationAdapter } from './prisma/postgresqlAdapter';

// The CLI migrates through a driver adapter (better-sqlite3, or pg for a postgresql:// URL), so
// `prisma migrate deploy` works without downloading Prisma's native schema engine (not reachable
// on our build machines). The schema's datasource reads DATABASE_URL; give it the same default
// the server uses.
const url = (process.env.DATABASE_URL ??= `file:${path.resolve('data', 'spade.db')}`);
// PostgreSQL has its own schema (derived from prisma/schema.prisma) and migrations: see prisma/postgresql.ts.
const postgres = /^postgres(ql)?:\/\//.test(url);

if (url.startsWith('file:')) fs.mkdirSync(path.dirname(path.resolve(url.slice('file:'.length))), { recursive: true });

const dir = postgres ? path.join('prisma', 'postgresql') : 'prisma';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join(dir, 'schema.prisma'),
  migrations: { path: path.join(dir, 'migrations') },
  adapter: async () => (postgres ? postgresMigrationAdapter(url) : new PrismaBetterSQLite3({ url })),
});
