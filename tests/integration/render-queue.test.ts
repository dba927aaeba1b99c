// Render workers behind the BullMQ queue on a throwaway redis-server: frames reach the room
// through a worker process, a worker killed mid-job leaves its job to the other one, and a room
// never has two jobs at once. Without Debian's redis-server this fails under CI (CI=true, as
// .ci/run sets it) with the package's name, and is skipped elsewhere.
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Job, Queue, QueueEvents } from 'bullmq';
import { io, type Socket } from 'socket.io-client';
import { createRoom, startServer, type TestServer } from '../helpers/server';
import { connect, stroke, synced, waitFor, type YClient } from '../helpers/yclient';
import { redisServerBin, requireRedisServer, startRedis, type RedisServer } from '../helpers/redis';
import { startWorker, type TestWorker } from '../helpers/worker';
import { aptInstalled } from '../helpers/pythonDeps';
import { docVersion } from '../../lib/docVersion';
import { EVENTS } from '../../lib/events';
import type { FrameMeta } from '../../lib/protocol';
import { log as serverLog } from '../../server/log';
import { ModelRegistry } from '../../server/models/modelRegistry';
import { QueueRenderer } from '../../server/render/queue/queueRenderer';
import { RenderWorker } from '../../server/render/queue/renderWorker';
import type { FrameRenderer, RenderRequest } from '../../server/render/renderer';

const inCI = process.env.CI === 'true' || process.env.CI === '1';
const hasRedis = redisServerBin() !== null;
const QUEUE = 'spade-render';
const log = serverLog.child({}, { level: 'error' });

it('redis-server is installed where CI runs the render queue tests, and .ci/run installs it', () => {
  expect(aptInstalled()).toContain('redis-server');
  if (inCI) expect(requireRedisServer()).toBeTruthy();
});

interface Watcher {
  socket: Socket;
  frames: FrameMeta[];
}

async function watch(server: TestServer, roomId: string): Promise<Watcher> {
  const socket = io(server.url, { transports: ['websocket'], forceNew: true });
  const frames: FrameMeta[] = [];
  socket.on(EVENTS.frame, (meta: FrameMeta) => frames.push(meta));
  const reply = await new Promise((resolve) => socket.on('connect', () => socket.emit(EVENTS.join, roomId, resolve)));
  expect(reply).toEqual({ ok: true });
  return { socket, frames };
}

const hasFull = (w: Watcher, version: number) => w.frames.some((f) => f.version === version && f.quality === 'full');

