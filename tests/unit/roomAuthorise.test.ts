import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as awarenessProtocol from 'y-protocols/awareness';
import pino from 'pino';
import { CLOSE_CODES, STROKES_KEY } from '../../lib/protocol';
import type { Stroke } from '../../lib/strokes';
import type { Role } from '../../lib/access';
import type { ModelEntry } from '../../server/models/modelRegistry';
import { Room, type RoomEvents } from '../../server/sync/room';
import { SOCKET_OPEN, type RoomSocket } from '../../server/sync/roomSocket';
import { awarenessEntries, changesDocument, forgedAuthor } from '../../server/sync/authorise';

const log = pino({ level: 'silent' });
const model = { id: 'test', labelNames: new Set(['sky', 'sea']) } as unknown as ModelEntry;
const noEvents: RoomEvents = { onChange: () => undefined, onJoin: () => undefined, onLeave: () => undefined };

class FakeSocket implements RoomSocket {
  readyState = SOCKET_OPEN;
  closed: { code?: number; reason?: string } | null = null;
  send(): void {}
  close(code?: number, reason?: string): void {
    this.closed = { code, reason };
    this.readyState = 3;
  }
}

let n = 0;
const stroke = (extra: Partial<Stroke> = {}): Stroke => ({
  id: `s${++n}`,
  tool: 'brush',
  label: 'sea',
  size: 8,
  points: [1, 2, 3, 4],
  ...extra,
});

function message(type: number, write: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, type);
  write(e);
  return encoding.toUint8Array(e);
}
const updateMessage = (update: Uint8Array) => message(0, (e) => syncProtocol.writeUpdate(e, update));
/** What a client with an empty document answers to the server's sync step 1. */
const emptyStep2 = () => message(0, (e) => syncProtocol.writeSyncStep2(e, new Y.Doc()));
/** Presence of `clientId` after `changes` local changes (its awareness clock). */
function presenceMessage(clientId: number, name: string, changes = 1): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = clientId;
  const awareness = new awarenessProtocol.Awareness(doc);
  for (let i = 0; i < changes; i++) {
    awareness.setLocalState({ user: { name, color: '#000000' }, cursor: { x: i, y: 0 }, tool: 'brush', label: 'sea', drawing: null });
  }
  return message(1, (e) => encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(awareness, [clientId])));
}

function pushed(doc: Y.Doc, ...strokes: Stroke[]): Uint8Array {
  const before = Y.encodeStateVector(doc);
  doc.getArray<Stroke>(STROKES_KEY).push(strokes);
  return Y.encodeStateAsUpdate(doc, before);
}

function roomWith(...roles: Array<[string | null, Role]>) {
  const room = new Room('room', model, noEvents, log);
  const members = roles.map(([user, role]) => {
    const socket = new FakeSocket();
    return { socket, session: room.join(socket, { user, role }) };
  });
  return { room, members };
}

/** A room that knows no client id's author. */
const nobodyKnown = { authors: new Map<number, string>(), live: () => false };

