import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import { createRoom, startServer, type TestServer } from '../helpers/server';
import { connect, stroke, synced, waitFor, type YClient } from '../helpers/yclient';
import { CLOSE_CODES, STROKES_KEY, YJS_PATH } from '../../lib/protocol';

function updateMessage(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  syncProtocol.writeUpdate(e, update);
  return encoding.toUint8Array(e);
}

/** Incremental updates of one client, each one stroke on top of the previous. */
function chain(count: number): Uint8Array[] {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  for (let i = 0; i < count; i++) doc.getArray(STROKES_KEY).push([stroke('sea')]);
  return updates;
}

/** The work one message can cost is bounded; other rooms and clients carry on. */
describe('bounded work per message', () => {
  let server: TestServer;
  const clients: YClient[] = [];
  const open = (roomId: string) => {
    const c = connect(server.wsUrl, roomId);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await server?.stop('SIGKILL');
  });

  it('refuses updates that depend on state the room lacks (the pending-struct flood) with missingState', async () => {
    const room = await createRoom(server.url);
    const good = open(room);
    await synced(good);
    // 50 updates whose first clock the room never saw, sent at once (within the rate limit).
    const flood = chain(51).slice(1);
    const closed = await new Promise<{ code: number; reason: string }>((resolve, reject) => {
      const ws = new WebSocket(`${server.wsUrl}${YJS_PATH}/${room}`);
      ws.on('open', () => flood.forEach((u) => ws.send(updateMessage(u))));
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
      ws.on('error', reject);
    });
    expect(closed.code).toBe(CLOSE_CODES.missingState);
    expect(closed.reason).toMatch(/^update depends on state the room lacks/);
    // Nothing of it reached the room, and the room still syncs promptly.
    const late = open(room);
    const t0 = Date.now();
    await synced(late);
    good.strokes.push([stroke('tree')]);
    await waitFor(() => late.strokes.length === 1, 5000, 'a stroke after the flood');
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(late.strokes.toArray().map((s) => s.label)).toEqual(['tree']);
  });

  it('accepts the same updates in order from a client that has the state', async () => {
    const room = await createRoom(server.url);
    const updates = chain(5);
    const ws = new WebSocket(`${server.wsUrl}${YJS_PATH}/${room}`);
    await new Promise((resolve) => ws.on('open', resolve));
    for (const u of updates) ws.send(updateMessage(u));
    const reader = open(room);
    await waitFor(() => reader.strokes.length === 5, 5000, 'five strokes in order');
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  });
});
