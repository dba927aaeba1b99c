// socket.io across instances through @socket.io/redis-adapter on a real redis-server: an emit
// to a room on one server reaches that room's client on another, binary frames byte for byte.
import http from 'node:http';
import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Server } from 'socket.io';
import { io as connectClient, type Socket } from 'socket.io-client';
import { redisServerBin, startRedis, type RedisServer } from '../helpers/redis';
import { log as serverLog } from '../../server/log';
import { useRedisAdapter } from '../../server/cluster/socketAdapter';

const log = serverLog.child({}, { level: 'silent' });
const inCI = process.env.CI === 'true' || process.env.CI === '1';

async function instance(url: string) {
  const server = http.createServer();
  const io = new Server(server, { maxHttpBufferSize: 4e6 });
  io.on('connection', (socket) => void socket.join(String(socket.handshake.query.room)));
  const adapter = await useRedisAdapter(io, url, log);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    io,
    url: `http://127.0.0.1:${port}`,
    async close() {
      await io.close();
      await adapter.close();
    },
  };
}

describe.skipIf(!redisServerBin() && !inCI)('socket.io Redis adapter', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it("a room's emit on one instance reaches the room's client on another, binary intact", async () => {
    const [a, b] = [await instance(redis.url), await instance(redis.url)];
    const clients: Socket[] = [];
    try {
      const watcher = connectClient(b.url, { transports: ['websocket'], query: { room: 'room-1' }, forceNew: true });
      const other = connectClient(b.url, { transports: ['websocket'], query: { room: 'room-2' }, forceNew: true });
      clients.push(watcher, other);
      await Promise.all(clients.map((c) => new Promise((resolve) => c.on('connect', () => resolve(undefined)))));
      const elsewhere: unknown[] = [];
      other.on('frame', (meta: unknown) => elsewhere.push(meta));
      const frame = Buffer.from(Array.from({ length: 40_000 }, (_, i) => (i * 7) % 256));
      const received = new Promise<[unknown, Buffer]>((resolve) =>
        watcher.on('frame', (meta: unknown, bytes: Buffer) => resolve([meta, bytes])),
      );
      // b's adapter subscribes to Redis asynchronously: emit until its subscription is live.
      const timer = setInterval(() => a.io.to('room-1').emit('frame', { version: 3 }, frame), 50);
      const [meta, bytes] = await received.finally(() => clearInterval(timer));
      expect(meta).toEqual({ version: 3 });
      expect(Buffer.from(bytes).equals(frame)).toBe(true);
      expect(elsewhere).toEqual([]);
    } finally {
      for (const c of clients) c.disconnect();
      await a.close();
      await b.close();
    }
  });
});