describe('authorise step (server/sync/authorise.ts)', () => {
  it('finds strokes naming another author, and only among items the room lacks', () => {
    const room = new Y.Doc();
    const client = new Y.Doc();
    expect(forgedAuthor(pushed(client, stroke({ by: 'alice' })), room, 'alice', nobodyKnown)).toBeNull();
    expect(forgedAuthor(pushed(client, stroke()), room, 'alice', nobodyKnown)).toBeNull();
    expect(forgedAuthor(pushed(client, stroke({ by: 'bob' })), room, 'alice', nobodyKnown)).toMatch(/"bob" is not you/);
    expect(forgedAuthor(pushed(client, stroke({ by: 'bob' })), room, null, nobodyKnown)).toMatch(/without an identity/);
    // Bob's stroke already in the room, resent in a later update, is no forgery by Alice.
    Y.applyUpdate(room, Y.encodeStateAsUpdate(client));
    expect(forgedAuthor(Y.encodeStateAsUpdate(client), room, 'alice', nobodyKnown)).toBeNull();
  });

  it("takes another author's stroke the room lost from any page, only in a client id known as theirs and nobody live writes", () => {
    const room = new Y.Doc();
    const bobs = new Y.Doc();
    Y.applyUpdate(room, pushed(bobs, stroke({ by: 'bob' })));
    const lost = pushed(bobs, stroke({ by: 'bob' })); // broadcast, then the server was killed before storing it
    const known = { authors: new Map([[bobs.clientID, 'bob']]), live: () => false };
    expect(forgedAuthor(lost, room, 'alice', known)).toBeNull();
    expect(forgedAuthor(lost, room, 'alice', { ...known, live: () => true })).toMatch(/"bob" is not you/);
    // A client id nobody knows as Bob's (a forger's own) is refused.
    expect(forgedAuthor(pushed(new Y.Doc(), stroke({ by: 'bob' })), room, 'alice', known)).toMatch(/"bob" is not you/);
    // The authors of new strokes are collected: the room learns them, and marks its session's own client ids live.
    const seen = new Map<number, string>();
    const alices = new Y.Doc();
    expect(forgedAuthor(pushed(alices, stroke({ by: 'alice' })), room, 'alice', known, seen)).toBeNull();
    expect([...seen]).toEqual([[alices.clientID, 'alice']]);
  });

  it("tells a no-op (a synced client's delete set) from a change", () => {
    const room = new Y.Doc();
    const client = new Y.Doc();
    Y.applyUpdate(room, pushed(client, stroke(), stroke(), stroke()));
    client.getArray(STROKES_KEY).delete(0, 2);
    Y.applyUpdate(room, Y.encodeStateAsUpdate(client));
    // What a viewer's y-websocket answers to sync step 1: the whole delete set, nothing new.
    expect(changesDocument(Y.encodeStateAsUpdate(client, Y.encodeStateVector(room)), room)).toBe(false);
    const other = new Y.Doc();
    Y.applyUpdate(other, Y.encodeStateAsUpdate(room));
    const sv = Y.encodeStateVector(other);
    other.getArray(STROKES_KEY).delete(0, 1);
    expect(changesDocument(Y.encodeStateAsUpdate(other, sv), room)).toBe(true);
    expect(changesDocument(pushed(other, stroke()), room)).toBe(true);
  });

  it('reads the entries of an awareness update', () => {
    expect(awarenessEntries(presenceMessage(77, 'A', 2).slice(2))).toMatchObject([{ clientId: 77, clock: 2, removes: false }]);
  });
});