describe.skipIf(!hasRedis)('render workers through the queue', () => {
  let redis: RedisServer;
  let server: TestServer;
  let workers: TestWorker[] = [];
  let events: QueueEvents;
  let queue: Queue;
  const sockets: Socket[] = [];
  const clients: YClient[] = [];
  // A short lock so a killed worker's job is taken by the other within seconds.
  const workerEnv = { RENDER_LOCK_MS: '2000', LOG_LEVEL: 'debug' };

  beforeAll(async () => {
    redis = await startRedis();
    // Two render jobs in flight across rooms: one per worker.
    server = await startServer({ env: { REDIS_URL: redis.url, ROLE: 'sync', LOG_LEVEL: 'info', RENDER_CONCURRENCY: '2' } });
    workers = await Promise.all([startWorker(redis.url, workerEnv), startWorker(redis.url, workerEnv)]);
    queue = new Queue(QUEUE, { connection: { url: redis.url } });
    events = new QueueEvents(QUEUE, { connection: { url: redis.url } });
    // The last test stops Redis: reconnection errors from here on are expected.
    queue.on('error', () => undefined);
    events.on('error', () => undefined);
    await events.waitUntilReady();
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    for (const c of clients) c.destroy();
    await events?.close();
    await queue?.close();
    await server?.stop('SIGKILL');
    for (const w of workers) await w.stop('SIGKILL');
    await redis?.stop();
  });

  /** A new room with a watcher and a synced painter (closed in afterAll). */
  const watchedRoom = async () => {
    const room = await createRoom(server.url, true);
    const watcher = await watch(server, room);
    sockets.push(watcher.socket);
    const painter = connect(server.wsUrl, room);
    clients.push(painter);
    await synced(painter);
    return { room, watcher, painter };
  };

  it('a frame of the latest version arrives through a worker process; the sync instance loads no generator', async () => {
    const { room, watcher, painter } = await watchedRoom();
    painter.strokes.push([stroke('tree', { size: 120 })]);
    const version = docVersion(painter.doc);
    await waitFor(() => hasFull(watcher, version), 30_000, 'a full frame of the latest version');
    const frame = watcher.frames.find((f) => f.version === version)!;
    expect(frame).toMatchObject({ roomId: room, width: 256, height: 256, mime: 'image/webp' });
    expect(server.output()).toContain('rendering through the render queue');
    expect(server.output()).not.toContain('generator loaded and warmed up');
    expect(workers.some((w) => w.output().includes(room) && w.output().includes('"msg":"rendered"'))).toBe(true);
  });

  it('drafts under load: rooms painting at once get drafts while others render, then each its full frame', async () => {
    const rooms = await Promise.all([0, 1, 2, 3].map(() => createRoom(server.url, true)));
    const watchers = await Promise.all(rooms.map((room) => watch(server, room)));
    sockets.push(...watchers.map((w) => w.socket));
    const painters = rooms.map((room) => connect(server.wsUrl, room));
    clients.push(...painters);
    await Promise.all(painters.map(synced));
    painters.forEach((p, i) => p.strokes.push([stroke(['sea', 'tree', 'mountain', 'grass'][i], { size: 100 })]));
    const versions = painters.map((p) => docVersion(p.doc));
    await waitFor(() => watchers.every((w, i) => hasFull(w, versions[i])), 60_000, 'a full frame of every room');
    expect(watchers.some((w) => w.frames.some((f) => f.quality === 'draft'))).toBe(true);
  });

  it('a worker killed mid-job: the other worker takes the job and the room gets its latest frame', async () => {
    const { watcher, painter } = await watchedRoom();

    // The first job to go active is killed with its worker, while it renders.
    const killed = new Promise<{ jobId: string; worker: TestWorker }>((resolve) => {
      const onActive = ({ jobId }: { jobId: string }) => {
        events.off('active', onActive);
        void Job.fromId(queue, jobId).then((job) => {
          const worker = workers.find((w) => job?.processedBy === `${os.hostname()}/${w.pid}`)!;
          worker.process.kill('SIGKILL');
          resolve({ jobId, worker });
        });
      };
      events.on('active', onActive);
    });
    const stalled: string[] = [];
    events.on('stalled', ({ jobId }) => stalled.push(jobId));
    painter.strokes.push([stroke('sea', { size: 90 })]);
    const { jobId, worker } = await killed;
    // Edits while the job waits for a worker: the latest state still renders after it.
    painter.strokes.push([stroke('mountain', { size: 60 })]);
    const version = docVersion(painter.doc);

    await waitFor(() => stalled.includes(jobId), 20_000, "the killed worker's job found stalled and queued again");
    await waitFor(() => hasFull(watcher, version), 30_000, 'a full frame of the latest version through the other worker');
    expect(worker.process.signalCode).toBe('SIGKILL');
    const survivor = workers.find((w) => w !== worker)!;
    expect(survivor.output()).toContain(`"job":"${jobId}"`);
  });

  it('readiness names Redis: ready while it answers, 503 once it is gone (last: it stops Redis)', async () => {
    const ready = await fetch(`${server.url}/api/ready`);
    expect([ready.status, await ready.json()]).toEqual([200, { ok: true, checks: { database: 'ok', redis: 'ok' } }]);
    await redis.stop();
    const down = await fetch(`${server.url}/api/ready`);
    const body = (await down.json()) as { ok: boolean; checks: Record<string, string> };
    expect([down.status, body.ok, body.checks.database]).toEqual([503, false, 'ok']);
    expect(body.checks.redis).not.toBe('ok');
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
  });
});

