import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { databaseProvider, migrate, openDb, type Db } from '../../server/db';
import { PrismaUpdateStore } from '../../server/sync/updateStore';
import { freshDatabase } from '../helpers/database';

// Runs in both test projects (vitest.config.ts): on SQLite, and on a throwaway PostgreSQL.
const root = path.resolve(import.meta.dirname, '..', '..');
const cli = createRequire(import.meta.url).resolve('prisma/build/index.js');
const run = promisify(execFile);

async function prisma(databaseUrl: string, ...args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, [cli, ...args], { cwd: root, env: { ...process.env, DATABASE_URL: databaseUrl } });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: `${failed.stdout}\n${failed.stderr}` };
  }
}

let url: string;
let db: Db;
let schemaFile: string;

beforeAll(async () => {
  url = await freshDatabase();
  migrate(root, url);
  db = openDb(url);
  schemaFile = databaseProvider(url) === 'postgresql' ? 'prisma/postgresql/schema.prisma' : 'prisma/schema.prisma';
});
afterAll(async () => {
  await db?.$disconnect();
});

describe('migrations', () => {
  /** `migrate diff --exit-code` from the migrated database's introspected datamodel to `schema`. */
  async function diffFromDatabase(schema: string): Promise<{ code: number; stdout: string }> {
    const pulled = await prisma(url, 'db', 'pull', '--print');
    expect(pulled.code).toBe(0);
    // Prisma prints a notice about the datasource url before the schema: keep the schema only.
    const datamodel = pulled.stdout.slice(pulled.stdout.search(/^(generator|datasource) /m));
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'spade-pull-')), 'pulled.prisma');
    fs.writeFileSync(file, datamodel);
    return prisma(url, 'migrate', 'diff', '--from-schema-datamodel', file, '--to-schema-datamodel', schema, '--exit-code');
  }

  it("build exactly the provider's schema", async () => {
    const diff = await diffFromDatabase(schemaFile);
    expect(diff.stdout).toContain('No difference detected');
    expect(diff.code).toBe(0);
  });

  it('would show a schema change that has no migration', async () => {
    const changed = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'spade-schema-')), 'schema.prisma');
    fs.writeFileSync(
      changed,
      fs.readFileSync(path.join(root, schemaFile), 'utf8').replace(/^model Setting \{$/m, 'model Setting {\n  note String?'),
    );
    const diff = await diffFromDatabase(changed);
    expect(diff.code).toBe(2);
    expect(diff.stdout).toMatch(/note/);
  });

  it('apply once: deploying again changes nothing', async () => {
    const again = await prisma(url, 'migrate', 'deploy');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No pending migrations');
  });
});

/** Every byte value, zeros included: Bytes columns must give back exactly what was stored. */
const allBytes = Uint8Array.from({ length: 512 }, (_, i) => (i * 7) % 256);