describe('Room sessions with users and roles', () => {
  it("refuses a viewer's change with readOnly and applies nothing; its empty sync step 2 is fine", () => {
    const { room, members } = roomWith(['owner', 'owner'], ['watcher', 'viewer']);
    const [owner, viewer] = members;
    room.receive(owner.session, updateMessage(pushed(new Y.Doc(), stroke({ by: 'owner' }))));
    expect(room.strokes.length).toBe(1);
    room.receive(viewer.session, emptyStep2());
    expect(viewer.socket.closed).toBeNull();
    room.receive(viewer.session, updateMessage(pushed(new Y.Doc(), stroke({ by: 'watcher' }))));
    expect(viewer.socket.closed?.code).toBe(CLOSE_CODES.readOnly);
    expect(room.strokes.length).toBe(1);
  });

  it('refuses a stroke whose author is not the session user with notYours, nothing applied', () => {
    const { room, members } = roomWith(['alice', 'editor'], ['bob', 'editor']);
    room.receive(members[1].session, updateMessage(pushed(new Y.Doc(), stroke({ by: 'alice' }))));
    expect(members[1].socket.closed?.code).toBe(CLOSE_CODES.notYours);
    expect(room.strokes.length).toBe(0);
    room.receive(members[0].session, updateMessage(pushed(new Y.Doc(), stroke({ by: 'alice' }))));
    expect(room.strokes.toArray().map((s) => s.by)).toEqual(['alice']);
  });

  it("after a crash takes Alice's lost stroke from Bob's page while Alice is away, not once her page writes it again", () => {
    // The restarted room loaded Alice's stored stroke; her next one was broadcast, then lost.
    const alices = new Y.Doc();
    const stored = pushed(alices, stroke({ by: 'alice' }));
    const lost = pushed(alices, stroke({ by: 'alice' }));
    const { room, members } = roomWith(['bob', 'editor'], ['alice', 'editor'], ['carol', 'editor']);
    const [bob, alice, carol] = members;
    room.load(stored);
    // Bob's page answers the sync with everything the room lacks, Alice's stroke and his own.
    const bobs = new Y.Doc();
    Y.applyUpdate(bobs, Y.mergeUpdates([stored, lost]));
    const sv = Y.encodeStateVector(room.doc);
    bobs.getArray<Stroke>(STROKES_KEY).push([stroke({ by: 'bob' })]);
    room.receive(bob.session, updateMessage(Y.encodeStateAsUpdate(bobs, sv)));
    expect(bob.socket.closed).toBeNull();
    expect(room.strokes.toArray().map((s) => s.by)).toEqual(['alice', 'alice', 'bob']);
    // Alice's page is back and writes her client id: nobody else may add to it now.
    room.receive(alice.session, updateMessage(pushed(alices, stroke({ by: 'alice' }))));
    const forged = pushed(alices, stroke({ by: 'alice' }));
    room.receive(carol.session, updateMessage(forged));
    expect(carol.socket.closed?.code).toBe(CLOSE_CODES.notYours);
    expect(room.strokes.length).toBe(4);
  });

  it("refuses presence for another user's client id, lets the same user take its own over", () => {
    const { room, members } = roomWith(['alice', 'editor'], ['mallory', 'editor'], ['alice', 'viewer']);
    const [alice, mallory, aliceAgain] = members;
    room.receive(alice.session, presenceMessage(1001, 'Alice'));
    // Echoing Alice's presence back unchanged, as every y-websocket client does, is fine.
    room.receive(mallory.session, presenceMessage(1001, 'Alice'));
    expect(mallory.socket.closed).toBeNull();
    room.receive(mallory.session, presenceMessage(1001, 'HACKED', 2));
    expect(mallory.socket.closed?.code).toBe(CLOSE_CODES.notYours);
    expect((room.awareness.getStates().get(1001) as { user: { name: string } }).user.name).toBe('Alice');
    // The same person's page, reconnected on a new socket before the old one closed, keeps its entry.
    room.receive(aliceAgain.session, presenceMessage(1001, 'Alice 2', 3));
    expect(aliceAgain.socket.closed).toBeNull();
    room.leave(alice.session);
    expect((room.awareness.getStates().get(1001) as { user: { name: string } }).user.name).toBe('Alice 2');
  });

  it('closes the sessions the owner picks on both channels and counts editors only as voters', () => {
    const { room, members } = roomWith(['alice', 'editor'], ['bob', 'viewer']);
    const emitted: unknown[] = [];
    let disconnected = 0;
    room.joinFeed(
      { emit: (...args: unknown[]) => emitted.push(args), disconnect: () => disconnected++ },
      { user: 'alice', role: 'editor' },
    );
    expect(room.editors()).toEqual(new Set(['alice']));
    expect(room.closeSessions((s) => s.user === 'alice', CLOSE_CODES.roleChanged, 'now a viewer')).toBe(2);
    expect(members[0].socket.closed).toEqual({ code: CLOSE_CODES.roleChanged, reason: 'now a viewer' });
    expect(emitted).toEqual([['access-closed', { code: CLOSE_CODES.roleChanged, reason: 'now a viewer' }]]);
    expect(disconnected).toBe(1);
    expect(room.sessionCount).toBe(1);
  });
});