/** Holds every render until released; records how many renders of each room run at once. */
class HeldRenderer implements FrameRenderer {
  readonly started: RenderRequest[] = [];
  readonly running = new Map<string, number>();
  maxPerRoom = 0;
  maxTotal = 0;
  private releases: Array<() => void> = [];

  async start(): Promise<void> {}
  failure(): null {
    return null;
  }
  async render(request: RenderRequest) {
    this.started.push(request);
    this.running.set(request.roomId, (this.running.get(request.roomId) ?? 0) + 1);
    this.maxPerRoom = Math.max(this.maxPerRoom, ...this.running.values());
    this.maxTotal = Math.max(
      this.maxTotal,
      [...this.running.values()].reduce((a, b) => a + b, 0),
    );
    await new Promise<void>((resolve) => this.releases.push(resolve));
    this.running.set(request.roomId, this.running.get(request.roomId)! - 1);
    return { bytes: Buffer.from(`v${request.version}`), quality: request.quality };
  }
  release(): void {
    const releases = this.releases;
    this.releases = [];
    for (const r of releases) r();
  }
  async close(): Promise<void> {}
}

describe.skipIf(!hasRedis)('one render job per room', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('two sync instances rendering one room: one job at a time, the newer state after the older; other rooms in parallel', async () => {
    const models = new ModelRegistry(new URL('../../models', import.meta.url).pathname, log);
    const model = models.require(models.defaultId);
    const [w, h] = model.size;
    const request = (roomId: string, version: number): RenderRequest => ({
      roomId,
      modelId: model.id,
      version,
      labels: new Uint8Array(w * h),
      z: new Float32Array(model.zDim),
      quality: 'full',
      format: 'webp',
    });
    const options = { url: redis.url, queueName: 'dedup', timeoutMs: 30_000 };
    const [a, b] = [new QueueRenderer(options, log), new QueueRenderer(options, log)];
    await Promise.all([a.start(), b.start()]);
    const queue = new Queue('dedup', { connection: { url: redis.url } });
    const held = new HeldRenderer();
    const worker = new RenderWorker({ models, renderer: held, log }, { url: redis.url, queueName: 'dedup', concurrency: 4, lockMs: 5000 });
    try {
      const first = a.render(request('room-1', 1));
      await waitForAsync(async () => (await queue.getJobCounts('wait')).wait === 1, "room-1's first job queued");
      const second = b.render(request('room-1', 2));
      const other = b.render(request('room-2', 1));
      // Before any worker runs: room-1 has one job although two instances asked, room-2 its own.
      await waitForAsync(async () => (await queue.getJobCounts('wait')).wait === 2, 'two waiting jobs');
      expect((await queue.getWaiting()).map((j) => (j.data as { roomId: string }).roomId).sort()).toEqual(['room-1', 'room-2']);

      await worker.start();
      await waitForAsync(async () => held.started.length === 2, 'the first jobs of both rooms running');
      expect(held.maxPerRoom).toBe(1);
      expect(held.maxTotal).toBe(2);
      held.release();
      expect((await first).bytes.toString()).toBe('v1');
      expect((await other).bytes.toString()).toBe('v1');
      // room-1's newer state is queued once the older job is done, and renders after it.
      await waitForAsync(async () => held.started.length === 3, "room-1's second job running");
      held.release();
      expect((await second).bytes.toString()).toBe('v2');
      expect(held.started.map((r) => `${r.roomId}@${r.version}`)).toEqual(expect.arrayContaining(['room-1@1', 'room-2@1']));
      expect(held.started[2]).toMatchObject({ roomId: 'room-1', version: 2 });
      expect(held.maxPerRoom).toBe(1);
    } finally {
      held.release();
      await worker.close();
      await Promise.all([a.close(), b.close(), queue.close()]);
    }
  });

  it('a malformed job fails for good with the reason, and the worker keeps taking jobs', async () => {
    const models = new ModelRegistry(new URL('../../models', import.meta.url).pathname, log);
    const queue = new Queue('malformed', { connection: { url: redis.url } });
    const events = new QueueEvents('malformed', { connection: { url: redis.url } });
    await events.waitUntilReady();
    const held = new HeldRenderer();
    const worker = new RenderWorker(
      { models, renderer: held, log },
      { url: redis.url, queueName: 'malformed', concurrency: 1, lockMs: 5000 },
    );
    await worker.start();
    try {
      // Three attempts allowed: an unrecoverable failure uses one.
      const bad = await queue.add('render', { roomId: 'r', modelId: 'no such model!', labels: 42 }, { attempts: 3 });
      await expect(bad.waitUntilFinished(events, 20_000)).rejects.toThrow(/malformed render job/);
      const unknown = await queue.add('render', {
        roomId: 'r',
        modelId: 'nosuch',
        version: 1,
        quality: 'full',
        format: 'webp',
        labels: '',
        z: '',
      });
      await expect(unknown.waitUntilFinished(events, 20_000)).rejects.toThrow(/no model nosuch/);
      expect(held.started).toEqual([]);
      expect(await bad.getState()).toBe('failed');
    } finally {
      await worker.close();
      await Promise.all([events.close(), queue.close()]);
    }
  });
});

