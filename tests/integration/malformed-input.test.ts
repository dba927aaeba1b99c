import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { io, type Socket } from 'socket.io-client';
import { FEED_EVENT_BURST } from '../../server/limits/socketLimits';
import { createRoom, startServer, type TestServer } from '../helpers/server';
import { connect, stroke, synced, waitFor, type YClient } from '../helpers/yclient';
import { rawRequest, upgradeRequest } from '../helpers/rawHttp';
import { CLOSE_CODES, YJS_PATH } from '../../lib/protocol';
import { EVENTS } from '../../lib/events';

const BAD_COOKIE = 'x=%ZZ';

/**
 * One malformed input per entry point (HTTP, upgrade, socket.io handshake and events, the Yjs
 * pipeline); after each, the server must still be alive and serve another client.
 */
describe('malformed input is refused on its own connection', () => {
  let server: TestServer;
  const clients: YClient[] = [];
  const sockets: Socket[] = [];

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    for (const s of sockets) s.disconnect();
    await server?.stop('SIGKILL');
  });

  /** Another client still gets a room made and a stroke synced between two Yjs clients. */
  async function stillServes(): Promise<void> {
    expect(server.process.exitCode).toBeNull();
    const room = await createRoom(server.url);
    const a = connect(server.wsUrl, room);
    const b = connect(server.wsUrl, room);
    clients.push(a, b);
    await Promise.all([synced(a), synced(b)]);
    a.strokes.push([stroke('sea')]);
    await waitFor(() => b.strokes.length === 1, 5000, 'a stroke from another client');
  }

  function feed(headers: Record<string, string> = {}): Socket {
    const socket = io(server.url, { transports: ['websocket'], forceNew: true, reconnection: false, extraHeaders: headers });
    sockets.push(socket);
    return socket;
  }

  it('HTTP: a malformed cookie is ignored (an identity is issued), a malformed path or target is 400', async () => {
    const me = await fetch(`${server.url}/api/me`, { headers: { cookie: BAD_COOKIE } });
    expect(me.status).toBe(200);
    const setCookie = me.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^spade_uid=/);
    // The stray cookie next to a valid identity keeps that identity.
    const id = ((await me.json()) as { id: string }).id;
    const again = await fetch(`${server.url}/api/me`, { headers: { cookie: `${BAD_COOKIE}; ${setCookie.split(';')[0]}` } });
    expect(((await again.json()) as { id: string }).id).toBe(id);
    // A page (NO_UI: 404, not 500) still gets its cookie.
    const page = await fetch(`${server.url}/r/abc`, { headers: { cookie: BAD_COOKIE } });
    expect(page.status).toBe(404);
    expect(page.headers.get('set-cookie')).toMatch(/^spade_uid=/);

    const badPath = await fetch(`${server.url}/api/rooms/%ZZ`);
    expect(badPath.status).toBe(400);
    expect(await badPath.json()).toEqual({ error: 'malformed percent-encoding in the path' });
    const badTarget = await rawRequest(server.port, 'GET // HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(badTarget).toMatch(/^HTTP\/1\.1 400/);
    await stillServes();
  });

  it('upgrade: /yjs/%ZZ is closed as an unknown room, a target that is no URL is answered 400', async () => {
    const closed = await new Promise<{ code: number; reason: string }>((resolve, reject) => {
      const ws = new WebSocket(`${server.wsUrl}${YJS_PATH}/%ZZ`);
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
      ws.on('error', reject);
    });
    expect(closed).toEqual({ code: CLOSE_CODES.unknownRoom, reason: 'no such room' });
    expect(await rawRequest(server.port, upgradeRequest('//'))).toMatch(/^HTTP\/1\.1 400 Bad Request[\s\S]*malformed request target/);
    expect(await rawRequest(server.port, upgradeRequest('/elsewhere'))).toMatch(/^HTTP\/1\.1 404/);
    await stillServes();
  });

  it('socket.io handshake: a malformed cookie connects without an identity and can join a room', async () => {
    const room = await createRoom(server.url);
    const socket = feed({ cookie: BAD_COOKIE });
    await new Promise<void>((resolve, reject) => {
      socket.on('connect', resolve);
      socket.on('connect_error', reject);
    });
    expect(await socket.emitWithAck(EVENTS.join, room)).toEqual({ ok: true });
    // No identity on this socket: votes are refused with a reason, not an exception.
    expect(await socket.emitWithAck(EVENTS.propose, { styleId: 'x' })).toEqual({ error: 'no identity: reload the page to get one' });
    await stillServes();
  });

  it('socket.io events: malformed payloads and unknown events get an error ack or nothing', async () => {
    const socket = feed();
    await new Promise<void>((resolve) => socket.on('connect', resolve));
    expect(await socket.emitWithAck(EVENTS.join, { $gt: '' })).toEqual({ error: 'malformed room id' });
    expect(await socket.emitWithAck(EVENTS.vote, null)).toEqual({ error: 'join a room first' });
    socket.emit(EVENTS.join, 'x'.repeat(100_000)); // no ack function
    socket.emit('no-such-event', Buffer.alloc(10_000));
    socket.emit(EVENTS.voteState, 42);
    const room = await createRoom(server.url);
    expect(await socket.emitWithAck(EVENTS.join, room)).toEqual({ ok: true });
    const vote = (await socket.emitWithAck(EVENTS.vote, { roundId: ['a'], candidateId: { toString: 1 } })) as { error: string };
    expect(vote.error).toEqual(expect.any(String));
    expect(socket.connected).toBe(true);
    await stillServes();
  });

  it('socket.io events: a connection flooding requests past its limit is disconnected', async () => {
    const socket = feed();
    await new Promise<void>((resolve) => socket.on('connect', resolve));
    const gone = new Promise<string>((resolve) => socket.on('disconnect', resolve));
    for (let i = 0; i < FEED_EVENT_BURST * 4; i++) socket.emit(EVENTS.voteState, i);
    expect(await gone).toBe('io server disconnect');
    await stillServes();
  });

  it('Yjs pipeline: garbage frames close only that socket with invalidMessage', async () => {
    const room = await createRoom(server.url);
    const closes = await Promise.all(
      [
        Buffer.from([0xff, 0xff, 0xff]),
        Buffer.from([0, 2, 0xff, 0xff, 0xff, 0xff, 0x0f]),
        Buffer.from([0, 1, 5, 1, 2]),
        Buffer.alloc(0),
      ].map(
        (frame) =>
          new Promise<number>((resolve, reject) => {
            const ws = new WebSocket(`${server.wsUrl}${YJS_PATH}/${room}`);
            ws.on('open', () => ws.send(frame));
            ws.on('close', (code) => resolve(code));
            ws.on('error', reject);
          }),
      ),
    );
    expect(closes).toEqual(closes.map(() => CLOSE_CODES.invalidMessage));
    await stillServes();
  });
});
