import * as Y from 'yjs';
import { forgetQueryArguments, type DatabaseProvider, type Db } from '../db';

/** One room's update to write, as one row. */
export interface UpdateRow {
  roomId: string;
  data: Uint8Array;
}

/** The database side of PrismaUpdateStore: rooms' rows read merged, written in one commit, compacted. */
export interface UpdateRows {
  /** The room's rows merged into one update (null when it has none), and how many rows there are. */
  load(roomId: string): Promise<{ state: Uint8Array | null; rows: number }>;
  /** Writes the rows in one commit. */
  write(rows: UpdateRow[]): Promise<void>;
  /** Replaces a room's rows with one merged update. */
  compact(roomId: string): Promise<void>;
}

/** UpdateRows through Prisma (in process, or on the rows thread: updateRowsThread.ts). */
export class PrismaUpdateRows implements UpdateRows {
  constructor(
    private readonly db: Db,
    private readonly provider: DatabaseProvider,
  ) {}

  async load(roomId: string): Promise<{ state: Uint8Array | null; rows: number }> {
    const rows = await this.read(roomId);
    return { state: rows.length === 0 ? null : Y.mergeUpdates(rows.map((r) => r.data)), rows: rows.length };
  }

  /**
   * The room's rows in order. Prisma's SQLite adapter hands a blob over as an array of numbers, one
   * element per byte (a room's 600 kB state: a 600k-element array), so SQLite's come as hex text.
   */
  private async read(roomId: string): Promise<Array<{ id: number; data: Uint8Array }>> {
    if (this.provider === 'sqlite') {
      const rows = await this.db.$queryRaw<Array<{ id: bigint | number; data: string }>>`
        SELECT id, hex(data) AS data FROM "RoomUpdate" WHERE "roomId" = ${roomId} ORDER BY id`;
      return rows.map((r) => ({ id: Number(r.id), data: Buffer.from(r.data, 'hex') }));
    }
    const rows = await this.db.roomUpdate.findMany({ where: { roomId }, orderBy: { id: 'asc' }, select: { id: true, data: true } });
    return rows.map((r) => ({ id: r.id, data: new Uint8Array(r.data) }));
  }

  async write(rows: UpdateRow[]): Promise<void> {
    await this.db.roomUpdate.createMany({ data: rows.map((r) => ({ roomId: r.roomId, data: Buffer.from(r.data) })) });
  }

  async compact(roomId: string): Promise<void> {
    // Read and merged outside the writing transaction, which then holds the database's write lock
    // only to swap the rows: stored rows never change, and the ones appended meanwhile stay.
    const rows = await this.read(roomId);
    if (rows.length <= 1) return;
    const merged = Y.mergeUpdates(rows.map((r) => r.data));
    await this.db.$transaction([
      this.db.roomUpdate.deleteMany({ where: { roomId, id: { lte: rows[rows.length - 1].id } } }),
      // Only the id back: Prisma's SQLite adapter turns a returned blob into an array of numbers.
      this.db.roomUpdate.create({ data: { roomId, data: Buffer.from(merged) }, select: { id: true } }),
    ]);
    forgetQueryArguments();
  }
}
