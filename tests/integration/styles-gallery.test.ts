import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import sharp from 'sharp';
import { createRoom, startServer, type TestServer } from '../helpers/server';
import { connect, stroke, synced, waitFor, type YClient } from '../helpers/yclient';
import type { FrameMeta } from '../../lib/protocol';
import { EVENTS } from '../../lib/events';
import {
  type PublicUser,
  type SceneDetail,
  type SceneList,
  type SceneSummary,
  type StyleInfo,
  type VoteAck,
  type VoteState,
} from '../../lib/social';

interface Member {
  cookie: string;
  me: PublicUser;
  socket: Socket;
  states: VoteState[];
  frames: FrameMeta[];
}

/** A browser-like user: an identity cookie from /api/me and a socket.io connection that carries it. */
async function newUser(server: TestServer): Promise<{ cookie: string; me: PublicUser }> {
  const res = await fetch(`${server.url}/api/me`);
  const cookie = res.headers.get('set-cookie')!.split(';')[0];
  return { cookie, me: (await res.json()) as PublicUser };
}

async function join(server: TestServer, roomId: string, user: { cookie: string; me: PublicUser }): Promise<Member> {
  const socket = io(server.url, { transports: ['websocket'], forceNew: true, extraHeaders: { cookie: user.cookie } });
  const member: Member = { ...user, socket, states: [], frames: [] };
  socket.on(EVENTS.voteUpdate, (s: VoteState) => member.states.push(s));
  socket.on(EVENTS.frame, (meta: FrameMeta) => member.frames.push(meta));
  const reply = await new Promise((resolve) => socket.on('connect', () => socket.emit(EVENTS.join, roomId, resolve)));
  expect(reply).toEqual({ ok: true });
  return member;
}

function emit(socket: Socket, event: string, payload: unknown): Promise<VoteAck> {
  return new Promise((resolve) => socket.emit(event, payload, resolve));
}

function okState(ack: VoteAck): VoteState {
  if ('error' in ack) throw new Error(`refused: ${ack.error}`);
  return ack.state;
}

async function png(width: number, height: number, rgb: [number, number, number]): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(
    await sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
      .png()
      .toBuffer(),
  );
}

