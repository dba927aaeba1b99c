import * as Y from 'yjs';
import { databaseUrlOf, type Db } from '../db';
import type { Identity } from '../identity/identity';
import type { Logger } from '../log';
import type { RoomRegistry } from '../sync/roomRegistry';
import { SERVER_ORIGIN, type Room, type RoomSession } from '../sync/room';
import { RoomStateKey, type RoomExtension } from '../sync/roomExtension';
import { HttpError } from '../http/json';
import { TokenBucket } from '../limits/tokenBucket';
import { STROKES_KEY } from '../../lib/protocol';
import { insertedInto } from '../../lib/arrayChanges';
import type { Stroke } from '../../lib/strokes';
import type { HistoryList, HistoryVersion, VersionChange, VersionReason } from '../../lib/history';
import { roomRowsThread, type ThreadUpdateRows } from '../sync/updateRowsThread';
import { addVersion, type VersionDraft } from './versionRows';

/** Origin of a restore: persisted and broadcast like a client's edit, but not counted as one. */
export const HISTORY_ORIGIN = Symbol('history');

export interface HistoryOptions {
  /** A version is stored after this many changes... */
  everyChanges: number;
  /** ...or once the first change not in a version is this old. */
  everyMs: number;
  /** Versions kept per room (the oldest go). */
  keep: number;
  /** A deletion of at least this many strokes at once stores the state before it. */
  largeDeletion: number;
}

export const HISTORY_DEFAULTS: HistoryOptions = { everyChanges: 50, everyMs: 5 * 60_000, keep: 100, largeDeletion: 10 };

/**
 * Each version writes the whole document: a room stores at most 20 at once, then one every 5 s
 * (restores and unloads aside), so a client alternating strokes and clears cannot make the server
 * write the document on every message.
 */
const VERSION_BURST = 20;
const VERSIONS_PER_SECOND = 0.2;

interface Tally {
  userId: string | null;
  added: number;
  removed: number;
  clears: number;
  restored: number[];
}

/** What the history knows about one live room (kept in the room, freed when it unloads). */
interface RoomHistoryState {
  /** The current document is exactly the last stored version. */
  stored: boolean;
  /** Changes since the last version, and when the first of them came. */
  changes: number;
  firstChangeAt: number;
  /**
   * The state vector of the last stored version: a stroke whose clock is below it was in that
   * version (it could not be deleted twice), so deleting it loses nothing.
   */
  held: Map<number, number>;
  /** Who changed what since the last version. */
  tally: Map<string, Tally>;
  /** The user of each Yjs session, by its socket (the origin of its updates). */
  users: Map<unknown, string | null>;
  /**
   * Updates whose merge is the current document: the state of the last version of it (or of the
   * load) and every update since. A version of the current document is their merge, done where it
   * is written (the rows thread): encoding the whole document on the sync loop took 5-15 ms per
   * room, all rooms in the same turn every 5 s under load.
   */
  parts: Uint8Array[];
  /** How many updates (the load's state counting as one) parts[0] holds, and how many the room has had. */
  merged: number;
  updates: number;
  /** Version writes, in order. */
  writes: Promise<void>;
  budget: TokenBucket;
}

const STATE = new RoomStateKey<RoomHistoryState>('history');

/**
 * The history the server keeps of every room: versions of the whole document in the database,
 * stored every `everyChanges` changes or `everyMs` of editing, before every clear, every large
 * deletion, every deletion of someone else's strokes that no version holds yet, every restore,
 * and when the room unloads; each says who changed what since the one before. An editor
 * restores a version: the server replaces the strokes in one change everyone receives, after
 * storing the state it replaces, so a restore can be restored away too. Nothing an editor does
 * is beyond restore.
 */
export class RoomHistory implements RoomExtension {
  private readonly options: HistoryOptions;
  /** Where versions are written once it has started (the update store's thread); in process until then. */
  private thread: ThreadUpdateRows | null = null;

