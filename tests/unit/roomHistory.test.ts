import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import pino from 'pino';
import { STROKES_KEY } from '../../lib/protocol';
import type { Stroke } from '../../lib/strokes';
import type { Db } from '../../server/db';
import type { Identity } from '../../server/identity/identity';
import { RoomRegistry } from '../../server/sync/roomRegistry';
import type { Room, SyncSession } from '../../server/sync/room';
import { RoomHistory, type HistoryOptions } from '../../server/rooms/history';
import type { VersionRow } from '../../server/rooms/versionRows';
import { FakeSocket, testModel as model } from '../helpers/roomFakes';

/** A stored version: what the history writes, with the database's id and time. */
interface StoredVersion extends VersionRow {
  id: number;
  createdAt: Date;
}

/** The four RoomVersion queries the history makes, over an array. */
function fakeDb(): { db: Db; rows: StoredVersion[] } {
  const rows: StoredVersion[] = [];
  let next = 1;
  const roomVersion = {
    create: ({ data }: { data: VersionRow }) => {
      rows.push({ ...data, id: next++, createdAt: new Date() });
      return Promise.resolve();
    },
    findFirst: ({ where, skip = 0 }: { where: { roomId: string; id?: number }; skip?: number }) => {
      const matching = rows.filter((r) => r.roomId === where.roomId && (where.id === undefined || r.id === where.id)).reverse();
      return Promise.resolve(matching[skip] ?? null);
    },
    deleteMany: ({ where }: { where: { roomId: string; id: { lte: number } } }) => {
      for (let i = rows.length - 1; i >= 0; i--) if (rows[i].roomId === where.roomId && rows[i].id <= where.id.lte) rows.splice(i, 1);
      return Promise.resolve();
    },
    findMany: ({ where }: { where: { roomId: string } }) => Promise.resolve(rows.filter((r) => r.roomId === where.roomId).reverse()),
  };
  return { db: { roomVersion } as unknown as Db, rows };
}

const identity = { names: () => Promise.resolve(new Map()) } as unknown as Identity;

/** A room with the history attached, and one painter whose client document sends real updates. */
async function setUp(options: Partial<HistoryOptions> = {}) {
  const warnings: string[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) });
  const { db, rows } = fakeDb();
  const registry = new RoomRegistry(() => Promise.resolve(model), 60_000, log);
  const history = new RoomHistory({ db, registry, identity, log }, options);
  registry.use(history);
  const join = async (user: string) => {
    const client = new Y.Doc();
    const { room, session } = (await registry.connect('room-h', new FakeSocket(), { user, role: 'editor' }))!;
    Y.applyUpdate(client, Y.encodeStateAsUpdate(room.doc));
    client.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== 'server') room.receive(session as SyncSession, message(update));
    });
    // What the room broadcasts reaches this client too (other painters' strokes, restores).
    room.doc.on('update', (update: Uint8Array) => Y.applyUpdate(client, update, 'server'));
    const strokes = client.getArray<Stroke>(STROKES_KEY);
    return { room, strokes, paint: (label = 'sea') => strokes.push([stroke(label, user)]) };
  };
  return { history, registry, rows, warnings, join };
}

let counter = 0;
function stroke(label: string, by: string, tool: Stroke['tool'] = 'brush'): Stroke {
  counter++;
  return { id: `h${counter}`, tool, label, size: 8, points: tool === 'clear' ? [] : [1, counter % 1000, 3, 4], by };
}

function message(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 0);
  syncProtocol.writeUpdate(encoder, update);
  return encoding.toUint8Array(encoder);
}

function strokesIn(state: Uint8Array): Stroke[] {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  return doc.getArray<Stroke>(STROKES_KEY).toArray();
}

const settle = (room: Room) => new Promise((r) => setTimeout(r, 10)).then(() => room);