async function waitForAsync(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.skipIf(!hasRedis)('render queue edge cases', () => {
  it('a render gives up at its timeout while Redis is gone, and while no worker runs', async () => {
    const models = new ModelRegistry(new URL('../../models', import.meta.url).pathname, log);
    const model = models.require(models.defaultId);
    const request: RenderRequest = {
      roomId: 'room-t',
      modelId: model.id,
      version: 1,
      labels: new Uint8Array(model.size[0] * model.size[1]),
      z: new Float32Array(model.zDim),
      quality: 'full',
      format: 'webp',
    };
    const own = await startRedis();
    // Silent: it logs every failed reconnection once Redis is stopped.
    const renderer = new QueueRenderer({ url: own.url, queueName: 'timeouts', timeoutMs: 500 }, serverLog.child({}, { level: 'silent' }));
    try {
      await renderer.start();
      await expect(renderer.render(request)).rejects.toThrow(/no render worker finished it within 500 ms/);
      await own.stop();
      await expect(renderer.render({ ...request, roomId: 'room-u' })).rejects.toThrow(/no render worker finished it within 500 ms/);
    } finally {
      await renderer.close().catch(() => undefined);
      await own.stop();
    }
  });

  it('ROLE=both: the sync instance renders its own queue with no separate worker', async () => {
    const own = await startRedis();
    const server = await startServer({ env: { REDIS_URL: own.url, ROLE: 'both', LOG_LEVEL: 'info' } });
    const socketsHere: Socket[] = [];
    const room = await createRoom(server.url, true);
    const painter = connect(server.wsUrl, room);
    try {
      const watcher = await watch(server, room);
      socketsHere.push(watcher.socket);
      await synced(painter);
      painter.strokes.push([stroke('sea', { size: 80 })]);
      const version = docVersion(painter.doc);
      await waitFor(() => hasFull(watcher, version), 30_000, 'a full frame through the in-process worker');
      expect(server.output()).toContain('rendering through the render queue');
      expect(server.output()).toContain('render worker taking jobs');
    } finally {
      for (const s of socketsHere) s.disconnect();
      painter.destroy();
      await server.stop();
      await own.stop();
    }
  });
});

describe('without REDIS_URL', () => {
  it('one process renders in itself and needs no Redis: ready on the database alone', async () => {
    const server = await startServer({ env: { LOG_LEVEL: 'info' } });
    try {
      const ready = await fetch(`${server.url}/api/ready`);
      expect([ready.status, await ready.json()]).toEqual([200, { ok: true, checks: { database: 'ok' } }]);
      expect(server.output()).toContain('generator loaded and warmed up');
      expect(server.output()).not.toContain('render queue');
    } finally {
      await server.stop();
    }
  });
});
