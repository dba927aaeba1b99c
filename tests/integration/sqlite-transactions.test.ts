import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openDb, type Db } from '../../server/db';
import { ThreadUpdateRows } from '../../server/sync/updateRowsThread';
import { sqliteDatabase } from '../helpers/database';

const root = path.resolve(import.meta.dirname, '..', '..');

let url: string;
let db: Db;

beforeAll(async () => {
  url = sqliteDatabase();
  migrate(root, url);
  db = openDb(url);
  await db.room.create({ data: { id: 'room-a' } });
});
afterAll(async () => {
  await db?.$disconnect();
});

describe('SQLite transactions beside the update rows thread', () => {
  // Prisma's upsert is such a transaction (SELECT, then INSERT): under painting, `GET /api/me`
  // answered 500 with SQLITE_BUSY when the rows thread committed between the two.
  it('commit a write made after the rows thread committed since their first read', async () => {
    const rows = await ThreadUpdateRows.open(url);
    let written: Promise<void> | undefined;
    await db.$transaction(async (tx) => {
      await tx.user.findMany();
      written = rows.write([{ roomId: 'room-a', data: new Uint8Array([0]) }]);
      // The thread's commit lands here unless this transaction already holds the write lock.
      await Promise.race([written, new Promise((resolve) => setTimeout(resolve, 300))]);
      await tx.user.create({ data: { id: 'A'.repeat(20), name: 'Amber Otter', color: '#e4572e' } });
    });
    await written;
    expect(await db.user.count()).toBe(1);
    expect(await db.roomUpdate.count({ where: { roomId: 'room-a' } })).toBe(1);
  });
});