  constructor(
    private readonly deps: { db: Db; registry: RoomRegistry; identity: Identity; log: Logger },
    options: Partial<HistoryOptions> = {},
  ) {
    this.options = { ...HISTORY_DEFAULTS, ...options };
    const url = databaseUrlOf(deps.db);
    // The store logs a thread that does not start.
    if (url)
      roomRowsThread(url).then(
        (thread) => (this.thread = thread),
        () => undefined,
      );
  }

  onLoad(room: Room): void {
    const state = room.set(STATE, {
      // What the room loaded may postdate its last version (a crash); an empty room has nothing to lose.
      stored: room.strokes.length === 0,
      changes: 0,
      firstChangeAt: 0,
      held: new Map(),
      tally: new Map(),
      users: new Map(),
      parts: [Y.encodeStateAsUpdate(room.doc)],
      merged: 1,
      updates: 1,
      writes: Promise.resolve(),
      budget: new TokenBucket(VERSIONS_PER_SECOND, VERSION_BURST),
    });
    room.strokes.observe((event) => {
      const origin = event.transaction.origin;
      if (origin === SERVER_ORIGIN || origin === HISTORY_ORIGIN) return;
      // A failure here is the history's, not the sender's: the change stands (it would otherwise
      // surface in the room's pipeline as the client's malformed message).
      try {
        this.beforeChange(room, state, state.users.get(origin) ?? null, event);
      } catch (error) {
        this.deps.log.error({ err: error, room: room.id }, 'history: reading a change failed');
      }
    });
  }

  onJoin(room: Room, session: RoomSession): void {
    if (session.channel === 'sync') room.get(STATE)?.users.set(session.socket, session.user);
  }

  onLeave(room: Room, session: RoomSession): void {
    if (session.channel === 'sync') room.get(STATE)?.users.delete(session.socket);
  }

  onChange(room: Room, update: Uint8Array, origin: unknown): void {
    const state = room.get(STATE);
    // The load's own update comes before the state exists.
    if (!state) return;
    state.stored = false;
    state.parts.push(update);
    state.updates++;
    if (origin === HISTORY_ORIGIN) return;
    const due = state.changes >= this.options.everyChanges || Date.now() - state.firstChangeAt >= this.options.everyMs;
    // Over the budget a periodic version stays due and is stored on a later change.
    if (state.changes > 0 && due && state.budget.take()) this.storeCurrent(room, state);
  }

  async onStore(room: Room): Promise<void> {
    const state = room.get(STATE);
    if (!state) return;
    if (state.changes > 0) this.storeCurrent(room, state, { reason: 'unload', by: null, restoredFrom: null });
    await state.writes;
  }

  /** The room's versions, newest first, with names for who changed what. */
  async list(roomId: string): Promise<HistoryList> {
    // Versions being written for a live room are part of the answer.
    await this.deps.registry.get(roomId)?.get(STATE)?.writes;
    const rows = await this.deps.db.roomVersion.findMany({
      where: { roomId },
      orderBy: { id: 'desc' },
      take: this.options.keep,
      omit: { state: true },
    });
    const parsed = rows.map((r) => ({ row: r, changes: parseChanges(r.changes) }));
    const ids = parsed.flatMap(({ row, changes }) => [row.byUserId, ...changes.map((c) => c.userId)]).filter((id): id is string => !!id);
    const names = await this.deps.identity.names(ids);
    const person = (id: string | null) => {
      const known = id ? names.get(id) : undefined;
      return { name: known?.name ?? (id ? 'Someone' : 'Someone without an identity'), color: known?.color ?? '#888888' };
    };
    return {
      versions: parsed.map(({ row, changes }): HistoryVersion => ({
        id: row.id,
        at: row.createdAt.toISOString(),
        reason: row.reason as VersionReason,
        by: row.reason === 'periodic' || row.reason === 'unload' ? null : { userId: row.byUserId, name: person(row.byUserId).name },
        restoredFrom: row.restoredFrom,
        strokes: row.strokeCount,
        changes: changes.map((c): VersionChange => ({ ...c, ...person(c.userId) })),
      })),
    };
  }

