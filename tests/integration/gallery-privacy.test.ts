import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server';
import { connect, stroke, synced, waitFor, type YClient } from '../helpers/yclient';
import { people, type Person } from '../helpers/people';
import type { RoomAccessInfo } from '../../lib/access';
import type { SceneDetail, SceneList, SceneSummary } from '../../lib/social';

describe('gallery privacy (real server)', () => {
  let server: TestServer;
  const clients: YClient[] = [];

  const { person, call, api } = people(() => server.url);
  /** A room `owner` made and painted in (private when asked), with its access as the owner sees it. */
  const paintedRoom = async (owner: Person, options: { private: boolean }) => {
    const { id } = await api<{ id: string }>(owner, 'POST', '/api/rooms', { starter: false });
    const access = await api<RoomAccessInfo>(owner, 'PATCH', `/api/rooms/${id}/access`, { private: options.private });
    const c = connect(server.wsUrl, id, { reconnect: false, cookie: owner.cookie });
    clients.push(c);
    await synced(c);
    c.strokes.push([stroke('sea', { by: owner.id })]);
    await waitFor(() => c.provider.synced && c.strokes.length === 1, 5000, 'the stroke');
    // The save reads the room on the server: wait until the stroke is there.
    await new Promise((r) => setTimeout(r, 200));
    return { id, access };
  };
  const listed = async () => (await api<SceneList>(null, 'GET', '/api/scenes')).scenes.map((s) => s.id);

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await server?.stop('SIGKILL');
  });

  it("a private room's scene is unlisted, reveals neither the room id nor its links, until its saver publishes it", async () => {
    const [alice, bob] = [await person(), await person()];
    const room = await paintedRoom(alice, { private: true });
    const scene = await api<SceneSummary>(alice, 'POST', `/api/rooms/${room.id}/scenes`, { title: 'Secret bay' });
    expect(await listed()).not.toContain(scene.id);

    // Whoever has the scene's address sees it, but nothing that leads into the room.
    const raw = await (await call(bob, 'GET', `/api/scenes/${scene.id}`)).text();
    const detail = JSON.parse(raw) as SceneDetail;
    expect(detail).toMatchObject({ sourceRoomId: null, listed: false, mine: false });
    for (const secret of [room.id, room.access.links!.edit, room.access.links!.view]) expect(raw).not.toContain(secret);
    const list = await (await call(null, 'GET', '/api/scenes')).text();
    expect(list).not.toContain(room.id);

    // Only the saver publishes; published, it is listed and still hides the room.
    expect((await call(bob, 'POST', `/api/scenes/${scene.id}/publish`)).status).toBe(403);
    expect((await call(null, 'POST', `/api/scenes/${scene.id}/publish`)).status).toBe(403);
    const published = await api<SceneDetail>(alice, 'POST', `/api/scenes/${scene.id}/publish`);
    expect(published).toMatchObject({ listed: true, sourceRoomId: null, mine: true });
    expect(await listed()).toContain(scene.id);
  });

  it("a public room's scene is listed with its room; the room made private later hides it", async () => {
    const alice = await person();
    const room = await paintedRoom(alice, { private: false });
    const scene = await api<SceneSummary>(alice, 'POST', `/api/rooms/${room.id}/scenes`, { title: 'Open sea' });
    expect(await listed()).toContain(scene.id);
    expect(await api<SceneDetail>(null, 'GET', `/api/scenes/${scene.id}`)).toMatchObject({ sourceRoomId: room.id, listed: true });
    await api(alice, 'PATCH', `/api/rooms/${room.id}/access`, { private: true });
    expect((await api<SceneDetail>(null, 'GET', `/api/scenes/${scene.id}`)).sourceRoomId).toBeNull();
  });

  it('a fork is a new room owned by whoever forked it; the original owner has no say there', async () => {
    const [alice, bob] = [await person(), await person()];
    const room = await paintedRoom(alice, { private: true });
    const scene = await api<SceneSummary>(alice, 'POST', `/api/rooms/${room.id}/scenes`, { title: 'To fork' });
    const { roomId } = await api<{ roomId: string }>(bob, 'POST', `/api/scenes/${scene.id}/fork`);
    expect(roomId).not.toBe(room.id);
    const mine = await api<RoomAccessInfo>(bob, 'GET', `/api/rooms/${roomId}/access`);
    expect(mine).toMatchObject({ role: 'owner', open: false, private: false });
    expect(mine.links!.edit).not.toBe(room.access.links!.edit);
    expect((await api<RoomAccessInfo>(alice, 'GET', `/api/rooms/${roomId}/access`)).role).toBe('viewer');
    const forked = connect(server.wsUrl, roomId, { reconnect: false, cookie: bob.cookie });
    clients.push(forked);
    await synced(forked);
    expect(forked.strokes.length).toBe(1);
  });
});
