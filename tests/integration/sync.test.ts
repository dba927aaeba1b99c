import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import { createRoom, startServer, type TestServer } from '../helpers/server';
import { connect, stroke, synced, waitFor, type YClient } from '../helpers/yclient';
import { CLOSE_CODES, STROKES_KEY, YJS_PATH } from '../../lib/protocol';

/** Opens a raw websocket to a room and resolves with how the server closed it. */
function rawClose(server: TestServer, roomId: string, send: (ws: WebSocket) => void): Promise<{ code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${server.wsUrl}${YJS_PATH}/${roomId}`);
    ws.on('open', () => send(ws));
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    ws.on('error', reject);
  });
}

function updateMessage(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  syncProtocol.writeUpdate(e, update);
  return encoding.toUint8Array(e);
}

describe('co-painting rooms over the real server', () => {
  let server: TestServer;
  const clients: YClient[] = [];
  const open = (roomId: string, options?: { reconnect?: boolean }) => {
    const c = connect(server.wsUrl, roomId, options);
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

  it('syncs strokes between two clients in both directions', async () => {
    const room = await createRoom(server.url);
    const a = open(room);
    const b = open(room);
    await Promise.all([synced(a), synced(b)]);
    a.strokes.push([stroke('sea')]);
    b.strokes.push([stroke('tree')]);
    await waitFor(() => a.strokes.length === 2 && b.strokes.length === 2, 5000, 'both strokes on both clients');
    expect(a.strokes.toJSON()).toEqual(b.strokes.toJSON());
  });

  it('starts a room from the starter scene when asked', async () => {
    const room = await createRoom(server.url, true);
    const a = open(room);
    await synced(a);
    expect(a.strokes.length).toBeGreaterThan(5);
  });

  it('refuses unknown rooms', async () => {
    const closed = await rawClose(server, 'NoSuchRoom123456', () => undefined);
    expect(closed.code).toBe(CLOSE_CODES.unknownRoom);
  });

  it('refuses garbage, invalid strokes and oversized updates while a good client keeps syncing', async () => {
    const room = await createRoom(server.url);
    const good = open(room);
    const watcher = open(room);
    await Promise.all([synced(good), synced(watcher)]);

    const garbage = await rawClose(server, room, (ws) => ws.send(Buffer.from([0, 2, 200, 1, 2, 3])));
    expect(garbage.code).toBe(CLOSE_CODES.invalidMessage);
    expect(garbage.reason).toMatch(/malformed/);

    const bad = new Y.Doc();
    bad.getArray(STROKES_KEY).push([{ ...stroke('lava') }]);
    const unknownLabel = await rawClose(server, room, (ws) => ws.send(updateMessage(Y.encodeStateAsUpdate(bad))));
    expect(unknownLabel.code).toBe(CLOSE_CODES.invalidMessage);
    expect(unknownLabel.reason).toMatch(/label/);

    const mapDoc = new Y.Doc();
    mapDoc.getMap('strokes-but-a-map').set('x', 1);
    const wrongType = await rawClose(server, room, (ws) => ws.send(updateMessage(Y.encodeStateAsUpdate(mapDoc))));
    expect(wrongType.code).toBe(CLOSE_CODES.invalidMessage);

    const huge = new Y.Doc();
    const points = Array.from({ length: 4200 }, (_, i) => i % 1000);
    huge.getArray(STROKES_KEY).push([{ ...stroke('sea'), points }]);
    const tooMany = await rawClose(server, room, (ws) => ws.send(updateMessage(Y.encodeStateAsUpdate(huge))));
    expect(tooMany.code).toBe(CLOSE_CODES.invalidMessage);
    expect(tooMany.reason).toMatch(/points/);

    const big = new Y.Doc();
    big
      .getArray(STROKES_KEY)
      .push(Array.from({ length: 400 }, () => ({ ...stroke('sea'), points: Array.from({ length: 400 }, (_, i) => (i * 7) % 1000) })));
    const oversized = await rawClose(server, room, (ws) => ws.send(updateMessage(Y.encodeStateAsUpdate(big))));
    expect(oversized.code).toBe(1009); // ws refuses frames over maxPayload before they are parsed

    const flood = await rawClose(server, room, (ws) => {
      const ping = Buffer.from([3]); // query awareness: harmless alone, a flood is not
      for (let i = 0; i < 400; i++) ws.send(ping);
    });
    expect(flood.code).toBe(CLOSE_CODES.rateLimited);

    // The room carried on: the good client still syncs, nothing bad got in.
    good.strokes.push([stroke('grass')]);
    await waitFor(() => watcher.strokes.length === 1, 5000, 'good stroke to reach the watcher');
    expect(watcher.strokes.get(0).label).toBe('grass');
    expect(good.closes).toEqual([]);
  });
});

describe('persistence across restarts', () => {
  it('keeps every stroke after SIGKILL and after SIGTERM', async () => {
    let server = await startServer();
    const room = await createRoom(server.url);
    const a = connect(server.wsUrl, room, { reconnect: false });
    await synced(a);
    for (let i = 0; i < 20; i++) a.strokes.push([stroke(i % 2 ? 'sea' : 'mountain')]);
    const written = a.strokes.toJSON();
    // The server persists within PERSIST_FLUSH_MS (100 ms by default): wait past it, then kill -9.
    await new Promise((r) => setTimeout(r, 400));
    await server.stop('SIGKILL');
    a.destroy();

    server = await startServer({ dbUrl: server.dbUrl, port: server.port });
    const b = connect(server.wsUrl, room, { reconnect: false });
    await synced(b);
    expect(b.strokes.toJSON()).toEqual(written);

    // SIGTERM flushes what is pending: only give the update time to cross loopback, far less than the flush bound.
    b.strokes.push([stroke('snow')]);
    await new Promise((r) => setTimeout(r, 30));
    await server.stop('SIGTERM');
    b.destroy();
    server = await startServer({ dbUrl: server.dbUrl, port: server.port });
    const c = connect(server.wsUrl, room, { reconnect: false });
    await synced(c);
    expect(c.strokes.length).toBe(21);
    c.destroy();
    await server.stop('SIGKILL');
  });
});