  /**
   * Brings back version `versionId` for everyone, as one change by the server: the strokes now in
   * the room go and the version's strokes come back. The state it replaces is stored first.
   */
  async restore(roomId: string, versionId: number, userId: string | null): Promise<void> {
    const row = await this.deps.db.roomVersion.findFirst({ where: { id: versionId, roomId }, select: { state: true } });
    if (!row) throw new HttpError(404, 'no such version of this room');
    const strokes = strokesOf(new Uint8Array(row.state));
    const room = await this.deps.registry.open(roomId);
    const state = room.get(STATE);
    if (!state) throw new Error('history is not attached to this room');
    this.storeCurrent(room, state, { reason: 'restore', by: userId, restoredFrom: versionId });
    room.doc.transact(() => {
      if (room.strokes.length > 0) room.strokes.delete(0, room.strokes.length);
      if (strokes.length > 0) room.strokes.push(strokes);
    }, HISTORY_ORIGIN);
    const tally = tallyOf(state, userId);
    tally.restored.push(versionId);
    state.changes++;
    state.firstChangeAt = Date.now();
    await state.writes;
  }

  /**
   * A client's change to the strokes, seen by the observer: Yjs calls it before it collects
   * deleted content, so removed strokes (and the state before the change) can still be read.
   */
  private beforeChange(room: Room, state: RoomHistoryState, user: string | null, event: Y.YArrayEvent<Stroke>): void {
    const { added, removed } = changesOf(room.strokes, event.transaction);
    const clears = added.filter((s) => s.tool === 'clear').length;
    const before = room.strokes.length - added.length + removed.length;
    if (!state.stored && before > 0) {
      const large = removed.length >= this.options.largeDeletion || (removed.length >= 2 && removed.length * 2 >= before);
      // Someone else's stroke that no version holds would be gone for good.
      const unheld = removed.some(({ stroke, client, clock }) => stroke.by !== user && clock >= (state.held.get(client) ?? 0));
      const reason: VersionReason | null = clears > 0 ? 'clear' : large || unheld ? 'deletion' : null;
      if (reason && !state.budget.take()) {
        this.deps.log.warn({ room: room.id, reason }, 'history: too many versions in a row, this change is stored without one');
      } else if (reason) {
        const previous = strokesBefore(room.strokes, event.transaction);
        const version = stateOf(previous);
        this.store(room, state, { reason, by: user, restoredFrom: null }, () => [version], previous.length, event.transaction.beforeState);
      }
    }
    const tally = tallyOf(state, user);
    tally.added += added.length - clears;
    tally.removed += removed.length;
    tally.clears += clears;
    if (state.changes === 0) state.firstChangeAt = Date.now();
    state.changes++;
  }

  /** Stores the current document; once written, its merged state stands for the parts it merged. */
  private storeCurrent(
    room: Room,
    state: RoomHistoryState,
    what: { reason: VersionReason; by: string | null; restoredFrom: number | null } = { reason: 'periodic', by: null, restoredFrom: null },
  ): void {
    // The document now: the first `upTo` updates. Its parts are taken when the write runs, after
    // the versions before it have replaced theirs with their merge (parts[0] is moved to the rows
    // thread, not copied, so it must not be in two requests).
    const upTo = state.updates;
    const parts = () => state.parts.slice(0, Math.max(1, 1 + upTo - state.merged));
    const held = Y.decodeStateVector(Y.encodeStateVector(room.doc));
    this.store(room, state, what, parts, room.strokes.length, held, (merged, used) => {
      if (merged) {
        state.parts = [merged, ...state.parts.slice(used)];
        state.merged = Math.max(upTo, state.merged);
      } else {
        // A failed write left nothing to merge from: the document as it is now.
        state.parts = [Y.encodeStateAsUpdate(room.doc)];
        state.merged = state.updates;
      }
    });
  }

