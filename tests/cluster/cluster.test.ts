// Several sync instances (issue 16 items 3 and 5): two sync instances and two render workers on
// one Redis and one PostgreSQL, each room served by the holder of its lease. Clients reach the
// instances through balancers (tests/cluster/cluster.ts) that, like a load balancer, send new
// connections elsewhere once an instance is gone. Needs Debian's redis-server and postgresql
// (.ci/run installs both); fails naming the package when one is missing.
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Job, Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { createRoom, type TestServer } from '../helpers/server';
import { waitFor } from '../helpers/yclient';
import { docVersion } from '../../lib/docVersion';
import { rasterize } from '../../lib/raster';
import { EVENTS } from '../../lib/events';
import type { RoomInfo } from '../../lib/protocol';
import type { Stroke } from '../../lib/strokes';
import { FrameWatcher, Painter, startCluster, type Cluster } from './cluster';

const LEASE_MS = 4000;
const VOTE_ROUND_MS = 8000;
const QUEUE = 'spade-render';

const ids = (p: Painter | { client: Painter['client'] }) => new Set(p.client.strokes.toArray().map((s: Stroke) => s.id));
const ownerKey = (room: string) => `spade:room:owner:${room}`;

describe('two sync instances and two render workers', () => {
  let cluster: Cluster;
  let a: TestServer;
  let b: TestServer;
  let redis: Redis;
  let queue: Queue;
  let events: QueueEvents;
  const painters: Painter[] = [];
  const watchers: FrameWatcher[] = [];
  let room: string;
  let other: string;
  let info: RoomInfo;
  let inOther: Painter;
  let otherWatcher: FrameWatcher;
  let otherTimer: NodeJS.Timeout | undefined;
  let otherStrokes = 0;

  const painter = (wsUrl: string, id: string) => {
    const p = new Painter(wsUrl, id);
    painters.push(p);
    return p;
  };
  const watcher = (url: string, id: string, cookie?: string) => {
    const w = new FrameWatcher(url, id, cookie);
    watchers.push(w);
    return w;
  };
  const labelMap = (p: Painter) => rasterize(p.client.strokes.toArray(), info.model.size[0], info.model.size[1], info.model.labels);

  beforeAll(async () => {
    cluster = await startCluster({
      syncs: 2,
      workers: 2,
      // One render job in flight per worker; a short lease so a killed owner's rooms move within seconds.
      // Vote rounds long enough to outlive the owner killed below.
      env: { ROOM_LEASE_MS: String(LEASE_MS), RENDER_CONCURRENCY: '2', VOTE_ROUND_MS: String(VOTE_ROUND_MS) },
      // A short lock so a killed worker's job is taken by the other within seconds.
      workerEnv: { RENDER_LOCK_MS: '2000' },
    });
    [a, b] = cluster.syncs;
    redis = new Redis(cluster.redis.url);
    redis.on('error', () => undefined);
    queue = new Queue(QUEUE, { connection: { url: cluster.redis.url } });
    events = new QueueEvents(QUEUE, { connection: { url: cluster.redis.url } });
    await events.waitUntilReady();
  });
  afterAll(async () => {
    clearInterval(otherTimer);
    for (const w of watchers) w.close();
    for (const p of painters) p.destroy();
    await events?.close();
    await queue?.close();
    redis?.disconnect();
    await cluster?.stop();
  });

  it('two clients of one room on different instances co-paint: one owner, byte-identical label maps, frames at both', async () => {
    const [toA, toB] = cluster.balancers;
    room = await createRoom(toA.url, true);
    info = (await (await fetch(`${toA.url}/api/rooms/${room}`)).json()) as RoomInfo;
    const first = painter(toA.wsUrl, room);
    await first.synced();
    const second = painter(toB.wsUrl, room);
    await second.synced();
    const [w1, w2] = [watcher(toA.url, room), watcher(toB.url, room)];
    await waitFor(() => w1.joins === 1 && w2.joins === 1, 10_000, 'both watchers joined');

    for (let i = 0; i < 5; i++) {
      first.paint('sea', i);
      second.paint('tree', i);
    }
    const mine = [...first.painted, ...second.painted].map((s) => s.id);
    const hasAll = (p: Painter) => mine.every((id) => ids(p).has(id)) && p.client.strokes.length === first.client.strokes.length;
    await waitFor(() => hasAll(first) && hasAll(second), 10_000, "both clients with each other's strokes");
    expect(Buffer.from(labelMap(first)).equals(Buffer.from(labelMap(second)))).toBe(true);
    expect(new Set(labelMap(first)).size).toBeGreaterThan(1);

    // A holds the room; B forwarded its clients there and never loaded it.
    expect(await redis.get(ownerKey(room))).toMatch(new RegExp(`@127\\.0\\.0\\.1:${a.port} \\d+$`));
    const loaded = (s: TestServer) => s.output().includes(`"room":"${room}"`) && s.output().includes('"msg":"room loaded"');
    expect(loaded(a)).toBe(true);
    expect(
      b
        .output()
        .split('\n')
        .some((l) => l.includes(`"room":"${room}"`) && l.includes('room loaded')),
    ).toBe(false);

    const version = docVersion(first.client.doc);
    await waitFor(() => w1.hasFull(version) && w2.hasFull(version), 60_000, 'a full frame of the latest version at both watchers');

    // The room's API through B is the owner's: a gallery save of the live room (B cannot open it).
    const saved = await fetch(`${toB.url}/api/rooms/${room}/scenes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'across instances' }),
    });
    expect(saved.status).toBe(201);
  });

  it('a second room served by the other instance keeps painting throughout', async () => {
    const [, toB] = cluster.balancers;
    other = await createRoom(toB.url, true);
    inOther = painter(b.wsUrl, other);
    await inOther.synced();
    otherWatcher = watcher(b.url, other);
    await waitFor(() => otherWatcher.joins === 1, 10_000, 'the watcher joined');
    otherTimer = setInterval(() => inOther.paint('grass', otherStrokes++), 300);
    await waitFor(() => inOther.acknowledged().length >= 2, 10_000, 'strokes acknowledged in the second room');
    expect(await redis.get(ownerKey(other))).toMatch(new RegExp(`@127\\.0\\.0\\.1:${b.port} \\d+$`));
  });

  it('SIGKILL of the owner: the other instance serves the room within 10 s, loaded from PostgreSQL, no acknowledged stroke lost; its open vote round closes once, there', async () => {
    const [first, second] = painters;
    // A vote round open on A when it dies: the proposer leaves, the other person stays, so only
    // the round's timer can close it, and that timer must now run on B.
    const toB = cluster.balancers[1];
    const person = async () => (await fetch(`${toB.url}/api/me`)).headers.get('set-cookie')!.split(';')[0];
    const [proposer, bystander] = [watcher(toB.url, room, await person()), watcher(toB.url, room, await person())];
    await waitFor(() => proposer.joins === 1 && bystander.joins === 1, 10_000, 'the voters joined');
    const { styles } = (await (await fetch(`${toB.url}/api/rooms/${room}/styles`)).json()) as { styles: Array<{ id: string }> };
    let round: string | null = null;
    for (const style of styles) {
      const ack = (await proposer.socket.emitWithAck(EVENTS.propose, { styleId: style.id })) as { state?: { open: { id: string } | null } };
      round = ack.state?.open?.id ?? null;
      if (round) break; // (the room's current style cannot be proposed)
    }
    expect(round).not.toBeNull();
    proposer.close();

    // Painting up to the kill: some strokes are acknowledged, the last ones may not be.
    let i = 100;
    const timer = setInterval(() => {
      first.paint('mountain', i);
      second.paint('sky', i++);
    }, 100);
    await waitFor(() => first.acknowledged().length >= 8 && second.acknowledged().length >= 8, 15_000, 'strokes acknowledged');
    const acked = [...first.acknowledged(), ...second.acknowledged()];
    a.process.kill('SIGKILL');
    const killedAt = Date.now();
    clearInterval(timer);

    // A newcomer through the balancer that preferred A: it now reaches B, which takes the room.
    const newcomer = painter(cluster.balancers[0].wsUrl, room);
    await waitFor(() => newcomer.client.provider.synced, 10_000, 'the room served again within 10 s of the kill');
    const takeoverMs = Date.now() - killedAt;
    const present = ids(newcomer);
    expect(acked.filter((id) => !present.has(id))).toEqual([]);
    expect(await redis.get(ownerKey(room))).toMatch(new RegExp(`@127\\.0\\.0\\.1:${b.port} \\d+$`));
    const loadedHere = () =>
      b
        .output()
        .split('\n')
        .some((l) => l.includes(`"room":"${room}"`) && l.includes('"msg":"room loaded"'));
    await waitFor(loadedHere, 5000, 'B logged loading the room');
    console.info(`takeover: ${takeoverMs} ms after SIGKILL (lease ${LEASE_MS} ms)`);

    // The painters reconnect (to B) and resend what the dead owner never stored: all converge.
    const all = new Set([...first.painted, ...second.painted].map((s) => s.id));
    await waitFor(() => [...all].every((id) => ids(newcomer).has(id)), 20_000, 'every stroke painted at the new owner');
    await waitFor(
      () => [first, second].every((p) => p.client.strokes.length === newcomer.client.strokes.length),
      20_000,
      'the painters resynced',
    );
    expect(Buffer.from(labelMap(first)).equals(Buffer.from(labelMap(newcomer)))).toBe(true);
    // Both watchers reconnected and joined again (through B).
    const [w1, w2] = watchers;
    await waitFor(() => w1.joins >= 2 && w2.joins >= 2, 20_000, 'the watchers joined again');

    // The round closes once, by its timer, on the room's new owner.
    const closed = (s: TestServer) =>
      s
        .output()
        .split('\n')
        .filter((l) => l.includes('"msg":"style vote closed"'));
    await waitFor(() => closed(b).length > 0, VOTE_ROUND_MS + 10_000, "the round closed by B's timer");
    expect(closed(b)).toHaveLength(1);
    expect(closed(b)[0]).toContain(`"round":"${round}"`);
    expect(closed(b)[0]).toContain('"closedBy":"timer"');
    expect(closed(a)).toEqual([]);
  });

  it('SIGKILL of a worker mid-job: the room still gets its latest frame', async () => {
    const [first] = painters;
    const [w1, w2] = watchers;
    const killed = new Promise<{ jobId: string; pid: number }>((resolve) => {
      const onActive = ({ jobId }: { jobId: string }) => {
        void Job.fromId(queue, jobId).then((job) => {
          const worker = cluster.workers.find((w) => job?.processedBy === `${os.hostname()}/${w.pid}`);
          // A job of this room, on a live worker: the other room's painting queues jobs too.
          if ((job?.data as { roomId?: string } | undefined)?.roomId !== room || !worker || worker.process.exitCode !== null) return;
          events.off('active', onActive);
          worker.process.kill('SIGKILL');
          resolve({ jobId, pid: worker.pid });
        });
      };
      events.on('active', onActive);
    });
    first.paint('sea', 500);
    const { pid } = await killed;
    first.paint('tree', 501);
    const version = docVersion(first.client.doc);
    await waitFor(() => w1.hasFull(version) && w2.hasFull(version), 60_000, 'the latest full frame through the surviving worker');
    const survivor = cluster.workers.find((w) => w.pid !== pid)!;
    expect(survivor.process.exitCode).toBeNull();
    expect(cluster.workers.find((w) => w.pid === pid)!.process.signalCode).toBe('SIGKILL');
  });

  it('a lost lease: the write after it is not acknowledged, the room is evicted, its clients come back and the stroke is stored', async () => {
    const third = await createRoom(b.url, false);
    const p = painter(b.wsUrl, third);
    await p.synced();
    const feed = watcher(b.url, third);
    await waitFor(() => feed.joins === 1, 10_000, 'the watcher joined');
    p.paint('sea', 0);
    await waitFor(() => p.acknowledged().length === 1, 10_000, 'the first stroke acknowledged');
    // Another instance takes the room (as if B had been paused past its lease): a newer token.
    const token = await redis.incr(`spade:room:fence:${third}`);
    await redis.set(ownerKey(third), `elsewhere@127.0.0.1:1 ${token}`, 'PX', 2500);
    const late = p.paint('tree', 1);
    await waitFor(() => p.client.closes.some((c) => c.code === 1012), 10_000, 'the session closed as the room moved');
    expect(p.acknowledged()).not.toContain(late);
    // (B's log reaches this process through a pipe, after the close reached the client.)
    await waitFor(() => b.output().includes('"msg":"room evicted"'), 5000, "B's log of the eviction");
    // The taker never shows up: its lease lapses, B takes the room back, and the stroke is resent and stored.
    await waitFor(() => p.acknowledged().includes(late), 15_000, 'the late stroke acknowledged by the next owner');
    // The feed connection was dropped with the room and joined it again.
    await waitFor(() => feed.joins === 2, 10_000, 'the watcher joined the room again');
    expect(await redis.get(ownerKey(third))).toMatch(new RegExp(`@127\\.0\\.0\\.1:${b.port} ${token + 1}$`));
  });

  it('the second room was unaffected: never disconnected, every stroke acknowledged, its latest frame shown', async () => {
    clearInterval(otherTimer);
    await waitFor(() => inOther.acknowledged().length === inOther.painted.length, 10_000, 'every stroke of the second room acknowledged');
    expect(inOther.painted.length).toBeGreaterThan(10);
    expect(inOther.client.closes).toEqual([]);
    expect(otherWatcher.joins).toBe(1);
    const version = docVersion(inOther.client.doc);
    await waitFor(() => otherWatcher.hasFull(version), 60_000, 'the latest full frame of the second room');
  });

  it('SIGTERM drains: rooms stored, leases released at once, and the remaining instance takes them', async () => {
    const c = await cluster.addSync();
    const [first] = painters;
    const before = first.acknowledged();
    const otherAcked = inOther.acknowledged();
    await b.stop('SIGTERM');
    // Released, not left to lapse: nobody holds either room the moment B has exited.
    const held = await Promise.all([redis.get(ownerKey(room)), redis.get(ownerKey(other))]);
    expect(held.filter((h) => h?.includes(`:${b.port} `))).toEqual([]);
    const fresh = painter(c.wsUrl, other);
    await fresh.synced();
    expect(otherAcked.filter((id) => !ids(fresh).has(id))).toEqual([]);
    const again = painter(c.wsUrl, room);
    await again.synced();
    expect(before.filter((id) => !ids(again).has(id))).toEqual([]);
    expect(await redis.get(ownerKey(room))).toMatch(new RegExp(`@127\\.0\\.0\\.1:${c.port} \\d+$`));
  });
});
