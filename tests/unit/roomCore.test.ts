import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import * as awarenessProtocol from 'y-protocols/awareness';
import pino from 'pino';
import { CLOSE_CODES, STROKES_KEY } from '../../lib/protocol';
import type { Stroke } from '../../lib/strokes';
import { EVENTS } from '../../lib/events';
import type { Db } from '../../server/db';
import { Room, type Grant, type RoomEvents, type RoomSession } from '../../server/sync/room';
import { RoomRegistry } from '../../server/sync/roomRegistry';
import { RoomStateKey, type RoomExtension } from '../../server/sync/roomExtension';
import type { FeedSocket } from '../../server/sync/roomSocket';
import { MemoryUpdateStore } from '../../server/sync/memoryUpdateStore';
import { persistence } from '../../server/sync/persistence';
import { RoomStyles } from '../../server/styles/roomStyles';
import { RenderService } from '../../server/render/renderService';
import type { ModelRegistry } from '../../server/models/modelRegistry';
import { FakeSocket, testModel as model } from '../helpers/roomFakes';

const log = pino({ level: 'silent' });
/** A client document fed with everything its socket received (sync messages only). */
function clientDocOf(socket: FakeSocket): Y.Doc {
  const doc = new Y.Doc();
  for (const message of socket.sent) {
    const decoder = decoding.createDecoder(message);
    if (decoding.readVarUint(decoder) === 0) syncProtocol.readSyncMessage(decoder, encoding.createEncoder(), doc, null);
  }
  return doc;
}

function updateMessage(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 0);
  syncProtocol.writeUpdate(encoder, update);
  return encoding.toUint8Array(encoder);
}

function strokeUpdate(label: string): Uint8Array {
  const doc = new Y.Doc();
  const stroke: Stroke = {
    id: `s-${label}-${Math.random().toString(36).slice(2, 8)}`,
    tool: 'brush',
    label,
    size: 8,
    points: [1, 2, 3, 4],
  };
  doc.getArray<Stroke>(STROKES_KEY).push([stroke]);
  return Y.encodeStateAsUpdate(doc);
}

