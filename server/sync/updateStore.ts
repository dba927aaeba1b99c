import * as Y from 'yjs';
import { databaseProvider, databaseUrlOf, type Db } from '../db';
import { log } from '../log';
import { PrismaUpdateRows, type UpdateRows } from './updateRows';
import { roomRowsThread, type ThreadUpdateRows } from './updateRowsThread';

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
   * `now`: commit it without waiting for the interval (a page's backlog after a reconnect).
   */
  append(roomId: string, update: Uint8Array, now?: boolean): Promise<void>;
  flush(): Promise<void>;
  /** Merges a room's stored updates into one. */
  compact(roomId: string): Promise<void>;
  /** Drops what the store keeps in memory about a room (unloaded). */
  forget(roomId: string): void;
}

/**
 * Durable log of a room's Yjs updates in the database. Appends are buffered and written at most
 * every `flushMs`, all rooms in one commit, so a crash (even SIGKILL) loses at most that window:
 * the first append after a quiet spell, and a page's backlog (`now`), are committed at once (after
 * a restart every page's sync step 2 carries all it painted while the server was down: waiting
 * `flushMs` for it left that whole backlog to a kill in the window), others wait until `flushMs`
 * after the last commit began. Rooms are compacted into a single merged update once their log grows, and on unload. The database
 * work runs on its own thread (updateRowsThread.ts), in process if that thread does not start.
 */
export class PrismaUpdateStore implements UpdateStore {
  private pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private rowsSinceCompact = new Map<string, number>();
  /** When (Date.now()) the last commit began. */
  private lastWriteAt = 0;
  /** The database work in process, where the thread cannot serve. */
  private readonly inProcess: UpdateRows;
  private thread: ThreadUpdateRows | null = null;

  constructor(
    db: Db,
    private readonly flushMs: number,
  ) {
    const url = databaseUrlOf(db);
    if (!url) throw new Error('PrismaUpdateStore needs a client opened by openDb (its thread opens the same database)');
    this.inProcess = new PrismaUpdateRows(db, databaseProvider(url));
    roomRowsThread(url).then(
      (thread) => (this.thread = thread),
      (error: unknown) => log.warn({ err: error }, 'update rows thread did not start; writing rooms on the main thread'),
    );
  }

  /** The thread while it serves; in process before it has started and after it died (a failed write is retried there). */
  private get rows(): UpdateRows {
    return this.thread && this.thread.failure === null ? this.thread : this.inProcess;
  }

  async load(roomId: string): Promise<Uint8Array | null> {
    await this.flush();
    const { state, rows } = await this.rows.load(roomId);
    this.rowsSinceCompact.set(roomId, rows);
    return state;
  }

  append(roomId: string, update: Uint8Array, now = false): Promise<void> {
    let room = this.pending.get(roomId);
    if (!room) this.pending.set(roomId, (room = { updates: [], stored: [] }));
    room.updates.push(update);
    const stored = new Promise<void>((resolve) => room.stored.push(resolve));
    if (now && this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.timer ??= setTimeout(
      () => {
        this.timer = null;
        void this.flush();
      },
      now ? 0 : Math.max(0, this.lastWriteAt + this.flushMs - Date.now()),
    );
    return stored;
  }

  /** Writes everything pending; concurrent callers wait for the same write. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writePending());
    return this.flushing;
  }

  private async writePending(): Promise<void> {
    if (this.pending.size === 0) return;
    this.lastWriteAt = Date.now();
    const batch = this.pending;
    this.pending = new Map();
    const rows = [...batch].map(([roomId, { updates }]) => ({ roomId, data: Y.mergeUpdates(updates) }));
    try {
      await this.rows.write(rows);
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
      // A failed compaction leaves the rows as they were: the commits after it must still run.
      if (count >= COMPACT_AFTER)
        await this.compact(roomId).catch((error: unknown) => log.error({ err: error, room: roomId }, 'compaction failed'));
    }
  }

  async compact(roomId: string): Promise<void> {
    await this.rows.compact(roomId);
    this.rowsSinceCompact.set(roomId, 1);
  }

  forget(roomId: string): void {
    this.rowsSinceCompact.delete(roomId);
  }
}
