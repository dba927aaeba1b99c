import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as awarenessProtocol from 'y-protocols/awareness';
import { io, type Socket } from 'socket.io-client';
import { createRoom, startServer, type TestServer } from '../helpers/server';
import { connect, stroke, synced, waitFor, type YClient } from '../helpers/yclient';
import { CLOSE_CODES, YJS_PATH } from '../../lib/protocol';
import { EVENTS, type JoinAck } from '../../lib/events';
import type { RoomAccessInfo } from '../../lib/access';
import type { VoteAck } from '../../lib/social';

interface Person {
  cookie: string;
  id: string;
}

async function person(server: TestServer): Promise<Person> {
  const res = await fetch(`${server.url}/api/me`);
  return { cookie: res.headers.get('set-cookie')!.split(';')[0], id: ((await res.json()) as { id: string }).id };
}

/** A room made by `owner` through the API, as the landing page does. */
async function ownedRoom(server: TestServer, owner: Person): Promise<{ id: string; access: RoomAccessInfo }> {
  const res = await fetch(`${server.url}/api/rooms`, {
    method: 'POST',
    headers: { cookie: owner.cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ starter: false }),
  });
  expect(res.status).toBe(201);
  const { id } = (await res.json()) as { id: string };
  return { id, access: await api<RoomAccessInfo>(server, owner, 'GET', `/api/rooms/${id}/access`) };
}

