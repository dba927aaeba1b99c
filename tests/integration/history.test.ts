import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server';
import { connect, stroke, synced, waitFor, type YClient } from '../helpers/yclient';
import { people, type Person } from '../helpers/people';
import type { RoomAccessInfo } from '../../lib/access';
import type { HistoryList, HistoryVersion } from '../../lib/history';

describe('the history the server keeps (real server)', () => {
  let server: TestServer;
  const clients: YClient[] = [];

  const { person, call, api } = people(() => server.url);
  /** A room owned by `owner`, with `editors` and `viewers` who followed its links. */
  const room = async (owner: Person, editors: Person[] = [], viewers: Person[] = []) => {
    const { id } = await api<{ id: string }>(owner, 'POST', '/api/rooms', { starter: false });
    const access = await api<RoomAccessInfo>(owner, 'GET', `/api/rooms/${id}/access`);
    for (const p of editors) await api(p, 'POST', `/api/rooms/${id}/access`, { key: access.links!.edit });
    for (const p of viewers) await api(p, 'POST', `/api/rooms/${id}/access`, { key: access.links!.view });
    return id;
  };
  const open = async (roomId: string, who: Person) => {
    const c = connect(server.wsUrl, roomId, { reconnect: false, cookie: who.cookie });
    clients.push(c);
    await synced(c);
    return c;
  };
  const versions = async (who: Person, roomId: string) => (await api<HistoryList>(who, 'GET', `/api/rooms/${roomId}/history`)).versions;
  const until = async (who: Person, roomId: string, found: (v: HistoryVersion[]) => boolean, what: string) => {
    const deadline = Date.now() + 5000;
    for (;;) {
      const list = await versions(who, roomId);
      if (found(list)) return list;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(list)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const ids = (c: YClient) => c.strokes.toArray().map((s) => s.id);

  beforeAll(async () => {
    server = await startServer({ env: { HISTORY_EVERY_CHANGES: '6' } });
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await server?.stop('SIGKILL');
  });

  it('restore brings back a wiped room for everyone, and the restore itself can be restored away', async () => {
    const [alice, bob, mallory] = [await person(), await person(), await person()];
    const roomId = await room(alice, [bob, mallory]);
    const [a, b, m] = [await open(roomId, alice), await open(roomId, bob), await open(roomId, mallory)];
    a.strokes.push([stroke('sea', { by: alice.id }), stroke('sea', { by: alice.id })]);
    a.strokes.push([stroke('tree', { by: alice.id })]);
    b.strokes.push([stroke('mountain', { by: bob.id })]);
    await waitFor(() => m.strokes.length === 4, 5000, 'four strokes at mallory');
    const painted = ids(a);
    // Alice's and Bob's pushes are concurrent: Yjs orders them by client id, so take the order seen.
    const authors = a.strokes.toArray().map((s) => s.by);
    expect([...authors].sort()).toEqual([alice.id, alice.id, alice.id, bob.id].sort());

    // Mallory wipes the room the way the issue found it could be done: deleting every stroke.
    m.strokes.delete(0, m.strokes.length);
    await waitFor(() => a.strokes.length === 0 && b.strokes.length === 0, 5000, 'the wipe everywhere');
    const [before] = await until(alice, roomId, (v) => v.some((x) => x.reason === 'deletion'), 'the version before the wipe');
    expect(before).toMatchObject({ reason: 'deletion', strokes: 4, by: { userId: mallory.id } });
    // Who changed what before it: Alice's three strokes, Bob's one.
    expect(Object.fromEntries(before.changes.map((c) => [c.userId, c.added]))).toEqual({ [alice.id]: 3, [bob.id]: 1 });

    // Bob (an editor) restores it: everyone receives the four strokes, in their order, with their authors.
    const after = (await api<HistoryList>(bob, 'POST', `/api/rooms/${roomId}/history/${before.id}/restore`)).versions;
    for (const c of [a, b, m]) await waitFor(() => c.strokes.length === 4, 5000, 'the restored strokes');
    expect(ids(a)).toEqual(painted);
    expect(a.strokes.toArray().map((s) => s.by)).toEqual(authors);
    // The state the restore replaced (the wiped room) is a version of its own, made by Bob.
    const replaced = after.find((v) => v.reason === 'restore')!;
    expect(replaced).toMatchObject({ strokes: 0, restoredFrom: before.id, by: { userId: bob.id } });
    expect(replaced.id).toBeGreaterThan(before.id);

    // The restore is one change that can be taken back: restoring the version it replaced.
    await api(alice, 'POST', `/api/rooms/${roomId}/history/${replaced.id}/restore`);
    for (const c of [a, b]) await waitFor(() => c.strokes.length === 0, 5000, 'the restore undone');
    await api(alice, 'POST', `/api/rooms/${roomId}/history/${before.id}/restore`);
    await waitFor(() => a.strokes.length === 4, 5000, 'restored again');

    // The restore was persisted like any edit: a newcomer gets it from the server.
    const late = await open(roomId, bob);
    expect(ids(late)).toEqual(painted);
  });

  it('stores the state before a clear, and a version every N changes (here 6)', async () => {
    const [alice, bob] = [await person(), await person()];
    const roomId = await room(alice, [bob]);
    const [a, b] = [await open(roomId, alice), await open(roomId, bob)];
    for (let i = 0; i < 3; i++) a.strokes.push([stroke('sea', { by: alice.id })]);
    await waitFor(() => b.strokes.length === 3, 5000, 'three strokes');
    b.strokes.push([{ ...stroke('sky', { by: bob.id }), tool: 'clear', points: [] }]);
    const [clear] = await until(alice, roomId, (v) => v.length === 1, 'the version before the clear');
    expect(clear).toMatchObject({ reason: 'clear', strokes: 3, by: { userId: bob.id } });

    // One clear, then five more changes: the sixth since the clear's version stores a periodic one.
    for (let i = 0; i < 5; i++) a.strokes.push([stroke('tree', { by: alice.id })]);
    const list = await until(alice, roomId, (v) => v.length === 2, 'a periodic version');
    expect(list[0]).toMatchObject({ reason: 'periodic', strokes: 9, by: null });
    const changes = Object.fromEntries(list[0].changes.map((c) => [c.userId, c]));
    expect(changes[bob.id]).toMatchObject({ clears: 1, added: 0 });
    expect(changes[alice.id]).toMatchObject({ added: 5, clears: 0 });
  });

  it("deleting someone else's stroke that no version holds stores the state before it", async () => {
    const [alice, bob] = [await person(), await person()];
    const roomId = await room(alice, [bob]);
    const [a, b] = [await open(roomId, alice), await open(roomId, bob)];
    a.strokes.push([stroke('sea', { by: alice.id })]);
    await waitFor(() => b.strokes.length === 1, 5000, "alice's stroke at bob");
    b.strokes.delete(0, 1);
    const [kept] = await until(alice, roomId, (v) => v.length === 1, 'the version before the deletion');
    expect(kept).toMatchObject({ reason: 'deletion', strokes: 1, by: { userId: bob.id } });
    // Undoing your own stroke is no loss to anyone: no version for it.
    b.strokes.push([stroke('tree', { by: bob.id })]);
    await waitFor(() => a.strokes.length === 1, 5000, "bob's stroke at alice");
    b.strokes.delete(0, 1);
    await waitFor(() => a.strokes.length === 0, 5000, "bob's stroke gone");
    await new Promise((r) => setTimeout(r, 200));
    expect(await versions(alice, roomId)).toHaveLength(1);
  });

  it('viewers see the history but cannot restore; a private room shows it to nobody else', async () => {
    const [alice, vera, stranger] = [await person(), await person(), await person()];
    const roomId = await room(alice, [], [vera]);
    const a = await open(roomId, alice);
    a.strokes.push([stroke('sea', { by: alice.id }), stroke('sea', { by: alice.id })]);
    await waitFor(() => a.strokes.length === 2, 5000, 'two strokes');
    a.strokes.delete(0, 2);
    const [version] = await until(alice, roomId, (v) => v.length === 1, 'a version');
    expect((await versions(vera, roomId)).map((v) => v.id)).toEqual([version.id]);
    const refused = await call(vera, 'POST', `/api/rooms/${roomId}/history/${version.id}/restore`);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: string }).error).toMatch(/read-only/);
    expect((await call(alice, 'POST', `/api/rooms/${roomId}/history/999999/restore`)).status).toBe(404);
    expect((await call(alice, 'POST', `/api/rooms/${roomId}/history/abc/restore`)).status).toBe(400);
    await api(alice, 'PATCH', `/api/rooms/${roomId}/access`, { private: true });
    expect((await call(stranger, 'GET', `/api/rooms/${roomId}/history`)).status).toBe(403);
    expect((await call(vera, 'GET', `/api/rooms/${roomId}/history`)).status).toBe(200);
  });
});
