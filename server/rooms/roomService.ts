import * as Y from 'yjs';
import { customAlphabet } from 'nanoid';
import type { Db } from '../db';
import { newStrokeId, type Stroke } from '../../lib/strokes';
import { STROKES_KEY } from '../../lib/protocol';
import { STARTER_SCENE } from './starterScene';

// 16 characters from 64 symbols = 96 bits: unguessable room links.
const makeRoomId = customAlphabet('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-', 16);

export interface RoomRecord {
  id: string;
  createdAt: Date;
  modelId: string;
}

/** Rooms as database records: creation (optionally with a starter scene), look-up, activity. */
export class RoomService {
  constructor(private readonly db: Db) {}

  async create(options: { modelId: string; starter: boolean; strokes?: readonly Omit<Stroke, 'id'>[] }): Promise<RoomRecord> {
    const id = makeRoomId();
    const initial = options.strokes ?? (options.starter ? STARTER_SCENE : []);
    const room = await this.db.room.create({ data: { id, modelId: options.modelId } });
    if (initial.length > 0) {
      await this.db.roomUpdate.create({ data: { roomId: id, data: Buffer.from(encodeStrokes(initial)) } });
    }
    return room;
  }

  /** Creates a room whose document starts as a copy of an existing Yjs state (gallery forks). */
  async createFromState(modelId: string, state: Uint8Array): Promise<RoomRecord> {
    const id = makeRoomId();
    const room = await this.db.room.create({ data: { id, modelId } });
    await this.db.roomUpdate.create({ data: { roomId: id, data: Buffer.from(state) } });
    return room;
  }

  find(id: string): Promise<RoomRecord | null> {
    return this.db.room.findUnique({ where: { id } });
  }

  async touch(id: string): Promise<void> {
    await this.db.room.update({ where: { id }, data: { lastActiveAt: new Date() } });
  }
}

function encodeStrokes(strokes: readonly Omit<Stroke, 'id'>[]): Uint8Array {
  const doc = new Y.Doc();
  doc.getArray<Stroke>(STROKES_KEY).push(strokes.map((s) => ({ ...s, id: newStrokeId() })));
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}
