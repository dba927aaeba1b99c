import { ThreadClient, type ReadReply, type ThreadStart } from '../workers/threadClient';
import type { UpdateRow, UpdateRows } from './updateRows';
import type { VersionDraft } from '../rooms/versionRows';

/** What the rows thread is started with. */
export interface RowsThreadData {
  databaseUrl: string;
}

export type ToRowsThread =
  | { type: 'load'; id: number; roomId: string }
  | { type: 'write'; id: number; rows: UpdateRow[] }
  | { type: 'compact'; id: number; roomId: string }
  | { type: 'version'; id: number; version: VersionDraft; keep: number };

type Loaded = { state: Uint8Array | null; rows: number };

export type FromRowsThread =
  ThreadStart | { type: 'done'; id: number; loaded?: Loaded; version?: Uint8Array } | { type: 'error'; id: number; message: string };

type Reply = { loaded?: Loaded; version?: Uint8Array };

const workerUrl = new URL('./updateRows.worker.ts', import.meta.url);

const readReply: ReadReply<Reply> = (message) => {
  const m = message as FromRowsThread;
  if (m?.type === 'done') return { id: m.id, value: { loaded: m.loaded, version: m.version } };
  if (m?.type === 'error') return { id: m.id, error: new Error(m.message) };
  return null;
};

/**
 * UpdateRows on a worker thread with its own database connection: better-sqlite3 runs every query
 * synchronously, so on the main thread each group commit (fsync included) and each compaction
 * stalled every room's sync loop for its whole duration.
 */
export class ThreadUpdateRows implements UpdateRows {
  private constructor(private readonly thread: ThreadClient<ToRowsThread, Reply>) {}

  static async open(databaseUrl: string): Promise<ThreadUpdateRows> {
    const data: RowsThreadData = { databaseUrl };
    const thread = await ThreadClient.open(workerUrl, data, 'update rows thread', readReply);
    // Idle, it does not keep the process alive; a pending commit does (a shutdown's last flush).
    thread.holdWhilePending();
    return new ThreadUpdateRows(thread);
  }

  /** Why the thread can no longer serve (it crashed), or null while it can. */
  get failure(): string | null {
    return this.thread.failure;
  }

  async load(roomId: string): Promise<Loaded> {
    return (await this.thread.request((id) => ({ type: 'load', id, roomId }))).loaded!;
  }

  async write(rows: UpdateRow[]): Promise<void> {
    await this.thread.request((id) => ({ type: 'write', id, rows }));
  }

  async compact(roomId: string): Promise<void> {
    await this.thread.request((id) => ({ type: 'compact', id, roomId }));
  }

  /** A history version (server/rooms/versionRows.ts), written after the commits queued before it; resolves with its state. */
  async addVersion(version: VersionDraft, keep: number): Promise<Uint8Array> {
    // The base (parts[0], the last version's state) is the room's whole document: moved, not copied.
    const [base] = version.parts;
    const transfer = base.byteOffset === 0 && base.byteLength === base.buffer.byteLength ? [base.buffer as ArrayBuffer] : [];
    return (await this.thread.request((id) => ({ type: 'version', id, version, keep }), transfer)).version!;
  }
}

const threads = new Map<string, Promise<ThreadUpdateRows>>();

/** The one rows thread per database this process runs (the update store and the history share it). */
export function roomRowsThread(databaseUrl: string): Promise<ThreadUpdateRows> {
  let thread = threads.get(databaseUrl);
  if (!thread) threads.set(databaseUrl, (thread = ThreadUpdateRows.open(databaseUrl)));
  return thread;
}
