import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { derivePostgresSchema, migrationNames, postgresSchema, sourceSchema } from '../../prisma/postgresql';

// One source of truth for the models (prisma/schema.prisma); PostgreSQL's schema is derived from
// it and its migrations mirror SQLite's. tests/integration/database.test.ts checks, on each
// database, that the migrations build exactly the schema.
const prismaDir = path.dirname(sourceSchema);

describe('the PostgreSQL schema and migrations', () => {
  it('are derived from prisma/schema.prisma (run `npm run db:postgresql` after changing it)', () => {
    expect(fs.readFileSync(postgresSchema, 'utf8')).toBe(derivePostgresSchema(fs.readFileSync(sourceSchema, 'utf8')));
  });

  it('has a migration for each SQLite one, by the same name, and no other', () => {
    const sqlite = migrationNames(path.join(prismaDir, 'migrations'));
    expect(sqlite.length).toBeGreaterThan(0);
    expect(migrationNames(path.join(prismaDir, 'postgresql', 'migrations'))).toEqual(sqlite);
  });

  it('locks each migrations folder to its provider', () => {
    expect(fs.readFileSync(path.join(prismaDir, 'migrations', 'migration_lock.toml'), 'utf8')).toMatch(/provider = "sqlite"/);
    expect(fs.readFileSync(path.join(prismaDir, 'postgresql', 'migrations', 'migration_lock.toml'), 'utf8')).toMatch(
      /provider = "postgresql"/,
    );
  });

  it('derives by changing only the provider and the client output', () => {
    const source =
      'generator client {\n  output = "../generated/prisma"\n}\ndatasource db {\n  provider = "sqlite"\n}\nmodel A {\n  id Int @id\n}\n';
    const derived = derivePostgresSchema(source);
    expect(derived).toContain('provider = "postgresql"');
    expect(derived).toContain('output = "../../generated/prisma-postgresql"');
    const undone = derived
      .replace('provider = "postgresql"', 'provider = "sqlite"')
      .replace('"../../generated/prisma-postgresql"', '"../generated/prisma"');
    expect(undone.slice(undone.indexOf('\n') + 1)).toBe(source);
    expect(() => derivePostgresSchema(source.replace('"sqlite"', '"mysql"'))).toThrow(/provider/);
  });
});
