import fs from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';

// The CLI migrates through the better-sqlite3 driver adapter, so `prisma migrate deploy` works
// without downloading Prisma's native schema engine (not reachable on our build machines).
// The schema's datasource reads DATABASE_URL; give it the same default the server uses.
const url = (process.env.DATABASE_URL ??= `file:${path.resolve('data', 'spade.db')}`);

if (url.startsWith('file:')) fs.mkdirSync(path.dirname(path.resolve(url.slice('file:'.length))), { recursive: true });

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join('prisma', 'schema.prisma'),
  migrations: { path: path.join('prisma', 'migrations') },
  adapter: async () => new PrismaBetterSQLite3({ url }),
});
