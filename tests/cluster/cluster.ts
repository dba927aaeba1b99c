// A local cluster for test:cluster and bench:cluster: redis-server, PostgreSQL, sync instances
// and render workers on 127.0.0.1, and in front of each instance a balancer that, like a load
// balancer's health check, sends new connections to the next instance once that one is gone.
import net from 'node:net';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import { io, type Socket } from 'socket.io-client';
import { requireRedisServer, startRedis, type RedisServer } from '../helpers/redis';
import { postgresBinDir, startPostgres, type PostgresCluster } from '../helpers/postgres';
import { postgresDatabase } from '../helpers/database';
import { startServer, type TestServer } from '../helpers/server';
import { startWorker, type TestWorker } from '../helpers/worker';
import { freePort } from '../helpers/processes';
import { connect, synced, type YClient } from '../helpers/yclient';
import { MESSAGE_STORED, mergeStored } from '../../lib/stored';
import { EVENTS } from '../../lib/events';
import type { FrameMeta } from '../../lib/protocol';

/** A TCP balancer on its own port: each new connection goes to the first of `ports` that accepts it. */
export interface Balancer {
  url: string;
  wsUrl: string;
  close(): Promise<void>;
}

export async function startBalancer(ports: number[]): Promise<Balancer> {
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    client.pause();
    const tryPort = (i: number) => {
      if (i >= ports.length) return client.destroy();
      const upstream = net.connect(ports[i], '127.0.0.1');
      upstream.once('error', () => tryPort(i + 1));
      upstream.once('connect', () => {
        open.add(upstream);
        upstream.on('close', () => {
          open.delete(upstream);
          client.destroy();
        });
        upstream.on('error', () => upstream.destroy());
        client.on('close', () => upstream.destroy());
        client.pipe(upstream).pipe(client);
        client.resume();
      });
    };
    tryPort(0);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    async close() {
      for (const s of open) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export interface Cluster {
  redis: RedisServer;
  postgres: PostgresCluster;
  dbUrl: string;
  syncs: TestServer[];
  workers: TestWorker[];
  /** One per sync instance, preferring it, then the others in order. */
  balancers: Balancer[];
  /** Starts one more sync instance on the same Redis and database. */
  addSync(): Promise<TestServer>;
  stop(): Promise<void>;
}

/** The PostgreSQL binaries, or an error naming the Debian package (the cluster always runs on PostgreSQL). */
export function requirePostgres(): string {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL not found under /usr/lib/postgresql: install the Debian package postgresql (.ci/run installs it)');
  return bin;
}

export async function startCluster(options: {
  syncs: number;
  workers: number;
  env?: Record<string, string>;
  workerEnv?: Record<string, string>;
}): Promise<Cluster> {
  requireRedisServer();
  const redis = await startRedis();
  const postgres = await startPostgres(requirePostgres());
  const dbUrl = await postgresDatabase(postgres.url);
  const syncs: TestServer[] = [];
  const workers: TestWorker[] = [];
  const balancers: Balancer[] = [];
  const env = { REDIS_URL: redis.url, ROLE: 'sync', LOG_LEVEL: 'info', ...options.env };
  // One at a time: each applies the migrations to the shared database on start.
  const addSync = async () => {
    const server = await startServer({ dbUrl, env });
    syncs.push(server);
    return server;
  };
  const cluster: Cluster = {
    redis,
    postgres,
    dbUrl,
    syncs,
    workers,
    balancers,
    addSync,
    async stop() {
      for (const b of balancers) await b.close();
      for (const s of syncs) await s.stop('SIGKILL');
      for (const w of workers) await w.stop('SIGKILL');
      await redis.stop();
      await postgres.stop();
    },
  };
  try {
    for (let i = 0; i < options.syncs; i++) await addSync();
    for (let i = 0; i < options.workers; i++) workers.push(await startWorker(redis.url, options.workerEnv));
    const ports = syncs.map((s) => s.port);
    for (let i = 0; i < ports.length; i++) balancers.push(await startBalancer([...ports.slice(i), ...ports.slice(0, i)]));
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

/** A Yjs client that paints and keeps what the server acknowledged as stored (lib/stored.ts). */
export class Painter {
  readonly client: YClient;
  readonly stored = new Map<number, number>();
  /** Stroke ids with their item's clock (one stroke per transaction: one clock each). */
  readonly painted: Array<{ id: string; clock: number }> = [];

  constructor(wsUrl: string, room: string) {
    this.client = connect(wsUrl, room);
    this.client.provider.messageHandlers[MESSAGE_STORED] = (_e, decoder) => {
      mergeStored(this.stored, Y.decodeStateVector(decoding.readVarUint8Array(decoder)));
    };
  }

  synced(): Promise<void> {
    return synced(this.client);
  }

  paint(label: string, i: number): string {
    const id = `p${this.client.doc.clientID}n${i}`;
    const y = 60 + ((i * 53) % 880);
    this.painted.push({ id, clock: Y.getState(this.client.doc.store, this.client.doc.clientID) });
    this.client.strokes.push([{ id, tool: 'brush', label, size: 50, points: [80, y, 500, y + 30, 940, y] }]);
    return id;
  }

  /** Ids of the strokes the server has acknowledged as stored. */
  acknowledged(): string[] {
    const upTo = this.stored.get(this.client.doc.clientID) ?? 0;
    return this.painted.filter((s) => s.clock < upTo).map((s) => s.id);
  }

  destroy(): void {
    this.client.destroy();
  }
}

/** A feed watcher that joins its room on every connect (socket.io reconnects on its own). */
export class FrameWatcher {
  readonly socket: Socket;
  readonly frames: Array<FrameMeta & { at: number }> = [];
  joins = 0;

  /** `cookie`: as that person (GET /api/me), who may then propose and vote. */
  constructor(url: string, room: string, cookie?: string) {
    // The room in the handshake, as the page opens it: any instance forwards it to the room's owner.
    this.socket = io(url, { transports: ['websocket'], forceNew: true, query: { room }, extraHeaders: cookie ? { cookie } : {} });
    this.socket.on(EVENTS.frame, (meta: FrameMeta) => this.frames.push({ ...meta, at: performance.now() }));
    this.socket.on('connect', () =>
      this.socket.emit(EVENTS.join, room, (reply: unknown) => {
        if ((reply as { ok?: boolean }).ok) this.joins += 1;
      }),
    );
  }

  hasFull(version: number): boolean {
    return this.frames.some((f) => f.version === version && f.quality === 'full');
  }

  close(): void {
    this.socket.disconnect();
  }
}
