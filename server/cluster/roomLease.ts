import type { Redis } from 'ioredis';
import type { Logger } from '../log';

/**
 * One live owner instance per room (issue 16 item 3): an instance holds a room only while it
 * holds the room's lease in Redis, a key with a time to live that the owner renews. Each grant
 * takes a new fencing token from a per-room counter, so tokens only grow: whatever the owner
 * writes on the room's behalf carries its token, and a store that has seen a higher token can
 * refuse a write from an owner that lost the lease without knowing it (paused, partitioned).
 *
 * Keys: `<prefix>owner:<room>` = "<instance> <token>" (expires), `<prefix>fence:<room>` = the
 * last token granted (kept).
 */

// KEYS: owner, fence. ARGV: instance, ttl ms. The owner's token (granted now or held already,
// then renewed), or the current holder's "instance token" as an error-free refusal.
const ACQUIRE = `
local held = redis.call('GET', KEYS[1])
if held then
  local instance, token = string.match(held, '^(%S+) (%d+)$')
  if instance == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return {1, token}
  end
  return {0, held}
end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. token, 'PX', ARGV[2])
return {1, tostring(token)}
`;

// KEYS: owner. ARGV: "instance token", ttl ms. 1 when renewed, 0 when that lease is gone.
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`;

// KEYS: owner. ARGV: "instance token". 1 when released, 0 when it was not this lease.
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

export interface LeaseOptions {
  /** This instance's id (unique among live instances; no spaces). */
  instanceId: string;
  /** A lease lapses this long after its last renewal. */
  ttlMs: number;
  /** Key prefix in Redis. */
  prefix?: string;
}

/** A room held by this instance. */
export interface RoomLease {
  readonly roomId: string;
  /** The fencing token of this grant; a later grant of the room (to anyone) has a higher one. */
  readonly token: number;
  /**
   * Whether this instance may still act as the owner: false once a renewal found the lease gone
   * or once it has gone unrenewed for its time to live (Redis unreachable), whichever is first.
   */
  readonly held: boolean;
}

export type Acquired = { ok: true; lease: RoomLease } | { ok: false; owner: { instanceId: string; token: number } | null };

interface Held {
  roomId: string;
  token: number;
  /** Local end of validity: measured from before the last renewal was sent, so it ends no later than Redis' copy. */
  validUntil: number;
  lost: boolean;
}

/**
 * Acquires, renews and releases rooms' leases for one instance. Leases are renewed every third
 * of their time to live; one that is lost (taken after it lapsed, or unrenewable for its whole
 * time to live) is reported once through `onLost`, where the owner must stop serving the room.
 */
export class RoomLeases {
  private readonly held = new Map<string, Held>();
  private readonly prefix: string;
  private readonly timer: NodeJS.Timeout;
  private renewing: Promise<void> | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly options: LeaseOptions,
    private readonly deps: { log: Logger; onLost(roomId: string, token: number): void },
  ) {
    if (/\s/.test(options.instanceId) || !options.instanceId) throw new Error('instance id must be a non-empty word');
    this.prefix = options.prefix ?? 'spade:room:';
    this.timer = setInterval(() => void this.renewAll(), Math.max(1, Math.floor(options.ttlMs / 3)));
    this.timer.unref();
  }

  private ownerKey(roomId: string): string {
    return `${this.prefix}owner:${roomId}`;
  }

  /** Takes the room's lease, or says who holds it (null: it lapsed between the checks; try again). */
  async acquire(roomId: string): Promise<Acquired> {
    const sent = Date.now();
    const [granted, value] = (await this.redis.eval(
      ACQUIRE,
      2,
      this.ownerKey(roomId),
      `${this.prefix}fence:${roomId}`,
      this.options.instanceId,
      String(this.options.ttlMs),
    )) as [number, string];
    if (granted !== 1) return { ok: false, owner: parseOwner(value) };
    const token = Number(value);
    const entry: Held = { roomId, token, validUntil: sent + this.options.ttlMs, lost: false };
    this.held.set(roomId, entry);
    return { ok: true, lease: view(entry) };
  }

  /** The room's current owner in Redis, or null when nobody holds it. */
  async owner(roomId: string): Promise<{ instanceId: string; token: number } | null> {
    return parseOwner(await this.redis.get(this.ownerKey(roomId)));
  }

  /** The last fencing token granted for the room (to anyone), or null when it was never granted. */
  async fence(roomId: string): Promise<number | null> {
    const value = await this.redis.get(`${this.prefix}fence:${roomId}`);
    return value === null ? null : Number(value);
  }

  /** This instance's lease of the room, while it holds one. */
  lease(roomId: string): RoomLease | undefined {
    const entry = this.held.get(roomId);
    return entry && view(entry);
  }

  /** Gives the room up (unloaded, or handed over): another instance may take it at once. */
  async release(roomId: string): Promise<void> {
    const entry = this.held.get(roomId);
    if (!entry) return;
    this.held.delete(roomId);
    await this.redis.eval(RELEASE, 1, this.ownerKey(roomId), `${this.options.instanceId} ${entry.token}`);
  }

  /** Renews every held lease once (the timer calls it; tests may too). */
  renewAll(): Promise<void> {
    this.renewing ??= (async () => {
      try {
        await Promise.all([...this.held.values()].map((entry) => this.renew(entry)));
      } finally {
        this.renewing = null;
      }
    })();
    return this.renewing;
  }

  private async renew(entry: Held): Promise<void> {
    if (entry.lost) return;
    const sent = Date.now();
    try {
      const renewed = await this.redis.eval(
        RENEW,
        1,
        this.ownerKey(entry.roomId),
        `${this.options.instanceId} ${entry.token}`,
        String(this.options.ttlMs),
      );
      if (renewed === 1) entry.validUntil = sent + this.options.ttlMs;
      else this.lose(entry, 'taken or lapsed');
    } catch (error) {
      // Unreachable Redis: keep trying while the lease may still be valid there, no longer.
      if (Date.now() >= entry.validUntil) this.lose(entry, `unrenewable: ${(error as Error).message}`);
    }
  }

  private lose(entry: Held, reason: string): void {
    if (entry.lost || this.held.get(entry.roomId) !== entry) return;
    entry.lost = true;
    this.held.delete(entry.roomId);
    this.deps.log.warn({ room: entry.roomId, token: entry.token, reason }, 'room lease lost');
    this.deps.onLost(entry.roomId, entry.token);
  }

  /** Stops renewing and releases every lease (shutdown: the rooms can move at once). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.renewing;
    await Promise.all([...this.held.keys()].map((roomId) => this.release(roomId)));
  }
}

function view(entry: Held): RoomLease {
  return {
    roomId: entry.roomId,
    token: entry.token,
    get held() {
      return !entry.lost && Date.now() < entry.validUntil;
    },
  };
}

function parseOwner(value: string | null): { instanceId: string; token: number } | null {
  const match = value?.match(/^(\S+) (\d+)$/);
  return match ? { instanceId: match[1], token: Number(match[2]) } : null;
}
