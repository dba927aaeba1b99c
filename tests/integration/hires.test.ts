import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import sharp from 'sharp';
import { createRoom, startServer, type TestServer } from '../helpers/server';
import { connect, stroke, synced, type YClient } from '../helpers/yclient';
import { docVersion } from '../../lib/docVersion';
import { EVENTS, type HiresAck, type TakeAck } from '../../lib/events';
import type { HiresProgress } from '../../lib/protocol';

async function cookie(server: TestServer): Promise<string> {
  const res = await fetch(`${server.url}/api/me`);
  return res.headers.get('set-cookie')!.split(';')[0];
}

async function member(server: TestServer, roomId: string, withIdentity = true): Promise<{ socket: Socket; progress: HiresProgress[] }> {
  const headers = withIdentity ? { cookie: await cookie(server) } : undefined;
  const socket = io(server.url, { transports: ['websocket'], forceNew: true, extraHeaders: headers });
  const progress: HiresProgress[] = [];
  socket.on(EVENTS.hiresProgress, (p: HiresProgress) => progress.push(p));
  const reply = await new Promise((resolve) => socket.on('connect', () => socket.emit(EVENTS.join, roomId, resolve)));
  expect(reply).toEqual({ ok: true });
  return { socket, progress };
}

const ask = <A>(socket: Socket, event: string, payload: unknown) =>
  new Promise<A>((resolve) => socket.timeout(60_000).emit(event, payload, (_err: unknown, reply: A) => resolve(reply)));

describe('hi-res renders and takes on request', () => {
  let server: TestServer;
  let room: string;
  let version: number;
  const sockets: Socket[] = [];
  const clients: YClient[] = [];

  beforeAll(async () => {
    server = await startServer();
    room = await createRoom(server.url, true);
    const painter = connect(server.wsUrl, room);
    clients.push(painter);
    await synced(painter);
    painter.strokes.push([stroke('tree', { size: 120 })]);
    version = docVersion(painter.doc);
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    for (const c of clients) c.destroy();
    await server?.stop('SIGKILL');
  });

  it('renders a PNG at 512 and 1024 px of the current state, with progress to the one who asked', async () => {
    const asker = await member(server, room);
    const other = await member(server, room);
    sockets.push(asker.socket, other.socket);
    for (const size of [512, 1024]) {
      const reply = await ask<HiresAck>(asker.socket, EVENTS.hires, { size });
      if (!('ok' in reply)) throw new Error(reply.error);
      expect(reply.meta).toMatchObject({ roomId: room, version, width: size, height: size, mime: 'image/png' });
      const image = Buffer.from(reply.image as Uint8Array);
      expect(reply.meta.bytes).toBe(image.length);
      const decoded = await sharp(image).metadata();
      expect([decoded.format, decoded.width, decoded.height]).toEqual(['png', size, size]);
      // Not a blank image: the tree and the sky differ.
      const { data } = await sharp(image).raw().toBuffer({ resolveWithObject: true });
      let [low, high] = [255, 0];
      for (const v of data) [low, high] = [Math.min(low, v), Math.max(high, v)];
      expect(high - low).toBeGreaterThan(64);
    }
    expect(asker.progress.map((p) => `${p.size} ${p.state}`)).toEqual(
      expect.arrayContaining(['512 rendering', '1024 rendering', '1024 encoding']),
    );
    // The second 1024 estimate would come from the first; the first 512 had none yet.
    expect(asker.progress.find((p) => p.size === 512 && p.state === 'rendering')?.expectedMs).toBeNull();
    expect(other.progress).toEqual([]);
  });

  it('refuses a size it does not render, one at a time per member, and members without an identity', async () => {
    const asker = await member(server, room);
    const anonymous = await member(server, room, false);
    sockets.push(asker.socket, anonymous.socket);
    expect(await ask(asker.socket, EVENTS.hires, { size: 333 })).toMatchObject({ error: expect.stringMatching(/^bad request/) });
    expect(await ask(asker.socket, EVENTS.hires, 'huge')).toMatchObject({ error: expect.stringMatching(/^bad request/) });
    const [first, second] = await Promise.all([
      ask<HiresAck>(asker.socket, EVENTS.hires, { size: 512 }),
      ask<HiresAck>(asker.socket, EVENTS.hires, { size: 512 }),
    ]);
    expect('ok' in first).toBe(true);
    expect(second).toEqual({ error: 'your hi-res render is still running' });
    expect(await ask(anonymous.socket, EVENTS.hires, { size: 512 })).toEqual({ error: 'no identity: reload the page to get one' });
  });

  it('renders a saved scene as a PNG at 512 px over HTTP', async () => {
    const who = await cookie(server);
    const saved = await fetch(`${server.url}/api/rooms/${room}/scenes`, {
      method: 'POST',
      headers: { cookie: who, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Hi-res test' }),
    });
    expect(saved.status).toBe(201);
    const { id } = (await saved.json()) as { id: string };
    const res = await fetch(`${server.url}/api/scenes/${id}/hires/512`, { headers: { cookie: who } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename=".*-512px\.png"/);
    const decoded = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    expect([decoded.format, decoded.width, decoded.height]).toEqual(['png', 512, 512]);
    expect((await fetch(`${server.url}/api/scenes/${id}/hires/300`, { headers: { cookie: who } })).status).toBe(404);
    expect((await fetch(`${server.url}/api/scenes/NOPE/hires/512`)).status).toBe(400);
  });

  it('renders a take for the member who asked: the same seed gives the same picture, another seed another', async () => {
    const asker = await member(server, room);
    sockets.push(asker.socket);
    const take = async (seed: number) => {
      const reply = await ask<TakeAck>(asker.socket, EVENTS.take, { seed });
      if (!('ok' in reply)) throw new Error(reply.error);
      expect(reply.meta).toMatchObject({ roomId: room, version, seed, width: 256, height: 256, mime: 'image/webp' });
      return sharp(Buffer.from(reply.image as Uint8Array))
        .raw()
        .toBuffer();
    };
    const [a, again, b] = [await take(7), await take(7), await take(8)];
    expect(again.equals(a)).toBe(true);
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff += Math.abs(a[i] - b[i]);
    expect(diff / a.length).toBeGreaterThan(2);
    expect(await ask(asker.socket, EVENTS.take, { seed: 0 })).toMatchObject({ error: expect.stringMatching(/^bad request/) });
  });
});
