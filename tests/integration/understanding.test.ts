import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import sharp from 'sharp';
import { createRoom, startServer, type TestServer } from '../helpers/server';
import { connect, stroke, synced, type YClient } from '../helpers/yclient';
import { docVersion } from '../../lib/docVersion';
import { EVENTS } from '../../lib/events';
import type { FrameMeta } from '../../lib/protocol';
import { understandingReport } from '../../lib/understanding';

async function cookie(server: TestServer): Promise<string> {
  const res = await fetch(`${server.url}/api/me`);
  return res.headers.get('set-cookie')!.split(';')[0];
}

describe('did the model understand you (segmenter check of the latest full frame)', () => {
  let server: TestServer;
  let room: string;
  let viewer: Socket;
  let painter: YClient;
  let me: string;
  const check = (roomId: string, who = me) =>
    fetch(`${server.url}/api/rooms/${roomId}/understanding`, { method: 'POST', headers: { cookie: who } });

  beforeAll(async () => {
    server = await startServer();
    room = await createRoom(server.url, true);
    me = await cookie(server);
    painter = connect(server.wsUrl, room);
    await synced(painter);
    painter.strokes.push([stroke('sea', { size: 160, points: [0, 700, 1023, 700] })]);
    const version = docVersion(painter.doc);
    viewer = io(server.url, { transports: ['websocket'], forceNew: true, extraHeaders: { cookie: me } });
    const full = new Promise<void>((resolve) =>
      viewer.on(EVENTS.frame, (meta: FrameMeta) => {
        if (meta.quality === 'full' && meta.version === version) resolve();
      }),
    );
    await new Promise((resolve) => viewer.on('connect', () => viewer.emit(EVENTS.join, room, resolve)));
    await full;
  });
  afterAll(async () => {
    viewer?.disconnect();
    painter?.destroy();
    await server?.stop('SIGKILL');
  });

  it('labels the frame, scores each painted label and returns an overlay of the frame size', async () => {
    const res = await check(room);
    expect(res.status).toBe(200);
    const report = understandingReport.parse(await res.json());
    expect(report).toMatchObject({ roomId: room, version: docVersion(painter.doc), width: 256, height: 256 });
    const names = report.labels.map((l) => l.name);
    expect(names).toEqual(expect.arrayContaining(['sky', 'sea']));
    // the shipped model paints sky and a wide band of sea that a segmenter of real images recognises
    expect(report.labels.find((l) => l.name === 'sky')!.agreed).toBeGreaterThan(0.8);
    expect(report.labels.find((l) => l.name === 'sea')!.agreed).toBeGreaterThan(0.5);
    expect(report.agreement).toBeGreaterThan(0.5);
    expect(report.agreement).toBeLessThan(1); // the procedural starter scene has small objects it misses
    const overlay = await sharp(Buffer.from(report.overlay.split(',')[1], 'base64')).metadata();
    expect([overlay.format, overlay.width, overlay.height, overlay.channels]).toEqual(['png', 256, 256, 4]);
    expect(report.ms.segmenter).toBeGreaterThan(0);
  });

  it('refuses malformed and unloaded rooms, and a person checking too often', async () => {
    expect((await check('..%2F..')).status).toBe(400);
    const empty = await createRoom(server.url, false);
    const unloaded = await check(empty);
    expect(unloaded.status).toBe(409);
    expect(((await unloaded.json()) as { error: string }).error).toMatch(/open it/);
    const someone = await cookie(server);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await check(room, someone)).status);
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses).toContain(429);
  });
});