async function call(server: TestServer, who: Person | null, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method,
    headers: { ...(who ? { cookie: who.cookie } : {}), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function api<T>(server: TestServer, who: Person, method: string, path: string, body?: unknown): Promise<T> {
  const res = await call(server, who, method, path, body);
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Opens a raw Yjs websocket with `headers` and resolves with how the server closed it after `send`. */
function rawSocket(server: TestServer, roomId: string, headers: Record<string, string>) {
  const ws = new WebSocket(`${server.wsUrl}${YJS_PATH}/${roomId}`, { headers });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const opened = new Promise<void>((resolve, reject) => {
    ws.on('open', () => resolve());
    ws.on('error', reject);
  });
  return { ws, closed, opened };
}

function feedJoin(server: TestServer, roomId: string, who: Person): Promise<{ socket: Socket; reply: JoinAck }> {
  const socket = io(server.url, { transports: ['websocket'], forceNew: true, extraHeaders: { cookie: who.cookie } });
  return new Promise((resolve) =>
    socket.on('connect', () => socket.emit(EVENTS.join, roomId, (reply: JoinAck) => resolve({ socket, reply }))),
  );
}

function presenceOf(client: YClient): Map<number, { user?: { name?: string } }> {
  return client.provider.awareness.getStates() as Map<number, { user?: { name?: string } }>;
}

describe('one identity per connection, owners and roles (real server)', () => {
  let server: TestServer;
  const clients: YClient[] = [];
  const sockets: Socket[] = [];
  const open = (roomId: string, who: Person | null, options: { reconnect?: boolean } = {}) => {
    const c = connect(server.wsUrl, roomId, { reconnect: false, ...options, ...(who ? { cookie: who.cookie } : {}) });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    for (const s of sockets) s.disconnect();
    await server?.stop('SIGKILL');
  });

  it("refuses a stroke whose author is not the session's user (4422) and keeps the honest ones", async () => {
    const [alice, bob] = [await person(server), await person(server)];
    const room = await ownedRoom(server, alice);
    await api(server, bob, 'POST', `/api/rooms/${room.id}/access`, { key: room.access.links!.edit });
    const a = open(room.id, alice);
    const b = open(room.id, bob);
    await Promise.all([synced(a), synced(b)]);
    b.strokes.push([stroke('sea', { by: bob.id })]);
    await waitFor(() => a.strokes.length === 1, 5000, "bob's own stroke");
    b.strokes.push([stroke('tree', { by: alice.id })]);
    await waitFor(() => b.closes.length > 0, 5000, 'the forger closed');
    expect(b.closes[0].code).toBe(CLOSE_CODES.notYours);
    expect(b.closes[0].reason).toMatch(/is not you/);
    // Nothing of the forged stroke reached Alice, and the room still has only Bob's honest one.
    await new Promise((r) => setTimeout(r, 200));
    expect(a.strokes.toArray().map((s) => s.by)).toEqual([bob.id]);
  });

  it("refuses presence for another connection's client id (4422); observers keep the real name", async () => {
    const [alice, mallory, carol] = [await person(server), await person(server), await person(server)];
    const room = await ownedRoom(server, alice);
    for (const p of [mallory, carol]) await api(server, p, 'POST', `/api/rooms/${room.id}/access`, { key: room.access.links!.edit });
    const a = open(room.id, alice);
    const m = open(room.id, mallory);
    const c = open(room.id, carol);
    await Promise.all([synced(a), synced(m), synced(c)]);
    a.provider.awareness.setLocalStateField('user', { name: 'Alice', color: '#112233' });
    await waitFor(() => presenceOf(c).get(a.doc.clientID)?.user?.name === 'Alice', 5000, "Alice's presence at Carol");

    // Mallory rewrites Alice's entry: same client id, a higher clock, another name.
    const fake = new awarenessProtocol.Awareness(new Y.Doc());
    fake.clientID = a.doc.clientID;
    for (let i = 0; i < 50; i++) fake.setLocalState({ user: { name: 'HACKED', color: '#000000' }, cursor: { x: 1e9, y: 1e9 } });
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, 1);
    encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(fake, [a.doc.clientID]));
    (m.provider.ws as unknown as WebSocket).send(encoding.toUint8Array(e));
    await waitFor(() => m.closes.length > 0, 5000, 'Mallory closed');
    expect(m.closes[0].code).toBe(CLOSE_CODES.notYours);
    await new Promise((r) => setTimeout(r, 200));
    expect(presenceOf(c).get(a.doc.clientID)?.user?.name).toBe('Alice');
    expect(c.closes).toEqual([]);
  });

  it('an upgrade without or with a forged cookie is an anonymous viewer of a public room, refused by a private one', async () => {
    const alice = await person(server);
    const room = await ownedRoom(server, alice);
    const a = open(room.id, alice);
    await synced(a);
    a.strokes.push([stroke('sea', { by: alice.id })]);
    for (const headers of [{}, { cookie: `spade_uid=${alice.id}.forgedsignature` }]) {
      const anon = connect(server.wsUrl, room.id, { reconnect: false, ...('cookie' in headers ? { cookie: headers.cookie } : {}) });
      clients.push(anon);
      await synced(anon);
      await waitFor(() => anon.strokes.length === 1, 5000, 'the anonymous viewer sees the painting');
      anon.strokes.push([stroke('tree')]);
      await waitFor(() => anon.closes.length > 0, 5000, 'anonymous write refused');
      expect(anon.closes[0].code).toBe(CLOSE_CODES.readOnly);
    }
    await api(server, alice, 'PATCH', `/api/rooms/${room.id}/access`, { private: true });
    const refused = rawSocket(server, room.id, {});
    expect(await refused.closed).toEqual({ code: CLOSE_CODES.noAccess, reason: 'this room is private: ask its owner for a link' });
    expect(a.strokes.length).toBe(1);
  });

  it('a viewer link shows the painting live; its updates (4403), votes, saves and uploads are refused', async () => {
    const [alice, viewer] = [await person(server), await person(server)];
    const room = await ownedRoom(server, alice);
    const mine = await api<RoomAccessInfo>(server, viewer, 'POST', `/api/rooms/${room.id}/access`, { key: room.access.links!.view });
    expect(mine).toMatchObject({ role: 'viewer', links: null, members: null });
    const a = open(room.id, alice);
    const v = open(room.id, viewer);
    await Promise.all([synced(a), synced(v)]);
    a.strokes.push([stroke('sea', { by: alice.id })]);
    a.strokes.delete(0, 1);
    a.strokes.push([stroke('tree', { by: alice.id })]);
    await waitFor(() => v.strokes.length === 1 && v.strokes.get(0).label === 'tree', 5000, 'live strokes at the viewer');

    const feed = await feedJoin(server, room.id, viewer);
    sockets.push(feed.socket);
    expect(feed.reply).toEqual({ ok: true });
    const vote = await new Promise<VoteAck>((resolve) => feed.socket.emit(EVENTS.propose, { styleId: 'x' }, resolve));
    expect(vote).toEqual({ error: 'read-only: viewers cannot propose or vote' });
    const save = await call(server, viewer, 'POST', `/api/rooms/${room.id}/scenes`, { title: 'mine now' });
    expect(save.status).toBe(403);
    const upload = await fetch(`${server.url}/api/rooms/${room.id}/styles/upload`, {
      method: 'POST',
      headers: { cookie: viewer.cookie, 'content-type': 'image/png' },
      body: new Uint8Array([1, 2, 3]),
    });
    expect(upload.status).toBe(403);

    v.strokes.delete(0, 1);
    await waitFor(() => v.closes.length > 0, 5000, 'viewer write refused');
    expect(v.closes[0]).toEqual({ code: CLOSE_CODES.readOnly, reason: 'read-only: viewers cannot change the painting' });
    await new Promise((r) => setTimeout(r, 200));
    expect(a.strokes.length).toBe(1);
  });

  it('the room id alone never grants editing; a private room refuses a stranger on both channels', async () => {
    const [alice, stranger] = [await person(server), await person(server)];
    const room = await ownedRoom(server, alice);
    expect(await api<RoomAccessInfo>(server, stranger, 'GET', `/api/rooms/${room.id}/access`)).toMatchObject({
      role: 'viewer',
      open: false,
    });
    expect((await call(server, stranger, 'POST', `/api/rooms/${room.id}/access`, { key: 'A'.repeat(22) })).status).toBe(403);
    await api(server, alice, 'PATCH', `/api/rooms/${room.id}/access`, { private: true });
    expect((await call(server, stranger, 'GET', `/api/rooms/${room.id}/access`)).status).toBe(403);
    const raw = rawSocket(server, room.id, { cookie: stranger.cookie });
    expect((await raw.closed).code).toBe(CLOSE_CODES.noAccess);
    const feed = await feedJoin(server, room.id, stranger);
    sockets.push(feed.socket);
    expect(feed.reply).toEqual({ error: 'this room is private: ask its owner for a link' });
    // With the edit link the stranger gets in and paints.
    await api(server, stranger, 'POST', `/api/rooms/${room.id}/access`, { key: room.access.links!.edit });
    const s = open(room.id, stranger);
    await synced(s);
    s.strokes.push([stroke('sea', { by: stranger.id })]);
    const a = open(room.id, alice);
    await waitFor(() => a.strokes.length === 1, 5000, "the stranger's stroke");
  });

  it('rotating a link refuses the old one and closes the sessions that came with it', async () => {
    const [alice, bob] = [await person(server), await person(server)];
    const room = await ownedRoom(server, alice);
    const oldKey = room.access.links!.edit;
    await api(server, alice, 'PATCH', `/api/rooms/${room.id}/access`, { private: true });
    await api(server, bob, 'POST', `/api/rooms/${room.id}/access`, { key: oldKey });
    const a = open(room.id, alice);
    const b = open(room.id, bob);
    await Promise.all([synced(a), synced(b)]);
    const rotated = await api<RoomAccessInfo>(server, alice, 'POST', `/api/rooms/${room.id}/links/edit/rotate`);
    expect(rotated.links!.edit).not.toBe(oldKey);
    expect(rotated.links!.view).toBe(room.access.links!.view);
    await waitFor(() => b.closes.length > 0, 5000, "Bob's session closed");
    expect(b.closes[0]).toEqual({ code: CLOSE_CODES.noAccess, reason: 'the edit link you joined with was replaced' });
    expect(a.closes).toEqual([]);
    expect((await call(server, bob, 'POST', `/api/rooms/${room.id}/access`, { key: oldKey })).status).toBe(403);
    expect((await rawSocket(server, room.id, { cookie: bob.cookie }).closed).code).toBe(CLOSE_CODES.noAccess);
    expect(await api<RoomAccessInfo>(server, bob, 'POST', `/api/rooms/${room.id}/access`, { key: rotated.links!.edit })).toMatchObject({
      role: 'editor',
    });
  });

  it('the owner changes a role (4409, the person reconnects with it) and removes a participant (4401)', async () => {
    const [alice, bob] = [await person(server), await person(server)];
    const room = await ownedRoom(server, alice);
    await api(server, bob, 'POST', `/api/rooms/${room.id}/access`, { key: room.access.links!.edit });
    const b = open(room.id, bob);
    await synced(b);
    const info = await api<RoomAccessInfo>(server, alice, 'PUT', `/api/rooms/${room.id}/members/${bob.id}`, { role: 'viewer' });
    expect(info.members).toEqual([expect.objectContaining({ userId: bob.id, role: 'viewer', via: 'invite' })]);
    await waitFor(() => b.closes.length > 0, 5000, 'Bob told');
    expect(b.closes[0].code).toBe(CLOSE_CODES.roleChanged);
    // Bob's edit link does not undo the owner's decision.
    expect(await api<RoomAccessInfo>(server, bob, 'POST', `/api/rooms/${room.id}/access`, { key: room.access.links!.edit })).toMatchObject({
      role: 'viewer',
    });
    const again = open(room.id, bob);
    await synced(again);
    again.strokes.push([stroke('sea', { by: bob.id })]);
    await waitFor(() => again.closes.length > 0, 5000, "Bob's write as a viewer refused");
    expect(again.closes[0].code).toBe(CLOSE_CODES.readOnly);
    await api(server, alice, 'PUT', `/api/rooms/${room.id}/members/${bob.id}`, { role: 'removed' });
    expect((await call(server, bob, 'POST', `/api/rooms/${room.id}/access`, { key: room.access.links!.edit })).status).toBe(403);
    expect((await rawSocket(server, room.id, { cookie: bob.cookie }).closed).code).toBe(CLOSE_CODES.noAccess);
    expect((await call(server, bob, 'PUT', `/api/rooms/${room.id}/members/${alice.id}`, { role: 'viewer' })).status).toBe(403);
  });

  it('an open room (no owner: made before roles) lets everyone edit until it is claimed', async () => {
    const [alice, bob] = [await person(server), await person(server)];
    const roomId = await createRoom(server.url); // no identity: an open room, as rooms from before roles
    expect(await api<RoomAccessInfo>(server, bob, 'GET', `/api/rooms/${roomId}/access`)).toMatchObject({ role: 'editor', open: true });
    const b = open(roomId, bob);
    await synced(b);
    const claimed = await api<RoomAccessInfo>(server, alice, 'POST', `/api/rooms/${roomId}/claim`);
    expect(claimed).toMatchObject({ role: 'owner', open: false });
    expect(claimed.members).toEqual([expect.objectContaining({ userId: bob.id, role: 'editor' })]);
    expect((await call(server, bob, 'POST', `/api/rooms/${roomId}/claim`)).status).toBe(409);
    b.strokes.push([stroke('sea', { by: bob.id })]);
    const a = open(roomId, alice);
    await waitFor(() => a.strokes.length === 1, 5000, 'Bob still paints after the claim');
    const latecomer = await person(server);
    expect(await api<RoomAccessInfo>(server, latecomer, 'GET', `/api/rooms/${roomId}/access`)).toMatchObject({ role: 'viewer' });
  });

  it('speaks only plain Yjs: a viewer that sends nothing keeps syncing (its sync step 2 is no write)', async () => {
    const [alice, viewer] = [await person(server), await person(server)];
    const room = await ownedRoom(server, alice);
    const raw = rawSocket(server, room.id, { cookie: viewer.cookie });
    await raw.opened;
    const doc = new Y.Doc();
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, 0);
    syncProtocol.writeSyncStep2(e, doc);
    raw.ws.send(encoding.toUint8Array(e));
    const outcome = await Promise.race([raw.closed, new Promise((r) => setTimeout(() => r('open'), 500))]);
    expect(outcome).toBe('open');
    raw.ws.close();
  });
});
