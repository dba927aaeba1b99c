import * as Y from 'yjs';
import type { Db } from '../db';
import { log } from '../log';

/** A room's updates waiting for the next commit, with the acknowledgements that commit resolves. */
interface Pending {
  updates: Uint8Array[];
  stored: Array<() => void>;
}

/** Rows per room after which the stored updates are merged into one. */
const COMPACT_AFTER = 200;

/** Where rooms' Yjs updates are kept (as tldraw's TLSyncStorage): Prisma here, memory in tests. */
export interface UpdateStore {
  /** The room's stored state as one merged update, or null when it has none. */
  load(roomId: string): Promise<Uint8Array | null>;
  /**
   * Queues an update. The promise resolves once the commit that wrote it has returned (the update
   * is durable), never earlier; a failed write is retried and resolves with a later commit.
   */
  append(roomId: string, update: Uint8Array): Promise<void>;
  flush(): Promise<void>;
  /** Merges a room's stored updates into one. */
  compact(roomId: string): Promise<void>;
  /** Drops what the store keeps in memory about a room (unloaded). */
  forget(roomId: string): void;
}

/**
 * Durable log of a room's Yjs updates in the database. Appends are buffered and written every
 * `flushMs`, so a crash (even SIGKILL) loses at most that window; rooms are compacted into a
 * single merged update once their log grows, and on unload.
 */
export class PrismaUpdateStore implements UpdateStore {
  private pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private rowsSinceCompact = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly flushMs: number,
  ) {}

  async load(roomId: string): Promise<Uint8Array | null> {
    await this.flush();
    const rows = await this.db.roomUpdate.findMany({ where: { roomId }, orderBy: { id: 'asc' }, select: { data: true } });
    this.rowsSinceCompact.set(roomId, rows.length);
    if (rows.length === 0) return null;
    return Y.mergeUpdates(rows.map((r) => new Uint8Array(r.data)));
  }

  append(roomId: string, update: Uint8Array): Promise<void> {
    let room = this.pending.get(roomId);
    if (!room) this.pending.set(roomId, (room = { updates: [], stored: [] }));
    room.updates.push(update);
    const stored = new Promise<void>((resolve) => room.stored.push(resolve));
    this.timer ??= setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.flushMs);
    return stored;
  }

  /** Writes everything pending; concurrent callers wait for the same write. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writePending());
    return this.flushing;
  }

  private async writePending(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const rows = [...batch].map(([roomId, { updates }]) => ({ roomId, data: Y.mergeUpdates(updates) }));
    try {
      await this.db.roomUpdate.createMany({ data: rows.map((r) => ({ roomId: r.roomId, data: Buffer.from(r.data) })) });
    } catch (error) {
      // Keep the updates (and their acknowledgements) for the next flush rather than losing strokes on a transient failure.
      for (const [roomId, failed] of batch) {
        const later = this.pending.get(roomId);
        this.pending.set(roomId, {
          updates: [...failed.updates, ...(later?.updates ?? [])],
          stored: [...failed.stored, ...(later?.stored ?? [])],
        });
      }
      log.error({ err: error }, 'persisting room updates failed; will retry');
      this.timer ??= setTimeout(() => {
        this.timer = null;
        void this.flush();
      }, this.flushMs * 10);
      return;
    }
    for (const { stored } of batch.values()) for (const resolve of stored) resolve();
    for (const { roomId } of rows) {
      const count = (this.rowsSinceCompact.get(roomId) ?? 0) + 1;
      this.rowsSinceCompact.set(roomId, count);
      if (count >= COMPACT_AFTER) await this.compact(roomId);
    }
  }

  /** Replaces a room's rows with one merged update, in one transaction. */
  async compact(roomId: string): Promise<void> {
    await this.db.$transaction(async (tx) => {
      const rows = await tx.roomUpdate.findMany({ where: { roomId }, orderBy: { id: 'asc' } });
      if (rows.length <= 1) return;
      const merged = Y.mergeUpdates(rows.map((r) => new Uint8Array(r.data)));
      await tx.roomUpdate.deleteMany({ where: { roomId, id: { lte: rows[rows.length - 1].id } } });
      await tx.roomUpdate.create({ data: { roomId, data: Buffer.from(merged) } });
    });
    this.rowsSinceCompact.set(roomId, 1);
  }

  forget(roomId: string): void {
    this.rowsSinceCompact.delete(roomId);
  }
}