const noEvents: RoomEvents = { onChange: () => undefined, onJoin: () => undefined, onLeave: () => undefined };
const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Room (over minimal sockets)', () => {
  it('starts the handshake, applies a valid update and broadcasts it to the other sessions only', () => {
    const changes: unknown[] = [];
    const room = new Room('room-1', model, { ...noEvents, onChange: (_r, _u, origin) => changes.push(origin) }, log);
    const a = new FakeSocket();
    const b = new FakeSocket();
    const sa = room.join(a, editor('user-a'));
    room.join(b, editor(null));
    const first = decoding.createDecoder(a.sent[0]);
    expect([decoding.readVarUint(first), decoding.readVarUint(first)]).toEqual([0, syncProtocol.messageYjsSyncStep1]);

    const before = a.sent.length;
    room.receive(sa, updateMessage(strokeUpdate('sea')));
    expect(room.strokes.length).toBe(1);
    expect(changes).toEqual([a]);
    expect(a.sent.length).toBe(before); // not echoed to its author
    expect(
      clientDocOf(b)
        .getArray<Stroke>(STROKES_KEY)
        .toArray()
        .map((s) => s.label),
    ).toEqual(['sea']);
    expect(room.users()).toEqual(new Set(['user-a']));
  });

  it('closes a session that sends an invalid update with the reason, and the others carry on', () => {
    const left: RoomSession[] = [];
    const room = new Room('room-2', model, { ...noEvents, onLeave: (_r, s) => left.push(s) }, log);
    const bad = new FakeSocket();
    const good = new FakeSocket();
    const sBad = room.join(bad, editor(null));
    const sGood = room.join(good, editor(null));
    room.receive(sBad, updateMessage(strokeUpdate('lava')));
    expect(bad.closed?.code).toBe(CLOSE_CODES.invalidMessage);
    expect(bad.closed?.reason).toMatch(/lava/);
    expect(room.strokes.length).toBe(0);
    expect(left.map((s) => s.id)).toEqual([sBad.id]);
    room.receive(sGood, updateMessage(strokeUpdate('sky')));
    expect(room.strokes.length).toBe(1);
    expect(room.sessionCount).toBe(1);
  });

  it("removes a leaving session's presence and tells the others", () => {
    const room = new Room('room-4', model, noEvents, log);
    const a = new FakeSocket();
    const b = new FakeSocket();
    const sa = room.join(a, editor(null));
    room.join(b, editor(null));
    const client = new awarenessProtocol.Awareness(new Y.Doc());
    client.setLocalState({ user: { name: 'A', color: '#000000' }, cursor: null, tool: 'brush', label: 'sea', drawing: null });
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, 1);
    encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(client, [client.clientID]));
    room.receive(sa, encoding.toUint8Array(encoder));
    expect([...room.awareness.getStates().keys()]).toEqual([client.clientID]);
    const seen = b.sent.length;
    room.leave(sa);
    expect(room.awareness.getStates().size).toBe(0);
    expect(b.sent.length).toBe(seen + 1); // the removal reaches the session still here
  });

  it("answers a presence query with everyone's current presence, once encoded per change", () => {
    const room = new Room('room-5', model, noEvents, log);
    const a = new FakeSocket();
    const asker = new FakeSocket();
    const sa = room.join(a, editor(null));
    const sAsker = room.join(asker, editor(null));
    const client = new awarenessProtocol.Awareness(new Y.Doc());
    const announce = (tool: string) => {
      client.setLocalState({ user: { name: 'A', color: '#000000' }, cursor: null, tool, label: 'sea', drawing: null });
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, 1);
      encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(client, [client.clientID]));
      room.receive(sa, encoding.toUint8Array(encoder));
    };
    const answer = () => {
      room.receive(sAsker, new Uint8Array([3]));
      const seen = new awarenessProtocol.Awareness(new Y.Doc());
      const decoder = decoding.createDecoder(asker.sent.at(-1)!);
      expect(decoding.readVarUint(decoder)).toBe(1);
      awarenessProtocol.applyAwarenessUpdate(seen, decoding.readVarUint8Array(decoder), null);
      return { message: asker.sent.at(-1)!, tool: (seen.getStates().get(client.clientID) as { tool?: string } | undefined)?.tool };
    };
    announce('brush');
    const first = answer();
    expect(first.tool).toBe('brush');
    expect(answer().message).toBe(first.message); // unchanged presence: the same bytes, not re-encoded
    announce('eraser');
    expect(answer().tool).toBe('eraser');
    room.leave(sa);
    expect(answer().tool).toBeUndefined();
  });

  it('refuses a flood of messages with the rate-limit close code', () => {
    const room = new Room('room-3', model, noEvents, log);
    const socket = new FakeSocket();
    const session = room.join(socket, editor(null));
    const query = new Uint8Array([3]); // query awareness: cheap and valid
    for (let i = 0; i < 300 && !socket.closed; i++) room.receive(session, query);
    expect(socket.closed?.code).toBe(CLOSE_CODES.rateLimited);
    expect(room.sessionCount).toBe(0);
  });
});

/** An extension recording the hooks it saw, keeping a per-room counter in the room. */
function recorder() {
  const COUNT = new RoomStateKey<{ changes: number }>('test-count');
  const calls: string[] = [];
  const extension: RoomExtension = {
    onLoad: (room) => {
      calls.push(`load:${room.id}`);
      room.set(COUNT, { changes: 0 });
    },
    onJoin: (room, s) => calls.push(`join:${s.channel}:${s.user ?? '-'}`),
    onLeave: (room, s) => calls.push(`leave:${s.channel}:${s.user ?? '-'}`),
    onChange: (room) => {
      const count = room.get(COUNT);
      if (count) count.changes += 1;
    },
    onStore: (room) => void calls.push(`store:${room.id}`),
    afterUnload: (roomId) => void calls.push(`unloaded:${roomId}`),
  };
  return { extension, calls, COUNT };
}

const editor = (user: string | null): Grant => ({ user, role: 'editor' });
const feed: FeedSocket = { emit: () => true, disconnect: () => undefined };

