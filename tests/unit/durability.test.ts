import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import * as awarenessProtocol from 'y-protocols/awareness';
import pino from 'pino';
import { CLOSE_CODES, STROKES_KEY } from '../../lib/protocol';
import type { Stroke } from '../../lib/strokes';
import { MESSAGE_STORED, mergeStored, unsavedStrokes } from '../../lib/stored';
import { FakeSocket as RecordingSocket, testModel } from '../helpers/roomFakes';
import { RoomRegistry } from '../../server/sync/roomRegistry';
import { MemoryUpdateStore } from '../../server/sync/memoryUpdateStore';
import { persistence } from '../../server/sync/persistence';

const log = pino({ level: 'silent' });
const model = testModel;
const editor = (user: string) => ({ user, role: 'editor' as const });

/** A room connection that also reads back the acknowledgements it received. */
class FakeSocket extends RecordingSocket {
  /** The stored clocks of every acknowledgement this socket received, in order. */
  acknowledgements(): Array<Map<number, number>> {
    return this.sent.flatMap((message) => {
      const decoder = decoding.createDecoder(message);
      return decoding.readVarUint(decoder) === MESSAGE_STORED ? [Y.decodeStateVector(decoding.readVarUint8Array(decoder))] : [];
    });
  }
}

function message(type: number, write: (e: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, type);
  write(encoder);
  return encoding.toUint8Array(encoder);
}

function stroke(by: string): Stroke {
  return { id: `s-${Math.random().toString(36).slice(2, 10)}`, tool: 'brush', label: 'sea', size: 8, points: [1, 2, 3, 4], by };
}

/** Pushes strokes on a client document and returns the sync message carrying them. */
function paint(doc: Y.Doc, ...strokes: Stroke[]): Uint8Array {
  const before = Y.encodeStateVector(doc);
  doc.getArray<Stroke>(STROKES_KEY).push(strokes);
  return message(0, (e) => syncProtocol.writeUpdate(e, Y.encodeStateAsUpdate(doc, before)));
}

const microtasks = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('acknowledged durability', () => {
  it("commits a session's first sync step 2 (what its page painted offline) at once, its other updates in the interval", async () => {
    const store = new MemoryUpdateStore();
    const appends: boolean[] = [];
    const append = store.append.bind(store);
    store.append = (roomId, update, now = false) => {
      appends.push(now);
      return append(roomId, update);
    };
    const registry = new RoomRegistry(async () => model, 1000, log);
    registry.use(persistence(store));
    const { room, session } = (await registry.connect('room-n', new FakeSocket(), editor('user-a')))!;
    const offline = new Y.Doc();
    offline.getArray<Stroke>(STROKES_KEY).push([stroke('user-a')]);
    const step2 = (doc: Y.Doc) => message(0, (e) => syncProtocol.writeSyncStep2(e, doc));
    room.receive(session, step2(offline));
    room.receive(session, paint(offline, stroke('user-a')));
    offline.getArray<Stroke>(STROKES_KEY).push([stroke('user-a')]);
    room.receive(session, step2(offline));
    expect(appends).toEqual([true, false, false]);
    expect(room.catchingUp).toBe(false);
  });

  it('acknowledges a stroke to its sender only after the commit that stored it; a join is told all', async () => {
    const store = new MemoryUpdateStore();
    const registry = new RoomRegistry(async () => model, 1000, log);
    registry.use(persistence(store));
    const a = new FakeSocket();
    const b = new FakeSocket();
    const { session } = (await registry.connect('room-d', a, editor('user-a')))!;
    await registry.connect('room-d', b, editor('user-b'));
    // A join is told what is stored: nothing yet.
    expect(a.acknowledgements()).toEqual([new Map()]);

    const client = new Y.Doc();
    registry.get('room-d')!.receive(session, paint(client, stroke('user-a'), stroke('user-a')));
    await microtasks();
    expect(a.acknowledgements()).toHaveLength(1); // received and broadcast, not stored: no acknowledgement
    expect(store.stored.get('room-d')).toBeUndefined();

    await store.flush();
    await microtasks();
    const expected = new Map([[client.clientID, 2]]);
    expect(a.acknowledgements().at(-1)).toEqual(expected);
    // B wrote nothing: its page has nothing to count, and is not sent the clocks of others.
    expect(b.acknowledgements()).toEqual([new Map()]);
    // The acknowledged clocks are what a restart would load.
    const reloaded = new Y.Doc();
    Y.applyUpdate(reloaded, Y.mergeUpdates(store.stored.get('room-d')!));
    expect(Y.decodeStateVector(Y.encodeStateVector(reloaded)).get(client.clientID)).toBe(2);

    // One commit of several edits sends one acknowledgement with the newest clocks.
    registry.get('room-d')!.receive(session, paint(client, stroke('user-a')));
    registry.get('room-d')!.receive(session, paint(client, stroke('user-a')));
    await store.flush();
    await microtasks();
    expect(a.acknowledgements()).toHaveLength(3);
    expect(a.acknowledgements().at(-1)).toEqual(new Map([[client.clientID, 4]]));

    // A later join is told everything stored, whoever wrote it.
    const c = new FakeSocket();
    await registry.connect('room-d', c, editor('user-c'));
    expect(c.acknowledgements()).toEqual([new Map([[client.clientID, 4]])]);
    await registry.close();
  });

  it('counts the strokes of one author the acknowledgements do not cover', () => {
    const doc = new Y.Doc();
    const strokes = doc.getArray<Stroke>(STROKES_KEY);
    strokes.push([stroke('me'), stroke('other'), stroke('me')]);
    strokes.push([stroke('me')]);
    const stored = new Map<number, number>();
    expect(unsavedStrokes(strokes, stored, 'me')).toBe(3);
    expect(mergeStored(stored, new Map([[doc.clientID, 2]]))).toBe(true);
    expect(mergeStored(stored, new Map([[doc.clientID, 1]]))).toBe(false); // stored clocks only grow
    expect(unsavedStrokes(strokes, stored, 'me')).toBe(2);
    strokes.delete(3, 1); // undone before it was stored: nothing left to lose
    expect(unsavedStrokes(strokes, stored, 'me')).toBe(1);
    mergeStored(stored, new Map([[doc.clientID, 4]]));
    expect(unsavedStrokes(strokes, stored, 'me')).toBe(0);
    // Strokes of an earlier page (another Yjs client id, restored from IndexedDB) count too.
    const earlier = new Y.Doc();
    earlier.getArray<Stroke>(STROKES_KEY).push([stroke('me')]);
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(earlier));
    expect(unsavedStrokes(strokes, stored, 'me')).toBe(1);
  });
});

