import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import sharp from 'sharp';
import { createRoom, startServer, type TestServer } from '../helpers/server';
import { connect, stroke, synced, waitFor, type YClient } from '../helpers/yclient';
import { docVersion } from '../../lib/docVersion';
import type { FrameMeta } from '../../lib/protocol';
import { EVENTS } from '../../lib/events';

interface Watcher {
  socket: Socket;
  frames: Array<{ meta: FrameMeta; bytes: Buffer }>;
}

async function watch(server: TestServer, roomId: string): Promise<Watcher> {
  const socket = io(server.url, { transports: ['websocket'], forceNew: true });
  const frames: Watcher['frames'] = [];
  socket.on(EVENTS.frame, (meta: FrameMeta, bytes: Buffer) => frames.push({ meta, bytes }));
  const reply = await new Promise<{ ok?: boolean; error?: string }>((resolve) =>
    socket.on('connect', () => socket.emit(EVENTS.join, roomId, resolve)),
  );
  expect(reply).toEqual({ ok: true });
  return { socket, frames };
}

describe('full-quality render over socket.io', () => {
  let server: TestServer;
  const sockets: Socket[] = [];
  const clients: YClient[] = [];

  beforeAll(async () => {
    // CUDA is asked for first on a machine that has none: the server must fall back to CPU.
    server = await startServer({ env: { RENDER_PROVIDERS: 'cuda,cpu', LOG_LEVEL: 'info' } });
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    for (const c of clients) c.destroy();
    await server?.stop('SIGKILL');
  });

  it('falls back from CUDA to CPU with a logged warning', () => {
    expect(server.output()).toMatch(/execution provider \\?"cuda\\?" unavailable/);
    expect(server.output()).toMatch(/"provider":"cpu".*generator loaded and warmed up/);
  });

  it('pushes a frame of the current document version to everyone in the room', async () => {
    const room = await createRoom(server.url, true);
    const [a, b] = [await watch(server, room), await watch(server, room)];
    sockets.push(a.socket, b.socket);
    const painter = connect(server.wsUrl, room);
    clients.push(painter);
    await synced(painter);
    painter.strokes.push([stroke('tree', { size: 120 })]);
    const version = docVersion(painter.doc);
    // A draft (only while other rooms wait for the renderer) is always followed by a full frame.
    const hasCurrent = (w: Watcher) => w.frames.some((f) => f.meta.version === version && f.meta.quality === 'full');
    await waitFor(() => hasCurrent(a) && hasCurrent(b), 20_000, 'a full frame of the latest version on both clients');

    const frame = a.frames.find((f) => f.meta.version === version)!;
    expect(frame.meta).toMatchObject({ roomId: room, width: 256, height: 256, mime: 'image/webp', bytes: frame.bytes.length });
    expect(frame.meta.renderMs).toBeGreaterThan(0);
    const decoded = await sharp(frame.bytes).metadata();
    expect([decoded.format, decoded.width, decoded.height]).toEqual(['webp', 256, 256]);

    // A client that joins later gets the latest frame at once.
    const late = await watch(server, room);
    sockets.push(late.socket);
    await waitFor(() => hasCurrent(late), 5000, 'latest frame for a late joiner');
  });

  it('refuses to join a room that does not exist', async () => {
    const socket = io(server.url, { transports: ['websocket'], forceNew: true });
    sockets.push(socket);
    const reply = await new Promise((resolve) => socket.on('connect', () => socket.emit(EVENTS.join, 'NoSuchRoom123456', resolve)));
    expect(reply).toEqual({ error: 'no such room' });
  });
});