describe('the queries the server makes', () => {
  it('keeps Bytes exact and DateTimes to the millisecond', async () => {
    const at = new Date('2026-01-02T03:04:05.678Z');
    await db.room.create({ data: { id: 'bytes-room', styleZ: Buffer.from(allBytes), createdAt: at } });
    const row = await db.room.findUniqueOrThrow({ where: { id: 'bytes-room' } });
    expect(new Uint8Array(row.styleZ!)).toEqual(allBytes);
    expect(row.createdAt.toISOString()).toBe(at.toISOString());
  });

  it('reports a second row for a unique key as P2002 (what refuses a second vote)', async () => {
    await db.user.create({ data: { id: 'voter', name: 'V', color: '#000000' } });
    await db.room.create({ data: { id: 'vote-room' } });
    await db.voteRound.create({ data: { id: 'round', roomId: 'vote-room', openedBy: 'voter', closesAt: new Date() } });
    await db.voteCandidate.create({ data: { id: 'cand', roundId: 'round', styleId: 's', styleName: 'S', proposedBy: 'voter' } });
    await db.ballot.create({ data: { roundId: 'round', userId: 'voter', candidateId: 'cand' } });
    await expect(db.ballot.create({ data: { roundId: 'round', userId: 'voter', candidateId: 'cand' } })).rejects.toMatchObject({
      code: 'P2002',
    });
    await expect(
      db.voteCandidate.create({ data: { id: 'cand2', roundId: 'round', styleId: 's', styleName: 'S', proposedBy: 'voter' } }),
    ).rejects.toMatchObject({ code: 'P2002' });
  });

  it('rolls back an interactive transaction that throws', async () => {
    await db.room.create({ data: { id: 'tx-room' } });
    await expect(
      db.$transaction(async (tx) => {
        await tx.roomUpdate.create({ data: { roomId: 'tx-room', data: Buffer.from([1]) } });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await db.roomUpdate.count({ where: { roomId: 'tx-room' } })).toBe(0);
  });

  it('cascades a room delete to its rows', async () => {
    await db.room.create({ data: { id: 'gone', updates: { create: [{ data: Buffer.from([1]) }, { data: Buffer.from([2]) }] } } });
    await db.room.delete({ where: { id: 'gone' } });
    expect(await db.roomUpdate.count({ where: { roomId: 'gone' } })).toBe(0);
  });
});

describe('PrismaUpdateStore', () => {
  /** A document with its own client id and the updates it emits, as a browser would send them. */
  function painter(clientID: number) {
    const doc = new Y.Doc();
    doc.clientID = clientID;
    const updates: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => updates.push(u));
    const strokes = doc.getArray<string>('strokes');
    return { doc, updates, paint: (s: string) => strokes.push([s]) };
  }

  function strokesOf(update: Uint8Array | null): string[] {
    const doc = new Y.Doc();
    if (update) Y.applyUpdate(doc, update);
    return doc.getArray<string>('strokes').toArray();
  }

  it('stores appended updates per room and loads them merged', async () => {
    await db.room.createMany({ data: [{ id: 'store-a' }, { id: 'store-b' }] });
    const store = new PrismaUpdateStore(db, 10_000);
    const a = painter(1);
    const b = painter(2);
    for (let i = 0; i < 5; i++) {
      a.paint(`a${i}`);
      b.paint(`b${i}`);
    }
    a.updates.forEach((u) => store.append('store-a', u));
    b.updates.forEach((u) => store.append('store-b', u));
    await store.flush();
    const fresh = new PrismaUpdateStore(db, 10_000);
    expect(strokesOf(await fresh.load('store-a'))).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
    expect(strokesOf(await fresh.load('store-b'))).toEqual(['b0', 'b1', 'b2', 'b3', 'b4']);
    expect(await fresh.load('store-none')).toBeNull();
  });

  it('compacts a room into one row with the same document, keeping updates appended meanwhile', async () => {
    await db.room.create({ data: { id: 'store-c' } });
    const store = new PrismaUpdateStore(db, 10_000);
    const p = painter(3);
    for (let i = 0; i < 30; i++) {
      p.paint(`s${i}`);
      store.append('store-c', p.updates.at(-1)!);
      await store.flush();
    }
    expect(await db.roomUpdate.count({ where: { roomId: 'store-c' } })).toBe(30);
    const before = strokesOf(await store.load('store-c'));

    p.paint('during');
    store.append('store-c', p.updates.at(-1)!);
    await Promise.all([store.compact('store-c'), store.flush()]);

    const rows = await db.roomUpdate.count({ where: { roomId: 'store-c' } });
    expect(rows).toBeGreaterThanOrEqual(1);
    expect(rows).toBeLessThanOrEqual(2);
    expect(strokesOf(await new PrismaUpdateStore(db, 10_000).load('store-c'))).toEqual([...before, 'during']);
    expect(before).toHaveLength(30);
  });

  it('compacts on its own once a room has 200 rows', async () => {
    await db.room.create({ data: { id: 'store-d' } });
    const store = new PrismaUpdateStore(db, 10_000);
    const p = painter(4);
    for (let i = 0; i < 200; i++) {
      p.paint(`s${i}`);
      store.append('store-d', p.updates.at(-1)!);
      await store.flush();
    }
    expect(await db.roomUpdate.count({ where: { roomId: 'store-d' } })).toBe(1);
    expect(strokesOf(await store.load('store-d'))).toHaveLength(200);
  });
});
