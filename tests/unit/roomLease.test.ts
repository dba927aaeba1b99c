// The room ownership lease against a real redis-server (tests/helpers/redis.ts starts one):
// one owner at a time, growing fencing tokens, renewal, loss when taken after a lapse or when
// Redis is unreachable for the lease's whole time to live. Skipped without Debian's redis-server
// except under CI, where tests/integration/render-queue.test.ts fails naming the package.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { redisServerBin, startRedis, type RedisServer } from '../helpers/redis';
import { waitFor } from '../helpers/yclient';
import { log as serverLog } from '../../server/log';
import { RoomLeases } from '../../server/cluster/roomLease';

const log = serverLog.child({}, { level: 'silent' });
const inCI = process.env.CI === 'true' || process.env.CI === '1';

describe.skipIf(!redisServerBin() && !inCI)('room leases', () => {
  let redis: RedisServer;
  const clients: Redis[] = [];
  const instances: RoomLeases[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const leases of instances) await leases.close().catch(() => undefined);
    for (const client of clients) client.disconnect();
    await redis?.stop();
  });

  function instance(instanceId: string, ttlMs: number, url = redis.url) {
    const client = new Redis(url);
    client.on('error', () => undefined);
    clients.push(client);
    const lost: Array<[string, number]> = [];
    const leases = new RoomLeases(
      client,
      { instanceId, ttlMs, prefix: `test:${ttlMs}:` },
      { log, onLost: (room, token) => lost.push([room, token]) },
    );
    instances.push(leases);
    return { leases, lost, client };
  }

  it('one owner at a time; a released room goes to the next instance with a higher token', async () => {
    const a = instance('a', 60_000);
    const b = instance('b', 60_000);
    const first = await a.leases.acquire('room-1');
    expect(first).toMatchObject({ ok: true, lease: { roomId: 'room-1', token: 1, held: true } });
    expect(await b.leases.acquire('room-1')).toEqual({ ok: false, owner: { instanceId: 'a', token: 1 } });
    // Asking again keeps the same grant.
    expect(await a.leases.acquire('room-1')).toMatchObject({ ok: true, lease: { token: 1 } });
    expect(await a.leases.owner('room-1')).toEqual({ instanceId: 'a', token: 1 });
    // Another room is independent.
    expect(await b.leases.acquire('room-2')).toMatchObject({ ok: true, lease: { token: 1 } });

    await a.leases.release('room-1');
    expect(await a.leases.owner('room-1')).toBeNull();
    const second = await b.leases.acquire('room-1');
    expect(second).toMatchObject({ ok: true, lease: { token: 2 } });
    expect(await a.leases.acquire('room-1')).toEqual({ ok: false, owner: { instanceId: 'b', token: 2 } });
    expect([a.lost, b.lost]).toEqual([[], []]);
  });

  it('renewal puts the time to live back', async () => {
    const a = instance('a', 60_000);
    const acquired = await a.leases.acquire('room-r');
    expect(acquired.ok).toBe(true);
    // The key is about to lapse in Redis; one renewal round gives it its whole time to live again.
    await a.client.pexpire('test:60000:owner:room-r', 100);
    await a.leases.renewAll();
    expect(await a.client.pttl('test:60000:owner:room-r')).toBeGreaterThan(1000);
    expect(acquired.ok && acquired.lease.held).toBe(true);
    expect(a.lost).toEqual([]);
  });

  it('a lapsed lease taken by another instance is lost by the old owner, whose token is now stale', async () => {
    const a = instance('a', 300);
    const b = instance('b', 300);
    const old = await a.leases.acquire('room-x');
    if (!old.ok) throw new Error('a should own room-x');
    // The owner is cut off (a partition; its commands fail at once): its key lapses in Redis and b takes the room.
    a.client.disconnect();
    let taken: Awaited<ReturnType<RoomLeases['acquire']>> = { ok: false, owner: null };
    for (let i = 0; i < 200 && !taken.ok; i++) {
      taken = await b.leases.acquire('room-x');
      if (!taken.ok) await new Promise((r) => setTimeout(r, 50));
    }
    expect(taken).toMatchObject({ ok: true, lease: { token: old.lease.token + 1 } });
    // a cannot renew while disconnected: after its time to live it counts the lease as lost.
    await waitFor(() => a.lost.length === 1, 10_000, 'a loses the lease');
    expect(a.lost).toEqual([['room-x', old.lease.token]]);
    expect(old.lease.held).toBe(false);
    // Back on the network, the stale owner can neither renew nor release b's lease.
    await a.client.connect();
    await a.leases.renewAll();
    await a.leases.release('room-x');
    expect(await b.leases.owner('room-x')).toEqual({ instanceId: 'b', token: old.lease.token + 1 });
  });

  it("a renewal that finds the lease in another's hands reports it lost at once", async () => {
    const a = instance('a', 60_000);
    const acquired = await a.leases.acquire('room-y');
    expect(acquired.ok).toBe(true);
    // Someone else holds it now (an operator, or a lapse a's clock missed).
    await a.client.set('test:60000:owner:room-y', 'c 7', 'PX', 60_000);
    await a.leases.renewAll();
    expect(a.lost).toEqual([['room-y', 1]]);
    expect(acquired.ok && acquired.lease.held).toBe(false);
  });
});
