import path from 'node:path';
import os from 'node:os';
import { z } from 'zod';

const root = path.resolve(import.meta.dirname, '..');

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  DATABASE_URL: z.string().default(`file:${path.join(root, 'data', 'spade.db')}`),
  MODELS_DIR: z.string().default(path.join(root, 'models')),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Pending Yjs updates are written to the database at least this often (the loss bound on SIGKILL). */
  PERSIST_FLUSH_MS: z.coerce.number().int().min(10).max(5000).default(100),
  /** A room nobody is in stays loaded this long before it is flushed, compacted and dropped. */
  ROOM_IDLE_MS: z.coerce.number().int().min(0).default(30_000),
  /** Execution providers to try in order, e.g. "cuda,cpu". */
  RENDER_PROVIDERS: z.string().default('cpu'),
  RENDER_THREADS: z.coerce.number().int().min(1).default(Math.max(1, os.availableParallelism())),
  /**
   * Nice value of the render threads: below the sync loop and anything interactive on the host,
   * so painting stays responsive while frames render (0 = same priority; Linux sets it per thread).
   */
  RENDER_NICE: z.coerce.number().int().min(0).max(19).default(10),
  /** Renders at once across rooms; one keeps a 2-core machine responsive. */
  RENDER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  RENDER_FORMAT: z.enum(['webp', 'jpeg', 'png']).default('webp'),
  /** Nice value of the hi-res/take threads: below the frame threads, so rooms' frames come first. */
  HIRES_NICE: z.coerce.number().int().min(0).max(19).default(19),
  /** Hi-res and take requests waiting at once across rooms; more are refused as busy. */
  HIRES_QUEUE: z.coerce.number().int().min(1).max(256).default(8),
  /** Skip Next (API, sockets and sync only): integration tests and benchmarks start faster. */
  NO_UI: z.enum(['0', '1']).default('0'),
  /** Signs the anonymous identity cookie; when unset one is generated once and kept in the database. */
  SESSION_SECRET: z.string().min(16).optional(),
  /** A style vote closes after this long unless a majority decides first. */
  VOTE_ROUND_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  /** The server stores a version of a room (its history) after this many changes or this long after the first unstored one. */
  HISTORY_EVERY_CHANGES: z.coerce.number().int().min(1).default(50),
  HISTORY_EVERY_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(5 * 60_000),
  /** A Yjs socket with more than this many bytes waiting to be sent is closed as a slow reader. */
  SYNC_SEND_BUFFER_BYTES: z.coerce
    .number()
    .int()
    .min(64 * 1024)
    .default(16 * 1024 * 1024),
  /** Yjs sockets are pinged this often; one that missed the previous pong is dropped (y-websocket: 30 s). */
  HEARTBEAT_MS: z.coerce.number().int().min(100).default(30_000),
  /** Per client address (next to the per-user limits, which a fresh cookie per request would defeat). */
  IP_IDENTITIES_PER_MINUTE: z.coerce.number().int().min(1).default(60),
  IP_ROOMS_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  IP_UPLOADS_PER_MINUTE: z.coerce.number().int().min(1).default(24),
  /** Yjs and socket.io connections open at once from one address. */
  IP_MAX_SOCKETS: z.coerce.number().int().min(1).default(64),
  /** '1' behind a reverse proxy: the client address is the first X-Forwarded-For entry. */
  TRUST_PROXY: z.enum(['0', '1']).default('0'),
  /**
   * Redis (redis://host:port): renders become jobs in a BullMQ queue that render workers
   * (`npm run worker`) take. Unset: one process that renders in itself and needs no Redis.
   */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, 'a redis:// or rediss:// URL')
    .optional(),
  /** With REDIS_URL, what `npm start` runs: sync (rooms; workers render) or both (it also takes render jobs). */
  ROLE: z.enum(['sync', 'both']).default('sync'),
  /** Name of the render queue in Redis (deployments sharing one Redis keep theirs apart). */
  RENDER_QUEUE: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .default('spade-render'),
  /**
   * A render worker's lock on its job lasts this long unless renewed; a killed worker's job is
   * taken by another worker within about twice this.
   */
  RENDER_LOCK_MS: z.coerce.number().int().min(200).max(600_000).default(5000),
  /**
   * With REDIS_URL, each room is served by one sync instance, the holder of its lease in Redis; a
   * killed instance's rooms are taken over this long after its last renewal (renewed every third).
   */
  ROOM_LEASE_MS: z.coerce.number().int().min(1000).max(60_000).default(6000),
  /**
   * host:port where the other sync instances reach this one (they forward its rooms' connections
   * here). Default: HOST (the host name when HOST is 0.0.0.0) and PORT.
   */
  INSTANCE_ADDRESS: z
    .string()
    .regex(/^[^\s@/]+:\d{1,5}$/, 'host:port')
    .optional(),
  /** A sync instance gives up on a queued render after this long (no worker running); the next edit renders again. */
  RENDER_JOB_TIMEOUT_MS: z.coerce.number().int().min(1000).default(60_000),
});

export type Config = z.infer<typeof schema> & { root: string };

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${details}`);
  }
  return { ...parsed.data, root };
}

/** Where other sync instances reach this one (INSTANCE_ADDRESS, or HOST and PORT). */
export function instanceAddress(config: Pick<Config, 'INSTANCE_ADDRESS' | 'HOST' | 'PORT'>): string {
  if (config.INSTANCE_ADDRESS) return config.INSTANCE_ADDRESS;
  if (config.PORT === 0) throw new Error('several sync instances (REDIS_URL) need a fixed PORT or INSTANCE_ADDRESS');
  return `${config.HOST === '0.0.0.0' ? os.hostname() : config.HOST}:${config.PORT}`;
}

/** RENDER_PROVIDERS as the list of execution providers the render threads try in order. */
export function renderProviders(config: Pick<Config, 'RENDER_PROVIDERS'>): string[] {
  return config.RENDER_PROVIDERS.split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}