describe('RoomRegistry and extensions (in-memory store)', () => {
  it('loads a room once for concurrent opens, persists edits and loads them again after unload', async () => {
    const store = new MemoryUpdateStore();
    const { extension, calls } = recorder();
    const registry = new RoomRegistry(async () => model, 20, log);
    registry.use(persistence(store), extension);
    const [r1, r2] = await Promise.all([registry.open('room-a'), registry.open('room-a')]);
    expect(r1).toBe(r2);
    expect(calls.filter((c) => c.startsWith('load'))).toEqual(['load:room-a']);

    const socket = new FakeSocket();
    const joined = (await registry.connect('room-a', socket, editor(null)))!;
    joined.room.receive(joined.session, updateMessage(strokeUpdate('sea')));
    joined.room.leave(joined.session);
    await tick(60);
    expect(registry.get('room-a')).toBeUndefined();
    expect(store.stored.get('room-a')).toHaveLength(1);

    const bare = new RoomRegistry(async () => model, 20, log);
    expect((await bare.open('room-a')).strokes.length).toBe(0); // without persistence a room starts empty
    await bare.close();
    const fresh = new RoomRegistry(async () => model, 20, log);
    fresh.use(persistence(store));
    expect((await fresh.open('room-a')).strokes.toArray().map((s) => s.label)).toEqual(['sea']);
    await fresh.close();
  });

  it('runs its empty hook (a full GC in the server) once the last room has unloaded, not before', async () => {
    let empty = 0;
    const registry = new RoomRegistry(
      async () => model,
      20,
      log,
      undefined,
      () => empty++,
    );
    const a = await registry.watch('room-e1', feed, editor('user-1'));
    const b = await registry.watch('room-e2', feed, editor('user-2'));
    a.room.leave(a.session);
    await tick(60);
    expect(registry.get('room-e1')).toBeUndefined();
    expect(empty).toBe(0);
    b.room.leave(b.session);
    await tick(60);
    expect(registry.loaded).toEqual([]);
    expect(empty).toBe(1);
  });

  it('runs the hooks in order with the session user; a feed session keeps the room loaded', async () => {
    const { extension, calls, COUNT } = recorder();
    const registry = new RoomRegistry(async () => model, 20, log);
    registry.use(extension);
    const { room, session } = await registry.watch('room-b', feed, editor('user-1'));
    expect(room.users()).toEqual(new Set(['user-1']));
    await tick(60);
    expect(registry.get('room-b')).toBe(room); // still watched: not unloaded
    room.load(strokeUpdate('sky'));
    expect(room.get(COUNT)?.changes).toBe(1);
    room.leave(session);
    await tick(60);
    expect(calls).toEqual(['load:room-b', 'join:feed:user-1', 'leave:feed:user-1', 'store:room-b', 'unloaded:room-b']);
    expect(room.get(COUNT)).toBeUndefined(); // per-room state went with the room
  });

  it("a style change reaches the live room's extensions (and nothing for a room not loaded)", async () => {
    const registry = new RoomRegistry(async () => model, 20, log);
    const db = { room: { findUnique: async () => null, update: async () => ({}) } } as unknown as Db;
    const styles = new RoomStyles(db, registry);
    const heard: string[] = [];
    registry.use({ onSetting: (room, setting) => void heard.push(`${room.id}:${setting}`) });
    const { room, session } = await registry.watch('room-s', feed, editor('user-1'));
    const z = Float32Array.from([1, 2, 3, 4]);
    await styles.set('room-s', { id: 'dusk', name: 'Dusk', z });
    await styles.set('room-elsewhere', { id: 'dusk', name: 'Dusk', z });
    expect(heard).toEqual(['room-s:style']);
    expect((await styles.get('room-s', model)).z).toEqual(z); // the live room holds the new style
    room.leave(session);
    await registry.close();
  });

  it('after unload no service holds an entry for the room (render state, style cache, scheduler)', async () => {
    const registry = new RoomRegistry(async () => model, 20, log);
    let dbReads = 0;
    const db = {
      room: {
        findUnique: async () => {
          dbReads += 1;
          return null;
        },
        update: async () => ({}),
      },
    } as unknown as Db;
    const styles = new RoomStyles(db, registry);
    const emitted: string[] = [];
    const render = new RenderService(
      {
        models: {} as ModelRegistry,
        registry,
        styles,
        channel: { emit: (_roomId, event, ..._args) => void emitted.push(event), audience: () => 1 },
        log,
      },
      { providers: ['cpu'], threads: 1, nice: 0, concurrency: 1, format: 'webp' },
    );
    registry.use(render);
    const { room, session } = await registry.watch('room-c', feed, editor('user-1'));
    await styles.get('room-c', model);
    await styles.get('room-c', model);
    expect(dbReads).toBe(1); // cached with the live room
    room.load(strokeUpdate('sea')); // marks it dirty: the scheduler tries to render (no generator here)
    await render.scheduler.idle();
    expect(emitted).toContain(EVENTS.renderStatus);

    room.leave(session);
    await tick(60);
    expect(registry.get('room-c')).toBeUndefined();
    expect(registry.loaded).toEqual([]);
    expect(render.latestFrame('room-c')).toBeNull();
    expect([render.scheduler.pending, render.scheduler.running]).toEqual([0, 0]);
    await styles.get('room-c', model);
    expect(dbReads).toBe(2); // the cache went with the room
  });
});
