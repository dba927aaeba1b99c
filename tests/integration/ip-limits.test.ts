import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { io } from 'socket.io-client';
import { startServer, type TestServer } from '../helpers/server';
import { YJS_PATH } from '../../lib/protocol';

/** Per-address limits: a fresh cookie per request no longer buys a fresh allowance. */
describe('per-address limits', () => {
  let server: TestServer;
  const rooms: string[] = [];

  beforeAll(async () => {
    server = await startServer({
      env: { IP_IDENTITIES_PER_MINUTE: '5', IP_ROOMS_PER_MINUTE: '3', IP_UPLOADS_PER_MINUTE: '2', IP_MAX_SOCKETS: '4' },
    });
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
  });

  const post = (path: string, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', ...init });

  it('mints a few identities per address, then answers 429; existing identities still work', async () => {
    const cookies: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${server.url}/api/me`);
      expect(res.status).toBe(200);
      cookies.push(res.headers.get('set-cookie')!.split(';')[0]);
    }
    const over = await fetch(`${server.url}/api/me`);
    expect(over.status).toBe(429);
    expect(await over.json()).toEqual({ error: 'too many new identities from this address: try again in a minute' });
    // Pages mint too (NO_UI answers 404 after the cookie step): refused the same way.
    expect((await fetch(`${server.url}/some-page`)).status).toBe(429);
    expect((await fetch(`${server.url}/api/me`, { headers: { cookie: cookies[0] } })).status).toBe(200);

    // Uploads: two per address, whichever identity sends them (each alone would be allowed three).
    const room = await (await post('/api/rooms')).json();
    rooms.push((room as { id: string }).id);
    const upload = (cookie: string) =>
      post(`/api/rooms/${rooms[0]}/styles/upload`, { headers: { cookie, 'content-type': 'image/png' }, body: 'not a png' });
    expect((await upload(cookies[1])).status).not.toBe(429);
    expect((await upload(cookies[2])).status).not.toBe(429);
    const third = await upload(cookies[3]);
    expect(third.status).toBe(429);
  });

  it('creates a few rooms per address, then answers 429', async () => {
    for (let i = rooms.length; i < 3; i++) {
      const res = await post('/api/rooms');
      expect(res.status).toBe(201);
      rooms.push(((await res.json()) as { id: string }).id);
    }
    const over = await post('/api/rooms');
    expect(over.status).toBe(429);
    expect(await over.json()).toEqual({ error: 'too many new rooms from this address: try again in a minute' });
  });

  it('counts open Yjs and socket.io connections per address; a closed one frees its place', async () => {
    const url = `${server.wsUrl}${YJS_PATH}/${rooms[0]}`;
    const open = await Promise.all(
      Array.from(
        { length: 4 },
        () =>
          new Promise<WebSocket>((resolve) =>
            new WebSocket(url).once('open', function (this: WebSocket) {
              resolve(this);
            }),
          ),
      ),
    );
    const refused = await new Promise<number>((resolve) =>
      new WebSocket(url).once('unexpected-response', (_req, res) => resolve(res.statusCode!)),
    );
    expect(refused).toBe(429);
    const feed = io(server.url, { transports: ['websocket'], forceNew: true, reconnection: false });
    expect(await new Promise<string>((resolve) => feed.once('connect_error', (e) => resolve(e.message)))).toBe(
      'too many connections from this address',
    );
    await new Promise((resolve) => open[0].once('close', resolve).close());
    const again = io(server.url, { transports: ['websocket'], forceNew: true, reconnection: false });
    await new Promise<void>((resolve, reject) => again.once('connect', resolve).once('connect_error', reject));
    again.disconnect();
    for (const ws of open.slice(1)) ws.close();
  });
});
