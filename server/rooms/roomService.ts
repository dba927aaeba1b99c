import * as Y from 'yjs';
import { customAlphabet } from 'nanoid';
import type { Db } from '../db';
import { newStrokeId, type Stroke } from '../../lib/strokes';
import { STROKES_KEY } from '../../lib/protocol';
import { STARTER_SCENE } from './starterScene';
import { freshLinks } from './links';

// 16 characters from 64 symbols = 96 bits: unguessable room links.
const makeRoomId = customAlphabet('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-', 16);

export interface RoomRecord {
  id: string;
  createdAt: Date;
  modelId: string;
  /** Null: an open room, where everyone edits until someone claims it (roomAccess.ts). */
  ownerId: string | null;
  private: boolean;
}

const TOUCH_INTERVAL_MS = 5 * 60_000;
const MAX_TOUCHED = 10_000;

/** Rooms as database records: creation (optionally with a starter scene), look-up, activity. */
export class RoomService {
  /** When each room's activity was last written (touch). */
  private readonly touched = new Map<string, number>();

  constructor(private readonly db: Db) {}

  /** `ownerId`: the creator's verified identity; null makes an open room. */
  async create(options: {
    modelId: string;
    starter: boolean;
    ownerId: string | null;
    strokes?: readonly Omit<Stroke, 'id'>[];
  }): Promise<RoomRecord> {
    const id = makeRoomId();
    const initial = options.strokes ?? (options.starter ? STARTER_SCENE : []);
    const room = await this.insert(id, options.modelId, options.ownerId);
    if (initial.length > 0) {
      await this.db.roomUpdate.create({ data: { roomId: id, data: Buffer.from(encodeStrokes(initial)) } });
    }
    return room;
  }

  /** Creates a room whose document starts as a copy of an existing Yjs state (gallery forks). */
  async createFromState(modelId: string, state: Uint8Array, ownerId: string | null): Promise<RoomRecord> {
    const id = makeRoomId();
    const room = await this.insert(id, modelId, ownerId);
    await this.db.roomUpdate.create({ data: { roomId: id, data: Buffer.from(state) } });
    return room;
  }

  private insert(id: string, modelId: string, ownerId: string | null): Promise<RoomRecord> {
    // An owned room gets its edit and view links at once; an open one when it is claimed.
    return this.db.room.create({
      data: {
        id,
        modelId,
        ownerId,
        ...(ownerId ? { links: { create: freshLinks(id).map(({ kind, secret }) => ({ kind, secret })) } } : {}),
      },
    });
  }

  find(id: string): Promise<RoomRecord | null> {
    return this.db.room.findUnique({ where: { id } });
  }

  /**
   * Records that the room was used. At most once per room per TOUCH_INTERVAL_MS: it runs on every
   * connection, and a write commit (fsync) per socket on the main thread let a burst of sockets
   * into one room stall every other room's strokes (bench:abuse).
   */
  async touch(id: string, now = Date.now()): Promise<void> {
    if (now - (this.touched.get(id) ?? -Infinity) < TOUCH_INTERVAL_MS) return;
    if (this.touched.size >= MAX_TOUCHED) this.touched.clear(); // a bound, not an LRU: an early write is harmless
    this.touched.set(id, now);
    await this.db.room.update({ where: { id }, data: { lastActiveAt: new Date(now) } });
  }
}

function encodeStrokes(strokes: readonly Omit<Stroke, 'id'>[]): Uint8Array {
  const doc = new Y.Doc();
  doc.getArray<Stroke>(STROKES_KEY).push(strokes.map((s) => ({ ...s, id: newStrokeId() })));
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}
