import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../log';
import type { RoomClaims } from '../sync/roomRegistry';
import { RoomLeases, type RoomLease } from './roomLease';

/** A room this instance may not load: another live instance holds its lease. */
export class RoomElsewhere extends Error {
  override readonly name = 'RoomElsewhere';
  constructor(
    readonly roomId: string,
    readonly owner: string | null,
  ) {
    super(`room ${roomId} is held by ${owner ?? 'another instance'}`);
  }
}

/** How often a claim asks again while another instance's lease may still lapse. */
const CLAIM_POLL_MS = 200;

/**
 * Which sync instance serves each room (issue 16 item 3): the room's lease in Redis
 * (roomLease.ts). The instance id carries the address other instances reach this one at
 * (`<random>@host:port`), so the lease's holder is also where to forward its connections; the
 * random part keeps a restarted instance at the same address from taking its old leases as its own.
 */
export class RoomOwnership implements RoomClaims {
  readonly instanceId: string;
  private readonly leases: RoomLeases;

  constructor(
    redis: Redis,
    private readonly options: { address: string; ttlMs: number; prefix?: string },
    deps: { log: Logger; onLost(roomId: string): void },
  ) {
    if (!/^[^\s@]+:\d+$/.test(options.address)) throw new Error(`instance address must be host:port, not "${options.address}"`);
    this.instanceId = `${randomBytes(6).toString('hex')}@${options.address}`;
    this.leases = new RoomLeases(
      redis,
      { instanceId: this.instanceId, ttlMs: options.ttlMs, prefix: options.prefix },
      {
        log: deps.log,
        onLost: (roomId) => deps.onLost(roomId),
      },
    );
  }

  /**
   * Takes the room's lease before it loads. A holder that stopped renewing (killed) loses it
   * within the time to live, so a claim waits that long for it, then gives up with RoomElsewhere.
   */
  async claim(roomId: string): Promise<void> {
    const deadline = Date.now() + this.options.ttlMs + CLAIM_POLL_MS;
    for (;;) {
      const acquired = await this.leases.acquire(roomId);
      if (acquired.ok) return;
      if (Date.now() >= deadline) throw new RoomElsewhere(roomId, acquired.owner?.instanceId ?? null);
      await new Promise((resolve) => setTimeout(resolve, CLAIM_POLL_MS));
    }
  }

  release(roomId: string): Promise<void> {
    return this.leases.release(roomId);
  }

  /** This instance's lease of the room while it holds it (what its writes are fenced with). */
  lease(roomId: string): RoomLease | undefined {
    return this.leases.lease(roomId);
  }

  /** The room's latest fencing token in Redis: a grant newer than ours means ours is over. */
  fence(roomId: string): Promise<number | null> {
    return this.leases.fence(roomId);
  }

  /** Where another instance serves the room (host:port), or null when it is this one's or nobody's. */
  async ownerAddress(roomId: string): Promise<string | null> {
    const owner = await this.leases.owner(roomId);
    if (!owner || owner.instanceId === this.instanceId) return null;
    return owner.instanceId.slice(owner.instanceId.indexOf('@') + 1) || null;
  }

  /** Drain: releases every lease held, so other instances can take the rooms at once. */
  close(): Promise<void> {
    return this.leases.close();
  }
}
