// The fenced update store (server/cluster/fencedStore.ts) over the in-memory store: an update is
// acknowledged only while this instance's lease is the room's latest, before and after its commit.
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { FencedUpdateStore, type Fence } from '../../server/cluster/fencedStore';
import { MemoryUpdateStore } from '../../server/sync/memoryUpdateStore';
import { log as serverLog } from '../../server/log';

const log = serverLog.child({}, { level: 'silent' });

function update(): Uint8Array {
  const doc = new Y.Doc();
  doc.getArray('a').push([1]);
  return Y.encodeStateAsUpdate(doc);
}

/** A lease of token `mine`; `latest` is what Redis says (a function, so tests can move it). */
function fence(mine: number | null, latest: () => Promise<number | null>, held = true): Fence {
  return { lease: () => (mine === null ? undefined : { token: mine, held }), fence: latest };
}

/** Whether `promise` settles within a few turns of the event loop. */
async function settles(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
  return done;
}

describe('FencedUpdateStore', () => {
  it('acknowledges after the commit while the lease is the latest, one fence read per commit', async () => {
    const inner = new MemoryUpdateStore();
    let reads = 0;
    const fenced: string[] = [];
    const store = new FencedUpdateStore(
      inner,
      fence(3, async () => (reads++, 3)),
      (room) => fenced.push(room),
      log,
    );
    const writes = [store.append('r', update()), store.append('r', update())];
    expect(await settles(Promise.all(writes))).toBe(false); // not committed yet
    await inner.flush();
    expect(await settles(Promise.all(writes))).toBe(true);
    expect([reads, fenced, inner.stored.get('r')?.length]).toEqual([1, [], 2]);
  });

  it('a write without the lease is refused: never acknowledged, the room reported', async () => {
    const inner = new MemoryUpdateStore();
    const fenced: string[] = [];
    const store = new FencedUpdateStore(
      inner,
      fence(3, async () => 3, false),
      (room) => fenced.push(room),
      log,
    );
    const write = store.append('r', update());
    await inner.flush();
    expect(await settles(write)).toBe(false);
    expect(fenced).toEqual(['r']);
    expect(inner.stored.get('r')).toBeUndefined();
  });

  it('a newer token granted before the commit returned: committed but never acknowledged, the room reported', async () => {
    const inner = new MemoryUpdateStore();
    let latest = 3;
    const fenced: string[] = [];
    const store = new FencedUpdateStore(
      inner,
      fence(3, async () => latest),
      (room) => fenced.push(room),
      log,
    );
    const write = store.append('r', update());
    latest = 4;
    await inner.flush();
    expect(await settles(write)).toBe(false);
    expect(fenced).toEqual(['r']);
  });

  it('Redis unreachable at the check: the local lease decides', async () => {
    const inner = new MemoryUpdateStore();
    const down = async (): Promise<number | null> => {
      throw new Error('connection refused');
    };
    const held = new FencedUpdateStore(inner, fence(3, down), () => undefined, log);
    const write = held.append('r', update());
    await inner.flush();
    expect(await settles(write)).toBe(true);
  });

  it('compacts only while holding the lease', async () => {
    const inner = new MemoryUpdateStore();
    inner.stored.set('r', [update(), update()]);
    await new FencedUpdateStore(
      inner,
      fence(null, async () => 1),
      () => undefined,
      log,
    ).compact('r');
    expect(inner.stored.get('r')?.length).toBe(2);
    await new FencedUpdateStore(
      inner,
      fence(1, async () => 1),
      () => undefined,
      log,
    ).compact('r');
    expect(inner.stored.get('r')?.length).toBe(1);
  });

  it("passes a page's catch-up (commit now) on to the store it fences", () => {
    class Spy extends MemoryUpdateStore {
      readonly asked: (boolean | undefined)[] = [];
      override append(roomId: string, u: Uint8Array, now?: boolean): Promise<void> {
        this.asked.push(now);
        return super.append(roomId, u);
      }
    }
    const inner = new Spy();
    const store = new FencedUpdateStore(
      inner,
      fence(1, async () => 1),
      () => {},
      log,
    );
    void store.append('r', update(), true);
    void store.append('r', update());
    expect(inner.asked).toEqual([true, undefined]);
  });
});
