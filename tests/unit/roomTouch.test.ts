import { describe, expect, it } from 'vitest';
import type { Db } from '../../server/db';
import { RoomService } from '../../server/rooms/roomService';

describe('RoomService.touch', () => {
  it("writes a room's activity at most once per interval, each room on its own", async () => {
    const writes: string[] = [];
    const db = { room: { update: async ({ where }: { where: { id: string } }) => void writes.push(where.id) } } as unknown as Db;
    const rooms = new RoomService(db);
    const t = 1_000_000;
    for (let i = 0; i < 100; i++) await rooms.touch('a', t + i);
    await rooms.touch('b', t);
    expect(writes).toEqual(['a', 'b']);
    await rooms.touch('a', t + 5 * 60_000);
    expect(writes).toEqual(['a', 'b', 'a']);
  });
});
