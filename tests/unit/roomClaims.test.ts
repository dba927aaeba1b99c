// The registry's room claims (several sync instances, server/cluster/ownership.ts): a room is
// claimed before it loads and released only after it is unloaded and stored, a load during an
// unload claims after that release, a refused claim loads nothing, an evicted room's sessions
// are closed to reconnect elsewhere, and shutdown releases every room after storing it.
import { describe, expect, it } from 'vitest';
import { RoomRegistry, type RoomClaims } from '../../server/sync/roomRegistry';
import { log as serverLog } from '../../server/log';
import { FakeSocket, testModel } from '../helpers/roomFakes';

const log = serverLog.child({}, { level: 'silent' });
const editor = { user: 'u1', role: 'editor' as const };

/** Records claims, releases and what the extensions saw, in order. */
function setup(idleMs = 10_000, refuse = new Set<string>()) {
  const events: string[] = [];
  const claims: RoomClaims = {
    async claim(roomId) {
      events.push(`claim ${roomId}`);
      if (refuse.has(roomId)) throw Object.assign(new Error(`${roomId} is held elsewhere`), { name: 'RoomElsewhere' });
    },
    async release(roomId) {
      events.push(`release ${roomId}`);
    },
  };
  const registry = new RoomRegistry(async () => testModel, idleMs, log, claims);
  registry.use({
    onLoad: (room) => void events.push(`load ${room.id}`),
    onStore: async (room) => {
      await new Promise((r) => setTimeout(r, 20));
      events.push(`store ${room.id}`);
    },
    afterUnload: (roomId) => void events.push(`unloaded ${roomId}`),
  });
  return { registry, events };
}

describe('room claims', () => {
  it('claimed before loading, released after storing and unloading; a load meanwhile claims after the release', async () => {
    const { registry, events } = setup(0);
    const socket = new FakeSocket();
    const joined = await registry.connect('r1', socket, editor);
    joined!.room.leave(joined!.session);
    // The unload starts (idle 0 ms); a new connection arrives while it stores.
    await new Promise((r) => setTimeout(r, 5));
    const again = await registry.connect('r1', new FakeSocket(), editor);
    expect(events).toEqual(['claim r1', 'load r1', 'store r1', 'unloaded r1', 'release r1', 'claim r1', 'load r1']);
    expect(registry.get('r1')).toBe(again!.room);
  });

  it('a refused claim loads nothing: the open fails and the room is not live here', async () => {
    const { registry, events } = setup(10_000, new Set(['r2']));
    await expect(registry.open('r2')).rejects.toThrow(/held elsewhere/);
    expect(registry.get('r2')).toBeUndefined();
    expect(events).toEqual(['claim r2']);
  });

  it('an evicted room: its sessions closed with 1012, nothing stored, not live; the next open claims again', async () => {
    const { registry, events } = setup();
    const socket = new FakeSocket();
    await registry.connect('r3', socket, editor);
    expect(registry.evict('r3', 'room moved to another server')).toBe(true);
    expect(socket.closed).toEqual({ code: 1012, reason: 'room moved to another server' });
    expect(registry.get('r3')).toBeUndefined();
    expect(registry.evict('r3', 'again')).toBe(false);
    await registry.open('r3');
    expect(events.filter((e) => e.startsWith('store'))).toEqual([]);
    expect(events.filter((e) => e.startsWith('claim'))).toEqual(['claim r3', 'claim r3']);
  });

  it('shutdown: everyone disconnected, every room stored, then released; no room loads after', async () => {
    const { registry, events } = setup();
    const sockets = [new FakeSocket(), new FakeSocket()];
    await registry.connect('a', sockets[0], editor);
    await registry.connect('b', sockets[1], editor);
    await registry.close();
    expect(sockets.map((s) => s.closed?.code)).toEqual([1001, 1001]);
    const tail = events.slice(events.indexOf('store a'));
    expect(tail.slice(0, 2).sort()).toEqual(['store a', 'store b']);
    expect(tail.slice(2).sort()).toEqual(['release a', 'release b']);
    await expect(registry.open('c')).rejects.toThrow(/shutting down/);
  });
});