describe('RoomHistory (over the room core)', () => {
  it('stores the exact strokes before a clear of 150', async () => {
    const { rows, join } = await setUp({ everyChanges: 1000 });
    const alice = await join('alice');
    for (let i = 0; i < 150; i++) alice.paint();
    const before = alice.room.strokes.toArray();
    alice.strokes.push([stroke('sky', 'alice', 'clear')]);
    await settle(alice.room);
    expect(rows.map((r) => r.reason)).toEqual(['clear']);
    expect(strokesIn(rows[0].state)).toEqual(before);
    expect(rows[0].strokeCount).toBe(150);
    expect(JSON.parse(rows[0].changes)).toEqual([{ userId: 'alice', added: 150, removed: 0, clears: 0, restored: [] }]);
  });

  it("stores the strokes before one change that deletes others' strokes and adds one, in their order", async () => {
    const { rows, join } = await setUp({ everyChanges: 1000 });
    const alice = await join('alice');
    const bob = await join('bob');
    for (let i = 0; i < 6; i++) alice.paint();
    bob.paint();
    await settle(alice.room);
    const before = alice.room.strokes.toArray();
    bob.strokes.doc!.transact(() => {
      bob.strokes.delete(1, 2);
      bob.strokes.insert(3, [stroke('sky', 'bob')]);
    });
    await settle(alice.room);
    expect(rows.map((r) => r.reason)).toEqual(['deletion']);
    expect(strokesIn(rows[0].state)).toEqual(before);
    expect(rows[0].strokeCount).toBe(7);
    expect(alice.room.strokes.length).toBe(6);
    // The version says who changed what before it; bob's deletion goes into the next one.
    expect(JSON.parse(rows[0].changes)).toEqual([
      { userId: 'alice', added: 6, removed: 0, clears: 0, restored: [] },
      { userId: 'bob', added: 1, removed: 0, clears: 0, restored: [] },
    ]);
  });

  it('a restore is one change everyone gets, stored first so it can be restored away', async () => {
    const { history, rows, join } = await setUp({ everyChanges: 1000 });
    const alice = await join('alice');
    const bob = await join('bob');
    for (let i = 0; i < 3; i++) alice.paint();
    bob.strokes.delete(0, 3);
    await settle(alice.room);
    expect(bob.strokes.length).toBe(0);
    const wiped = rows.find((r) => r.reason === 'deletion')!;
    let updates = 0;
    alice.room.doc.on('update', () => updates++);
    await history.restore('room-h', wiped.id, 'bob');
    expect(updates).toBe(1);
    expect(alice.strokes.toArray()).toEqual(strokesIn(wiped.state));
    expect(bob.strokes.length).toBe(3);
    const replaced = rows.at(-1)!;
    expect(replaced).toMatchObject({ reason: 'restore', byUserId: 'bob', restoredFrom: wiped.id, strokeCount: 0 });
    await history.restore('room-h', replaced.id, 'alice');
    expect(bob.strokes.length).toBe(0);
    await expect(history.restore('room-h', 9999, 'alice')).rejects.toThrow(/no such version/);
  });

  it('keeps the newest versions only, and a flood of clears gets versions up to its budget, not one per message', async () => {
    const { rows, warnings, join } = await setUp({ everyChanges: 1000, keep: 5 });
    const mallory = await join('mallory');
    for (let i = 0; i < 40; i++) {
      mallory.paint();
      mallory.strokes.push([stroke('sky', 'mallory', 'clear')]);
    }
    await settle(mallory.room);
    expect(rows).toHaveLength(5);
    expect(rows.every((r) => r.reason === 'clear')).toBe(true);
    expect(rows.at(-1)!.id).toBe(20);
    expect(warnings.filter((w) => w.includes('too many versions'))).toHaveLength(20);
  });

  it('stores what changed when the room unloads, and nothing when nothing did', async () => {
    const { history, rows, join } = await setUp({ everyChanges: 1000 });
    const alice = await join('alice');
    alice.paint();
    await history.onStore(alice.room);
    expect(rows.map((r) => [r.reason, r.strokeCount])).toEqual([['unload', 1]]);
    await history.onStore(alice.room);
    expect(rows).toHaveLength(1);
  });

  it('a version of the current document holds exactly its strokes, merged from the version before and the edits since', async () => {
    const { history, rows, join } = await setUp({ everyChanges: 4 });
    const alice = await join('alice');
    const expected: Stroke[][] = [];
    for (let i = 0; i < 12; i++) {
      if (i % 3 === 2) alice.strokes.delete(0, 1);
      else alice.paint();
      if ((i + 1) % 4 === 0) expected.push(alice.room.strokes.toArray());
      // Each version is written while the next edit comes in: the one after merges from its state and that edit.
      if (i % 4 === 0) await settle(alice.room);
    }
    alice.paint();
    await history.onStore(alice.room);
    expected.push(alice.room.strokes.toArray());
    expect(rows.map((r) => r.reason)).toEqual(['periodic', 'periodic', 'periodic', 'unload']);
    expect(rows.map((r) => strokesIn(r.state))).toEqual(expected);
  });

  it('stores a version every N changes', async () => {
    const { rows, join } = await setUp({ everyChanges: 4 });
    const alice = await join('alice');
    for (let i = 0; i < 9; i++) alice.paint();
    await settle(alice.room);
    expect(rows.map((r) => [r.reason, r.strokeCount])).toEqual([
      ['periodic', 4],
      ['periodic', 8],
    ]);
  });
});