  /**
   * Records the room's state at some moment (the merge of `parts`, taken when the write runs,
   * `strokeCount` strokes, state vector `held`) as a version; the write is queued. `onStored` gets
   * the merged state and how many parts it merged, or null if the write failed.
   */
  private store(
    room: Room,
    state: RoomHistoryState,
    what: { reason: VersionReason; by: string | null; restoredFrom: number | null },
    parts: () => Uint8Array[],
    strokeCount: number,
    held: Map<number, number>,
    onStored: (merged: Uint8Array | null, used: number) => void = () => undefined,
  ): void {
    const changes = JSON.stringify([...state.tally.values()]);
    state.stored = true;
    state.changes = 0;
    state.held = new Map(held);
    state.tally = new Map();
    const roomId = room.id;
    const { db, log } = this.deps;
    const keep = this.options.keep;
    const fields = { roomId, reason: what.reason, byUserId: what.by, restoredFrom: what.restoredFrom, strokeCount, changes };
    let used = 0;
    state.writes = state.writes
      .then(() => {
        const version: VersionDraft = { ...fields, parts: parts() };
        used = version.parts.length;
        // A whole document: encoding Prisma's query for it and writing it took 10-50 ms of the sync loop.
        const thread = this.thread?.failure === null ? this.thread : null;
        return thread ? thread.addVersion(version, keep) : addVersion(db, version, keep);
      })
      .then(
        (merged) => onStored(merged, used),
        (error: unknown) => {
          log.error({ err: error, room: roomId }, 'storing a version failed');
          onStored(null, used);
        },
      );
  }
}

function tallyOf(state: RoomHistoryState, user: string | null): Tally {
  const key = user ?? '';
  let tally = state.tally.get(key);
  if (!tally) state.tally.set(key, (tally = { userId: user, added: 0, removed: 0, clears: 0, restored: [] }));
  return tally;
}

/** Whether `item` came in `transaction` (its clock is past the state the transaction began from). */
function addedIn(transaction: Y.Transaction, item: Y.Item): boolean {
  return item.id.clock >= (transaction.beforeState.get(item.id.client) ?? 0);
}

/** A stroke a change removed, with its Yjs id (an item holds consecutive clocks, one per stroke). */
interface Removed {
  stroke: Stroke;
  client: number;
  clock: number;
}

/**
 * The strokes `transaction` added to and removed from `strokes`, read from the structs it wrote
 * and its delete set (not from the event's `changes`, which walk the whole array).
 */
function changesOf(strokes: Y.Array<Stroke>, transaction: Y.Transaction): { added: Stroke[]; removed: Removed[] } {
  const removed: Removed[] = [];
  Y.iterateDeletedStructs(transaction, transaction.deleteSet, (struct) => {
    if (struct instanceof Y.Item && struct.parent === strokes && !addedIn(transaction, struct))
      (struct.content.getContent() as Stroke[]).forEach((stroke, i) =>
        removed.push({ stroke, client: struct.id.client, clock: struct.id.clock + i }),
      );
  });
  return { added: insertedInto(strokes, transaction), removed };
}

/** The strokes as they were before `transaction`, in order: the ones it removed are still readable. */
function strokesBefore(strokes: Y.Array<Stroke>, transaction: Y.Transaction): Stroke[] {
  const before: Stroke[] = [];
  for (let item = strokes._start; item !== null; item = item.right) {
    if (addedIn(transaction, item) || (item.deleted && !Y.isDeleted(transaction.deleteSet, item.id))) continue;
    before.push(...(item.content.getContent() as Stroke[]));
  }
  return before;
}

/** A document holding `strokes` (what a version keeps: a restore reads its strokes). */
function stateOf(strokes: Stroke[]): Uint8Array {
  const doc = new Y.Doc();
  try {
    doc.getArray<Stroke>(STROKES_KEY).push(strokes);
    return Y.encodeStateAsUpdate(doc);
  } finally {
    doc.destroy();
  }
}

function strokesOf(update: Uint8Array): Stroke[] {
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, update);
    return doc.getArray<Stroke>(STROKES_KEY).toArray();
  } finally {
    doc.destroy();
  }
}

/** Stored by us; an unreadable list shows no changes rather than failing the history. */
function parseChanges(json: string): Tally[] {
  try {
    const value = JSON.parse(json) as unknown;
    return Array.isArray(value) ? (value as Tally[]) : [];
  } catch {
    return [];
  }
}
