import * as Y from 'yjs';
import { forgetQueryArguments, type Db } from '../db';

/** A version of a room as stored: its whole state, why and by whom, and who changed what before it. */
export interface VersionRow {
  roomId: string;
  reason: string;
  byUserId: string | null;
  restoredFrom: number | null;
  state: Uint8Array;
  strokeCount: number;
  changes: string;
}

/**
 * A version to store, its state given as updates whose merge is that state (the previous
 * version's state and the updates since): the merge is done where the version is written, on the
 * rows thread, not on the sync loop.
 */
export type VersionDraft = Omit<VersionRow, 'state'> & { parts: Uint8Array[] };

/**
 * Stores a version and drops the room's versions past the newest `keep` (on the rows thread, or in
 * process); returns the state it stored.
 */
export async function addVersion(db: Db, draft: VersionDraft, keep: number): Promise<Uint8Array> {
  const { parts, ...fields } = draft;
  const state = parts.length === 1 ? parts[0] : Y.mergeUpdates(parts);
  // Only the id back: Prisma's SQLite adapter turns a returned blob into an array of numbers.
  await db.roomVersion.create({ select: { id: true }, data: { ...fields, state: new Uint8Array(state) } });
  forgetQueryArguments();
  const { roomId } = draft;
  const oldest = await db.roomVersion.findFirst({ where: { roomId }, orderBy: { id: 'desc' }, skip: keep, select: { id: true } });
  if (oldest) await db.roomVersion.deleteMany({ where: { roomId, id: { lte: oldest.id } } });
  return state;
}