describe('reconnecting after a restart', () => {
  it('drops edits sent before the sync step 2 that carries what they depend on; refuses them after it', async () => {
    const registry = new RoomRegistry(async () => model, 1000, log);
    const socket = new FakeSocket();
    const { room, session } = (await registry.connect('room-r', socket, editor('user-a')))!;
    // The page painted two strokes; the restarted room lost both. Its next stroke goes out as the
    // socket opens, before it has answered the server's sync step 1.
    const page = new Y.Doc();
    page.getArray<Stroke>(STROKES_KEY).push([stroke('user-a'), stroke('user-a')]);
    room.receive(session, paint(page, stroke('user-a')));
    expect(socket.closed).toBeNull();
    expect(room.strokes.length).toBe(0);
    room.receive(
      session,
      message(0, (e) => syncProtocol.writeSyncStep2(e, page, Y.encodeStateVector(room.doc))),
    );
    expect(room.strokes.length).toBe(3);
    // Answered: a gap now is no race, and is refused.
    const other = new Y.Doc();
    other.getArray<Stroke>(STROKES_KEY).push([stroke('user-a')]);
    room.receive(session, paint(other, stroke('user-a')));
    expect(socket.closed?.code).toBe(CLOSE_CODES.missingState);
    await registry.close();
  });
});

describe('presence size', () => {
  function presence(clientId: number, name: string): Uint8Array {
    const doc = new Y.Doc();
    doc.clientID = clientId;
    const awareness = new awarenessProtocol.Awareness(doc);
    awareness.setLocalState({ user: { name, color: '#000000' }, cursor: null, tool: 'brush', label: 'sea', drawing: null });
    return awarenessProtocol.encodeAwarenessUpdate(awareness, [clientId]);
  }

  it("is capped per entry: a newcomer echoing a crowded room's presence stays, one oversized state is refused", async () => {
    const registry = new RoomRegistry(async () => model, 1000, log);
    const peers = Array.from({ length: 8 }, () => new FakeSocket());
    const states: Uint8Array[] = [];
    for (const [i, socket] of peers.entries()) {
      const { room, session } = (await registry.connect('room-p', socket, editor(`user-${i}`)))!;
      // Each presence a few KiB (a long stroke in progress): together well over 16 KiB.
      const state = presence(1000 + i, 'x'.repeat(3000));
      states.push(state);
      room.receive(
        session,
        message(1, (e) => encoding.writeVarUint8Array(e, state)),
      );
    }
    const room = registry.get('room-p')!;
    expect(room.awareness.getStates().size).toBe(8);

    const newcomer = new FakeSocket();
    const { session } = (await registry.connect('room-p', newcomer, editor('newcomer')))!;
    // What y-websocket answers after applying everyone's presence: all of it in one message.
    const echo = awarenessProtocol.encodeAwarenessUpdate(room.awareness, [...room.awareness.getStates().keys()]);
    expect(echo.byteLength).toBeGreaterThan(16 * 1024);
    room.receive(
      session,
      message(1, (e) => encoding.writeVarUint8Array(e, echo)),
    );
    expect(newcomer.closed).toBeNull();

    const huge = presence(2000, 'x'.repeat(17 * 1024));
    room.receive(
      session,
      message(1, (e) => encoding.writeVarUint8Array(e, huge)),
    );
    expect(newcomer.closed?.code).toBe(CLOSE_CODES.invalidMessage);
    expect(room.awareness.getStates().has(2000)).toBe(false);
    await registry.close();
  });
});
