import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import { createRoom, startServer, type TestServer } from '../helpers/server';
import { connect, stroke, synced, waitFor, type YClient } from '../helpers/yclient';
import { STROKES_KEY } from '../../lib/protocol';
import { MESSAGE_STORED, mergeStored } from '../../lib/stored';
import type { Stroke } from '../../lib/strokes';
import { openDb } from '../../server/db';

/** The clocks the server acknowledged to `client`, merged as the page does; `onAck` runs as each arrives. */
function acknowledged(client: YClient, onAck: (stored: Map<number, number>) => void = () => undefined): Map<number, number> {
  const stored = new Map<number, number>();
  client.provider.messageHandlers[MESSAGE_STORED] = (_encoder, decoder) => {
    mergeStored(stored, Y.decodeStateVector(decoding.readVarUint8Array(decoder)));
    onAck(stored);
  };
  return stored;
}

/** Stroke ids in the room's rows as the database holds them now (what a restart loads). */
async function storedStrokeIds(dbUrl: string, roomId: string): Promise<string[]> {
  const db = openDb(dbUrl);
  try {
    const rows = await db.roomUpdate.findMany({ where: { roomId }, orderBy: { id: 'asc' } });
    const doc = new Y.Doc();
    for (const row of rows) Y.applyUpdate(doc, new Uint8Array(row.data));
    return doc
      .getArray<Stroke>(STROKES_KEY)
      .toArray()
      .map((s) => s.id);
  } finally {
    await db.$disconnect();
  }
}

describe('acknowledged durability (real server, SIGKILL)', () => {
  const servers: TestServer[] = [];
  const clients: YClient[] = [];
  afterAll(async () => {
    for (const c of clients) c.destroy();
    for (const s of servers) await s.stop('SIGKILL');
  });
  // A long flush interval: an acknowledgement sent on receipt would arrive long before the commit.
  const env = { PERSIST_FLUSH_MS: '1500' };

  it('acknowledges strokes only once the database holds them; acknowledged strokes survive kill -9', async () => {
    const first = await startServer({ env });
    servers.push(first);
    const roomId = await createRoom(first.url);
    const author = connect(first.wsUrl, roomId, { reconnect: false });
    clients.push(author);
    // Read the database the moment each acknowledgement arrives.
    const checks: Array<Promise<{ clock: number; ids: string[] }>> = [];
    const stored = acknowledged(author, (s) => {
      const clock = s.get(author.doc.clientID) ?? 0;
      checks.push(storedStrokeIds(first.dbUrl, roomId).then((ids) => ({ clock, ids })));
    });
    await synced(author);
    const painted = [stroke('sea'), stroke('sky'), stroke('sea')];
    for (const s of painted) author.strokes.push([s]);
    await waitFor(() => (stored.get(author.doc.clientID) ?? 0) >= painted.length, 10_000, 'acknowledgement');

    for (const { clock, ids } of await Promise.all(checks)) {
      expect(ids).toEqual(expect.arrayContaining(painted.slice(0, clock).map((s) => s.id)));
    }
    await first.stop('SIGKILL');

    const second = await startServer({ dbUrl: first.dbUrl, env });
    servers.push(second);
    const reader = connect(second.wsUrl, roomId);
    clients.push(reader);
    acknowledged(reader);
    await synced(reader);
    expect(reader.strokes.toArray().map((s) => s.id)).toEqual(painted.map((s) => s.id));
  });

  it('a stroke killed before its acknowledgement comes back from its still-connected author', async () => {
    const first = await startServer({ env });
    servers.push(first);
    const roomId = await createRoom(first.url);
    const author = connect(first.wsUrl, roomId);
    clients.push(author);
    const stored = acknowledged(author);
    await synced(author);
    // The first stroke after a quiet spell is committed at once, not a flush interval later...
    const kept = stroke('sky');
    const paintedAt = Date.now();
    author.strokes.push([kept]);
    await waitFor(() => (stored.get(author.doc.clientID) ?? 0) >= 1, 10_000, 'acknowledgement');
    expect(Date.now() - paintedAt).toBeLessThan(1000);
    // ...the next waits for the interval to pass: killed within it, received, not stored, not acknowledged.
    const lost = stroke('sea');
    author.strokes.push([lost]);
    await first.stop('SIGKILL');
    expect(stored.get(author.doc.clientID) ?? 0).toBe(1);

    const second = await startServer({ dbUrl: first.dbUrl, port: first.port, env });
    servers.push(second);
    // The author reconnects on its own; its sync step 2 carries what the server lacks.
    await waitFor(() => (stored.get(author.doc.clientID) ?? 0) >= 2, 20_000, 'acknowledgement after the restart');
    expect(await storedStrokeIds(second.dbUrl, roomId)).toEqual([kept.id, lost.id]);
  });
});
