import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import * as awarenessProtocol from 'y-protocols/awareness';
import { createRoom, startServer, type TestServer } from '../helpers/server';
import { connect, stroke, synced, waitFor, type YClient } from '../helpers/yclient';
import { CLOSE_CODES, STROKES_KEY, YJS_PATH } from '../../lib/protocol';

function updateMessage(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  syncProtocol.writeUpdate(e, update);
  return encoding.toUint8Array(e);
}

const SEND_LIMIT = 1024 * 1024;

function message(type: number, write: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, type);
  write(e);
  return encoding.toUint8Array(e);
}

/** A presence update of `bytes` bytes for a fresh awareness client. */
function presence(bytes: number): { message: Uint8Array; clientId: number } {
  const awareness = new awarenessProtocol.Awareness(new Y.Doc());
  awareness.setLocalState({ user: { name: 'x', color: '#000000' }, pad: 'p'.repeat(bytes) });
  const update = awarenessProtocol.encodeAwarenessUpdate(awareness, [awareness.clientID]);
  return { message: message(1, (e) => encoding.writeVarUint8Array(e, update)), clientId: awareness.clientID };
}

function openRaw(url: string, options?: WebSocket.ClientOptions): Promise<WebSocket> {
  const ws = new WebSocket(url, options);
  ws.binaryType = 'nodebuffer';
  return new Promise((resolve, reject) => {
    ws.on('open', () => resolve(ws));
    ws.on('error', reject);
  });
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
    // A small send buffer limit and a fast heartbeat, so slow readers and dead peers show quickly.
    server = await startServer({ env: { SYNC_SEND_BUFFER_BYTES: String(SEND_LIMIT), HEARTBEAT_MS: '1500' } });
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

  it('answers repeated sync step 1 on one connection with an empty diff, not another copy of the room', async () => {
    const room = await createRoom(server.url);
    const writer = open(room);
    await synced(writer);
    const big = Array.from({ length: 400 }, (_, i) => i % 1000);
    for (let i = 0; i < 10; i++) writer.strokes.push(Array.from({ length: 20 }, () => stroke('sea', { points: big })));
    const reader = open(room);
    await waitFor(() => reader.strokes.length === 200, 10_000, 'the big room on another client');

    const ws = await openRaw(`${server.wsUrl}${YJS_PATH}/${room}`);
    const step2Sizes: number[] = [];
    ws.on('message', (data: Buffer) => {
      const d = decoding.createDecoder(new Uint8Array(data));
      if (decoding.readVarUint(d) === 0 && decoding.readVarUint(d) === syncProtocol.messageYjsSyncStep2) step2Sizes.push(data.length);
    });
    const step1 = message(0, (e) => syncProtocol.writeSyncStep1(e, new Y.Doc()));
    for (let i = 0; i < 20; i++) ws.send(step1);
    await waitFor(() => step2Sizes.length === 20, 5000, '20 step 2 replies');
    expect(step2Sizes[0]).toBeGreaterThan(200_000);
    expect(Math.max(...step2Sizes.slice(1))).toBeLessThan(100);
    ws.close();
  });

  it('closes a session that stops reading with slowReader once its send buffer passes the limit', async () => {
    const room = await createRoom(server.url);
    // Eight members with 15 KiB presence each (raw sockets, which read everything): every
    // presence query is answered with ~120 KiB.
    const members = await Promise.all(Array.from({ length: 8 }, () => openRaw(`${server.wsUrl}${YJS_PATH}/${room}`)));
    // Each member's view of the room's presence (members are admitted one per turn, so some
    // get the others' presence in their greeting, some as updates).
    const views = members.map((m) => {
      const view = new awarenessProtocol.Awareness(new Y.Doc());
      m.on('message', (data: Buffer) => {
        const d = decoding.createDecoder(new Uint8Array(data));
        if (decoding.readVarUint(d) === 1) awarenessProtocol.applyAwarenessUpdate(view, decoding.readVarUint8Array(d), null);
      });
      return view;
    });
    for (const m of members) m.send(presence(15_000).message);
    // Eight presences plus each view's own empty local state.
    await waitFor(() => views.every((v) => v.getStates().size === 8 + 1), 5000, 'the members presence');

    const reader = await openRaw(`${server.wsUrl}${YJS_PATH}/${room}`);
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      reader.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    // Stops reading, then asks for presence 200 times (~24 MiB of answers).
    const socket = (reader as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    const query = message(3, () => undefined);
    for (let i = 0; i < 200; i++) reader.send(query);
    await new Promise((r) => setTimeout(r, 800));
    socket.resume();
    expect(await closed).toEqual({ code: CLOSE_CODES.slowReader, reason: `not reading: over ${SEND_LIMIT} bytes waiting to be sent` });
    // The members that read stay; the room still syncs.
    expect(members.map((m) => m.readyState)).toEqual(members.map(() => WebSocket.OPEN));
    // (y-websocket clients echo every presence change they receive: a newcomer would echo the
    // members' 120 KiB of presence and be refused, so they leave first.)
    await Promise.all(members.map((m) => new Promise((resolve) => m.once('close', resolve).close())));
    const [a, b] = [open(room), open(room)];
    await Promise.all([synced(a), synced(b)]);
    a.strokes.push([stroke('sea')]);
    await waitFor(() => b.strokes.length === 1, 5000, 'a stroke after the slow reader');
  });

  it('drops a peer that stops answering pings, and its presence with it', async () => {
    const room = await createRoom(server.url);
    const watcher = open(room);
    await synced(watcher);
    const dead = await openRaw(`${server.wsUrl}${YJS_PATH}/${room}`, { autoPong: false });
    const { message: hello, clientId } = presence(10);
    dead.send(hello);
    await waitFor(() => watcher.provider.awareness.getStates().has(clientId), 5000, 'the peer presence');
    const t0 = Date.now();
    const gone = new Promise<number>((resolve) => dead.on('close', (code) => resolve(code)));
    await waitFor(() => !watcher.provider.awareness.getStates().has(clientId), 6000, 'the dead peer presence removed');
    // Two heartbeats at most: the ping it did not answer, then the drop.
    expect(Date.now() - t0).toBeLessThan(3500);
    expect(await gone).toBe(1006); // terminated: no close frame for a peer that is gone
    // A live client (it answers pings) stays.
    expect(watcher.provider.wsconnected).toBe(true);
  });
});
