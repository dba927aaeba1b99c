import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import next from 'next';
import { Redis } from 'ioredis';
import { instanceAddress, renderProviders, type Config } from './config';
import { migrate, openDb } from './db';
import { log } from './log';
import { TurnGate } from './guards/turnGate';
import { ModelRegistry } from './models/modelRegistry';
import { RoomService } from './rooms/roomService';
import { RoomAccess } from './rooms/roomAccess';
import { accessRoutes } from './rooms/accessRoutes';
import { RoomHistory } from './rooms/history';
import { historyRoutes } from './rooms/historyRoutes';
import { Understanding } from './understanding/understanding';
import { understandingRoutes } from './understanding/routes';
import { PrismaUpdateStore } from './sync/updateStore';
import { persistence } from './sync/persistence';
import { RoomRegistry } from './sync/roomRegistry';
import { SyncServer } from './sync/syncServer';
import { createApi } from './http/api';
import { createStaticRoutes } from './http/staticFiles';
import { createRealtime } from './realtime';
import { guardUpgrade, rejectUpgrade } from './guards/upgrade';
import { HttpError } from './http/json';
import { IpLimits } from './limits/ipLimits';
import { limitSocketsPerAddress } from './limits/socketLimits';
import { RoomStyles } from './styles/roomStyles';
import { RenderService } from './render/renderService';
import { renderQueue } from './render/queue/setup';
import { readinessRoutes } from './http/readiness';
import { useRedisAdapter } from './cluster/socketAdapter';
import { RoomOwnership } from './cluster/ownership';
import { FencedUpdateStore } from './cluster/fencedStore';
import { RoomForwarder, roomOf } from './cluster/forward';
import { HiresRenderer } from './render/hires';
import { hiresRoutes } from './render/hiresRoutes';
import { Identity } from './identity/identity';
import { identityRoutes } from './identity/routes';
import { StyleCatalog } from './styles/styleCatalog';
import { StyleEncoder } from './styles/styleEncoder';
import { Voting } from './styles/voting';
import { styleRoutes } from './styles/routes';
import { Gallery } from './gallery/gallery';
import { galleryRoutes } from './gallery/routes';

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Builds the Next app once when no production build exists, so `npm start` works from a fresh clone. */
function ensureNextBuild(root: string): void {
  if (fs.existsSync(path.join(root, '.next', 'BUILD_ID'))) return;
  log.info('no production build yet: running `next build` once (about a minute)');
  const require = createRequire(import.meta.url);
  const result = spawnSync(process.execPath, [require.resolve('next/dist/bin/next'), 'build'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('next build failed');
}

export async function startServer(config: Config): Promise<RunningServer> {
  migrate(config.root, config.DATABASE_URL);
  const db = openDb(config.DATABASE_URL);
  const identity = await Identity.open(db, config.SESSION_SECRET);
  const ipLimits = new IpLimits({
    identitiesPerMinute: config.IP_IDENTITIES_PER_MINUTE,
    roomsPerMinute: config.IP_ROOMS_PER_MINUTE,
    uploadsPerMinute: config.IP_UPLOADS_PER_MINUTE,
    maxSockets: config.IP_MAX_SOCKETS,
    trustProxy: config.TRUST_PROXY === '1',
  });
  identity.limitMinting((req) => ipLimits.mintIdentity(req));
  const models = new ModelRegistry(config.MODELS_DIR, log);
  const rooms = new RoomService(db);
  // With Redis, several sync instances: each room is served by the holder of its lease.
  const leaseRedis = config.REDIS_URL ? new Redis(config.REDIS_URL) : null;
  leaseRedis?.on('error', (error: Error) => log.error({ err: error }, 'room lease Redis connection error'));
  const ownership = leaseRedis
    ? new RoomOwnership(leaseRedis, { address: instanceAddress(config), ttlMs: config.ROOM_LEASE_MS }, { log, onLost: (id) => lost(id) })
    : undefined;
  const registry = new RoomRegistry(async (roomId) => models.forRoom(await rooms.find(roomId)), config.ROOM_IDLE_MS, log, ownership);
  /** The room's lease is gone (lapsed, taken, or a write found a newer one): its clients go to the new owner. */
  const lost = (roomId: string) => {
    if (registry.evict(roomId, 'room moved to another server')) realtime.dropRoom(roomId);
  };
  const forwarder = ownership
    ? new RoomForwarder(async (roomId) => (registry.get(roomId) ? null : ownership.ownerAddress(roomId)), log)
    : null;

  const withUi = config.NO_UI === '0';
  const dev = config.NODE_ENV === 'development';
  let nextApp: ReturnType<typeof next> | null = null;
  if (withUi) {
    if (!dev) ensureNextBuild(config.root);
    nextApp = next({ dev, dir: config.root });
    await nextApp.prepare();
  }
  const handle = nextApp?.getRequestHandler();
  const nextUpgrade = nextApp?.getUpgradeHandler();

  const staticFiles = createStaticRoutes(config.MODELS_DIR);
  const server = http.createServer((req, res) => {
    void (async () => {
      if (forwarder && (await forwarder.request(req, res))) return;
      if (await api(req, res)) return;
      if (staticFiles(req, res)) return;
      // Pages get the identity cookie before any script runs, so every socket carries it.
      if (req.method === 'GET' && !req.url?.startsWith('/_next/')) identity.ensure(req, res);
      if (handle) return handle(req, res);
      res.writeHead(404).end('UI disabled (NO_UI=1)');
    })().catch((error: unknown) => {
      // A refusal (an address over its identity limit) is answered as such; anything else is ours.
      if (error instanceof HttpError) {
        if (!res.headersSent) res.writeHead(error.status).end(error.message);
        return;
      }
      log.error({ err: error, url: req.url }, 'request failed');
      if (!res.headersSent) res.writeHead(500).end('internal error');
      else res.destroy();
    });
  });
  const access = new RoomAccess(db, identity, registry);
  // Both channels' admissions, one per turn of the event loop (server/guards/turnGate.ts).
  const admissions = new TurnGate();
  const grant = async (roomId: string, user: string | null) => (await admissions.turn(), access.grant(roomId, user));
  const sync = new SyncServer(registry, rooms, log, (req, roomId) => grant(roomId, identity.userIdOf(req)), {
    sendBufferBytes: config.SYNC_SEND_BUFFER_BYTES,
    heartbeatMs: config.HEARTBEAT_MS,
    limits: ipLimits,
  });
  const realtime = createRealtime(server, { access: { grant }, registry, identity, log }, { takeUpgrades: true });
  // With Redis, a room's socket.io events reach its sockets on every sync instance.
  const adapter = config.REDIS_URL ? await useRedisAdapter(realtime.io, config.REDIS_URL, log) : null;
  limitSocketsPerAddress(realtime.io, ipLimits);
  const styles = new RoomStyles(db, registry);
  // With Redis, frames come from render workers through the queue; without, from this process.
  const queue = config.REDIS_URL ? renderQueue({ ...config, REDIS_URL: config.REDIS_URL }, models, log) : null;
  const providers = renderProviders(config);
  const render = new RenderService(
    { models, registry, styles, channel: realtime.channel, log, renderer: queue?.renderer },
    {
      providers,
      threads: config.RENDER_THREADS,
      nice: config.RENDER_NICE,
      concurrency: config.RENDER_CONCURRENCY,
      format: config.RENDER_FORMAT,
    },
  );
  await render.start();
  await queue?.worker?.start();
  const hires = new HiresRenderer(
    { models, styles, feed: realtime, log },
    {
      providers,
      threads: config.RENDER_THREADS,
      nice: config.HIRES_NICE,
      maxQueued: config.HIRES_QUEUE,
    },
  );
  await hires.start();
  const catalog = new StyleCatalog(db);
  const voting = new Voting(
    { db, feed: realtime, channel: realtime.channel, registry, identity, catalog, styles, models, rooms, log },
    { roundMs: config.VOTE_ROUND_MS, ownedRoomsOnly: ownership !== undefined },
  );
  await voting.start();
  const history = new RoomHistory(
    { db, registry, identity, log },
    { everyChanges: config.HISTORY_EVERY_CHANGES, everyMs: config.HISTORY_EVERY_MS },
  );
  // Persistence first: a room's stored state is applied before the others' onLoad (history
  // starts from it).
  const stored = new PrismaUpdateStore(db, config.PERSIST_FLUSH_MS);
  registry.use(persistence(ownership ? new FencedUpdateStore(stored, ownership, lost, log) : stored), render, voting, history);
  // Uploads are rare and small: one CPU session per model, sharing the machine with renders.
  const encoder = new StyleEncoder({ providers: ['cpu'], threads: Math.max(1, Math.min(2, config.RENDER_THREADS)) }, log);
  const gallery = new Gallery({
    db,
    models,
    rooms,
    registry,
    styles,
    catalog,
    identity,
    access,
    latestFrame: (id) => render.latestFrame(id),
    isRendered: (id) => realtime.channel.audience(id) > 0,
  });
  // The understanding check runs on request, one thread per model, below the frame threads.
  const understanding = new Understanding({
    models,
    registry,
    latestFrame: (id) => render.latestFrame(id),
    options: { providers: ['cpu'], threads: 1, nice: config.HIRES_NICE },
    log,
  });
  const api = createApi({
    rooms,
    models,
    log,
    limits: ipLimits,
    ownerOf: (req) => identity.userIdOf(req),
    routes: [
      ...identityRoutes(identity),
      ...styleRoutes({ models, rooms, identity, catalog, encoder, voting, limits: ipLimits, access }),
      ...galleryRoutes(gallery, identity, ipLimits),
      ...hiresRoutes({ db, models, gallery, hires, identity }),
      ...accessRoutes(access, identity),
      ...historyRoutes(history, access, identity),
      ...understandingRoutes(understanding, access, identity),
      ...readinessRoutes({ database: () => db.$queryRaw`SELECT 1`, ...(queue && { redis: () => queue.renderer.ping() }) }),
    ],
  });
  server.on(
    'upgrade',
    guardUpgrade(log, async (req, socket, head) => {
      // A room another instance serves: tunnelled there (no await at all without Redis).
      if (forwarder && roomOf(req) && (await forwarder.upgrade(req, socket, head))) return;
      if (sync.handleUpgrade(req, socket, head)) return;
      if (req.url?.startsWith('/socket.io/')) return realtime.upgrade(req, socket, head);
      if (nextUpgrade) return nextUpgrade(req, socket, head);
      rejectUpgrade(socket, 404, 'no such endpoint');
    }),
  );

  await new Promise<void>((resolve) => server.listen(config.PORT, config.HOST, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const url = `http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${port}`;
  log.info({ url, ui: withUi, dev }, 'SPADE Canvas is listening');

  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    close() {
      closing ??= (async () => {
        // Drain: clients disconnected, rooms stored, then their leases released (registry.close).
        await registry.close();
        await ownership?.close();
        leaseRedis?.disconnect();
        voting.close();
        await render.close();
        await queue?.worker?.close();
        await hires.close();
        await encoder.close();
        await understanding.close();
        sync.close();
        await realtime.io.close();
        await adapter?.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await nextApp?.close();
        await db.$disconnect();
      })();
      return closing;
    },
  };
}
