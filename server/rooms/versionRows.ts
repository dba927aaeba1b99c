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

/** Stores a version and drops the room's versions past the newest `keep` (on the rows thread, or in process). */
export async function addVersion(db: Db, version: VersionRow, keep: number): Promise<void> {
  // Only the id back: Prisma's SQLite adapter turns a returned blob into an array of numbers.
  await db.roomVersion.create({ select: { id: true }, data: { ...version, state: new Uint8Array(version.state) } });
  forgetQueryArguments();
  const { roomId } = version;
  const oldest = await db.roomVersion.findFirst({ where: { roomId }, orderBy: { id: 'desc' }, skip: keep, select: { id: true } });
  if (oldest) await db.roomVersion.deleteMany({ where: { roomId, id: { lte: oldest.id } } });
}