describe('identity, styles, votes and the gallery', () => {
  let server: TestServer;
  const sockets: Socket[] = [];
  const clients: YClient[] = [];
  let presets: Array<StyleInfo & { z: number[] }> = [];

  beforeAll(async () => {
    server = await startServer({
      env: { VOTE_ROUND_MS: '2500', ...(process.env.TEST_MODELS_DIR ? { MODELS_DIR: process.env.TEST_MODELS_DIR } : {}) },
    });
    const models = (await (await fetch(`${server.url}/api/models`)).json()) as { default: string };
    const res = await fetch(`${server.url}/api/models/${models.default}/presets`);
    expect(res.status).toBe(200);
    presets = ((await res.json()) as { presets: typeof presets }).presets;
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    for (const c of clients) c.destroy();
    await server?.stop('SIGKILL');
  });

  it('issues a signed anonymous identity and lets the user rename it', async () => {
    const a = await newUser(server);
    expect(a.me.id).toMatch(/^[0-9A-Za-z]{20}$/);
    const again = (await (await fetch(`${server.url}/api/me`, { headers: { cookie: a.cookie } })).json()) as PublicUser;
    expect(again).toEqual(a.me);
    const patched = await fetch(`${server.url}/api/me`, {
      method: 'PATCH',
      headers: { cookie: a.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Ada', color: '#123abc' }),
    });
    expect(await patched.json()).toEqual({ id: a.me.id, name: 'Ada', color: '#123abc' });
    const bad = await fetch(`${server.url}/api/me`, {
      method: 'PATCH',
      headers: { cookie: a.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ color: 'red' }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/color/);
    // A forged cookie (someone else's id, wrong signature) is ignored: a fresh identity is issued.
    const forged = await fetch(`${server.url}/api/me`, { headers: { cookie: `spade_uid=${a.me.id}.forgedsignature` } });
    expect(((await forged.json()) as PublicUser).id).not.toBe(a.me.id);
  });

  it('serves presets with thumbnails', async () => {
    for (const p of presets) {
      expect(p.z.length).toBeGreaterThan(0);
      if (p.thumbnail) {
        const res = await fetch(`${server.url}${p.thumbnail}`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/^image\//);
      }
    }
    expect((await fetch(`${server.url}/api/models/nope/presets`)).status).toBe(404);
  });

  it('refuses uploads that are not images or are too big, and encodes a real one', async () => {
    const room = await createRoom(server.url);
    const url = `${server.url}/api/rooms/${room}/styles/upload`;
    const text = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'not an image' });
    expect(text.status).toBe(415);
    expect(((await text.json()) as { error: string }).error).toMatch(/upload an image/);
    const lying = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: new TextEncoder().encode('definitely not a png'),
    });
    expect(lying.status).toBe(415);
    expect(((await lying.json()) as { error: string }).error).toMatch(/not an image/);
    const big = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body: new Uint8Array(5 * 1024 * 1024 + 1).fill(7),
    });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: string }).error).toMatch(/over 5 MB/);

    const ok = await fetch(`${url}?name=Orange`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: await png(300, 200, [230, 120, 40]),
    });
    expect(ok.status).toBe(201);
    const { style } = (await ok.json()) as { style: StyleInfo };
    expect(style).toMatchObject({ name: 'Orange', kind: 'custom' });
    expect((await fetch(`${server.url}${style.thumbnail}`)).status).toBe(200);
    const listed = (await (await fetch(`${server.url}/api/rooms/${room}/styles`)).json()) as { styles: StyleInfo[] };
    expect(listed.styles.map((s) => s.id)).toContain(style.id);

    // One person cannot flood the encoder: a burst of 3, then 429.
    const user = await newUser(server);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { cookie: user.cookie, 'content-type': 'image/png' },
        body: await png(16, 16, [i * 40, 0, 0]),
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([201, 201, 201, 429]);
  });

  it('two users vote: tally right, second vote refused, the winning z reaches the renderer', async () => {
    const room = await createRoom(server.url, true);
    // A custom style so the test does not depend on which presets the shipped model has.
    const upload = await fetch(`${server.url}/api/rooms/${room}/styles/upload?name=Dusk`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: await png(64, 64, [40, 30, 90]),
    });
    const target = ((await upload.json()) as { style: StyleInfo }).style;
    const a = await join(server, room, await newUser(server));
    const b = await join(server, room, await newUser(server));
    sockets.push(a.socket, b.socket);
    await waitFor(() => a.frames.length > 0, 30_000, 'a first frame');

    const proposed = okState(await emit(a.socket, EVENTS.propose, { styleId: target.id }));
    expect(proposed.present).toBe(2);
    expect(proposed.open?.candidates).toHaveLength(1);
    expect(proposed.open?.candidates[0]).toMatchObject({ style: { id: target.id }, votes: 1, proposedBy: { id: a.me.id } });
    const round = proposed.open!;

    // The proposer's proposal was their vote: a second one is refused, the tally does not move.
    const again = await emit(a.socket, EVENTS.vote, { roundId: round.id, candidateId: round.candidates[0].id });
    expect(again).toEqual({ error: 'you already voted in this round' });
    const bad = await emit(a.socket, EVENTS.vote, { roundId: round.id });
    expect('error' in bad && bad.error).toMatch(/bad vote: candidateId/);

    const decided = okState(await emit(b.socket, EVENTS.vote, { roundId: round.id, candidateId: round.candidates[0].id }));
    expect(decided.open).toBeNull();
    expect(decided.current.id).toBe(target.id);
    expect(decided.history[0]).toMatchObject({ id: round.id, status: 'closed', closedBy: 'majority', winner: { id: target.id } });
    expect(decided.history[0].candidates[0].votes).toBe(2);
    expect(decided.history[0].candidates[0].voters.map((v) => v.id).sort()).toEqual([a.me.id, b.me.id].sort());
    expect(decided.currentZ.length).toBeGreaterThan(0);

    // Both see the result live, and a frame rendered with the winning style arrives.
    for (const m of [a, b]) await waitFor(() => m.states.some((s) => s.current.id === target.id), 5000, 'the result on both sockets');
    await waitFor(
      () => a.frames.some((f) => f.style === target.id) && b.frames.some((f) => f.style === target.id),
      30_000,
      'a frame in the winning style',
    );

    const late = await emit(b.socket, EVENTS.vote, { roundId: round.id, candidateId: round.candidates[0].id });
    expect(late).toEqual({ error: 'this round is closed' });
    const same = await emit(b.socket, EVENTS.propose, { styleId: target.id });
    expect('error' in same && same.error).toMatch(/already the room's style/);
    const unknown = await emit(b.socket, EVENTS.propose, { styleId: 'no-such-style' });
    expect('error' in unknown && unknown.error).toMatch(/unknown style/);
  });

  it('a split vote closes on the timer; the earliest proposal wins the tie', async () => {
    const room = await createRoom(server.url);
    const styles: StyleInfo[] = [];
    for (const [name, rgb] of [
      ['First', [200, 50, 50]],
      ['Second', [50, 200, 50]],
    ] as const) {
      const res = await fetch(`${server.url}/api/rooms/${room}/styles/upload?name=${name}`, {
        method: 'POST',
        headers: { 'content-type': 'image/png' },
        body: await png(32, 32, [...rgb]),
      });
      styles.push(((await res.json()) as { style: StyleInfo }).style);
    }
    const a = await join(server, room, await newUser(server));
    const b = await join(server, room, await newUser(server));
    sockets.push(a.socket, b.socket);
    okState(await emit(a.socket, EVENTS.propose, { styleId: styles[0].id }));
    const split = okState(await emit(b.socket, EVENTS.propose, { styleId: styles[1].id }));
    expect(split.open?.candidates.map((c) => c.votes)).toEqual([1, 1]);
    await waitFor(() => a.states.some((s) => s.history[0]?.closedBy === 'timer'), 8000, 'the timer to close the round');
    const closed = a.states.at(-1)!;
    expect(closed.history[0].winner?.id).toBe(styles[0].id);
    expect(closed.current.id).toBe(styles[0].id);
  });

  it('saves a scene, lists it newest first, forks it with the same strokes, and only the saver deletes it', async () => {
    const room = await createRoom(server.url);
    const saver = await newUser(server);
    const other = await newUser(server);
    // Each paints as themselves: the server refuses strokes that name someone else as author.
    const painter = connect(server.wsUrl, room, { cookie: saver.cookie });
    const otherPainter = connect(server.wsUrl, room, { cookie: other.cookie });
    clients.push(painter, otherPainter);
    await Promise.all([synced(painter), synced(otherPainter)]);
    painter.strokes.push([stroke('sea', { by: saver.me.id }), stroke('tree', { by: saver.me.id })]);
    otherPainter.strokes.push([stroke('sand', { by: other.me.id })]);
    await waitFor(() => painter.strokes.length === 3, 5000, 'both painters synced');
    await new Promise((r) => setTimeout(r, 300));

    const post = (title: unknown, cookie = saver.cookie) =>
      fetch(`${server.url}/api/rooms/${room}/scenes`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ title }),
      });
    expect((await post('')).status).toBe(400);
    const saved = await post('Harbour at dawn');
    expect(saved.status).toBe(201);
    const scene = (await saved.json()) as SceneSummary;
    expect(scene).toMatchObject({ title: 'Harbour at dawn', strokeCount: 3, savedBy: { id: saver.me.id } });
    expect(scene.contributors.map((c) => [c.id, c.name, c.strokes])).toEqual([
      [saver.me.id, saver.me.name, 2],
      [other.me.id, other.me.name, 1],
    ]);
    const second = (await (await post('Later one')).json()) as SceneSummary;

    const list = (await (await fetch(`${server.url}/api/scenes`)).json()) as SceneList;
    expect(list.scenes.slice(0, 2).map((s) => s.id)).toEqual([second.id, scene.id]);
    expect((await fetch(`${server.url}/api/scenes?page=abc`)).status).toBe(400);

    const labels = await fetch(`${server.url}/api/scenes/${scene.id}/labels.png`);
    expect((await sharp(Buffer.from(await labels.arrayBuffer())).metadata()).format).toBe('png');
    const detail = (await (
      await fetch(`${server.url}/api/scenes/${scene.id}`, { headers: { cookie: saver.cookie } })
    ).json()) as SceneDetail;
    expect(detail.mine).toBe(true);
    const strokes = ((await (await fetch(`${server.url}/api/scenes/${scene.id}/strokes`)).json()) as { strokes: Array<{ id: string }> })
      .strokes;
    expect(strokes.map((s) => s.id)).toEqual(painter.strokes.toArray().map((s) => s.id));

    const fork = await fetch(`${server.url}/api/scenes/${scene.id}/fork`, { method: 'POST' });
    expect(fork.status).toBe(201);
    const { roomId } = (await fork.json()) as { roomId: string };
    const forked = connect(server.wsUrl, roomId);
    clients.push(forked);
    await synced(forked);
    expect(forked.strokes.toArray()).toEqual(painter.strokes.toArray());

    expect((await fetch(`${server.url}/api/scenes/${scene.id}`, { method: 'DELETE', headers: { cookie: other.cookie } })).status).toBe(403);
    expect((await fetch(`${server.url}/api/scenes/${scene.id}`, { method: 'DELETE', headers: { cookie: saver.cookie } })).status).toBe(204);
    expect((await fetch(`${server.url}/api/scenes/${scene.id}`)).status).toBe(404);
  });

  it('paginates the gallery, newest first', async () => {
    const room = await createRoom(server.url, true);
    const titles: string[] = [];
    for (let i = 0; i < 14; i++) {
      // A fresh person per save keeps clear of the per-person save limit.
      const { cookie } = await newUser(server);
      const res = await fetch(`${server.url}/api/rooms/${room}/scenes`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ title: `Scene ${i}` }),
      });
      expect(res.status).toBe(201);
      titles.push(`Scene ${i}`);
    }
    const first = (await (await fetch(`${server.url}/api/scenes`)).json()) as SceneList;
    expect(first.pages).toBeGreaterThanOrEqual(2);
    expect(first.scenes).toHaveLength(12);
    expect(first.scenes.slice(0, 3).map((s) => s.title)).toEqual(['Scene 13', 'Scene 12', 'Scene 11']);
    const second = (await (await fetch(`${server.url}/api/scenes?page=2`)).json()) as SceneList;
    expect(second.page).toBe(2);
    expect(second.scenes.map((s) => s.title)).toContain('Scene 0');
    expect(new Set([...first.scenes, ...second.scenes].map((s) => s.id)).size).toBe(first.scenes.length + second.scenes.length);
  });

  it('logged no errors along the way', () => {
    const errors = server
      .output()
      .split('\n')
      .filter((line) => /"level":(50|60)/.test(line));
    expect(errors).toEqual([]);
  });

  it('keeps identities across a restart (the generated secret is stored)', async () => {
    const user = await newUser(server);
    await server.stop('SIGTERM');
    server = await startServer({
      dbUrl: server.dbUrl,
      env: process.env.TEST_MODELS_DIR ? { MODELS_DIR: process.env.TEST_MODELS_DIR } : {},
    });
    const res = await fetch(`${server.url}/api/me`, { headers: { cookie: user.cookie } });
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(await res.json()).toEqual(user.me);
  });
});
