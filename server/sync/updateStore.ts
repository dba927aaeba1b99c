import * as Y from 'yjs';
import type { Db } from '../db';
import { log } from '../log';

/** Rows per room after which the stored updates are merged into one. */
const COMPACT_AFTER = 200;

/** Where rooms' Yjs updates are kept (as tldraw's TLSyncStorage): Prisma here, memory in tests. */
export interface UpdateStore {
  /** The room's stored state as one merged update, or null when it has none. */
  load(roomId: string): Promise<Uint8Array | null>;
  /** Queues an update; it is durable once a later flush resolves. */
  append(roomId: string, update: Uint8Array): void;
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
  private pending = new Map<string, Uint8Array[]>();
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

  append(roomId: string, update: Uint8Array): void {
    const list = this.pending.get(roomId);
    if (list) list.push(update);
    else this.pending.set(roomId, [update]);
    this.timer ??= setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.flushMs);
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
    const rows = [...batch].map(([roomId, updates]) => ({ roomId, data: Y.mergeUpdates(updates) }));
    try {
      await this.db.roomUpdate.createMany({ data: rows.map((r) => ({ roomId: r.roomId, data: Buffer.from(r.data) })) });
    } catch (error) {
      // Keep the updates for the next flush rather than losing strokes on a transient failure.
      for (const [roomId, updates] of batch) this.pending.set(roomId, [...updates, ...(this.pending.get(roomId) ?? [])]);
      log.error({ err: error }, 'persisting room updates failed; will retry');
      this.timer ??= setTimeout(() => {
        this.timer = null;
        void this.flush();
      }, this.flushMs * 10);
      return;
    }
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
