import { describe, expect, it } from 'vitest';
import { RenderScheduler } from '../../server/render/scheduler';
import type { FrameQuality } from '../../lib/protocol';

/**
 * A scheduler whose renders finish only when the test says so. `drafts`: whether the model has
 * a draft graph (without one, a render asked for a draft reports 'full', as the Generator does).
 */
/** `draftWhenQueued`: 1 (drafts as soon as another room waits) for the policy tests; null = the scheduler's default. */
function harness(concurrency = 1, watched: (id: string) => boolean = () => true, drafts = false, draftWhenQueued: number | null = 1) {
  const started: string[] = [];
  /** `room:quality` as asked, in start order. */
  const asked: string[] = [];
  const finish = new Map<string, Array<() => void>>();
  const generatedOf = new Map<string, () => void>();
  const scheduler = new RenderScheduler({
    concurrency,
    ...(draftWhenQueued === null ? {} : { draftWhenQueued }),
    isWatched: watched,
    render: (roomId, quality, generated) => {
      generatedOf.set(roomId, generated);
      started.push(roomId);
      asked.push(`${roomId}:${quality}`);
      const rendered: FrameQuality = drafts ? quality : 'full';
      return new Promise<FrameQuality>((resolve) => finish.set(roomId, [...(finish.get(roomId) ?? []), () => resolve(rendered)]));
    },
  });
  const complete = async (roomId: string) => {
    const list = finish.get(roomId)!;
    list.shift()!();
    await new Promise((r) => setImmediate(r));
  };
  /** The room's render reports its generator done (only its encoding left). */
  const generate = (roomId: string) => generatedOf.get(roomId)!();
  return { scheduler, started, asked, complete, generate };
}

describe('RenderScheduler', () => {
  it('coalesces edits during a render into one follow-up render (latest wins)', async () => {
    const { scheduler, started, complete } = harness();
    scheduler.markDirty('a');
    for (let i = 0; i < 50; i++) scheduler.markDirty('a');
    expect(started).toEqual(['a']);
    expect(scheduler.pending).toBe(0); // in flight and dirty: re-queued only when this render ends
    await complete('a');
    expect(started).toEqual(['a', 'a']);
    await complete('a');
    expect(started).toEqual(['a', 'a']);
    await scheduler.idle();
  });

  it('keeps at most one render in flight per room even with spare capacity', () => {
    const { scheduler, started } = harness(4);
    scheduler.markDirty('a');
    scheduler.markDirty('a');
    expect(started).toEqual(['a']);
    expect(scheduler.running).toBe(1);
  });

  it('serves rooms round-robin so a busy room cannot starve others', async () => {
    const { scheduler, started, complete } = harness(1);
    scheduler.markDirty('busy');
    scheduler.markDirty('calm1');
    scheduler.markDirty('calm2');
    scheduler.markDirty('busy'); // edits while rendering
    await complete('busy');
    await complete('calm1');
    scheduler.markDirty('calm1');
    await complete('calm2');
    await complete('busy');
    expect(started).toEqual(['busy', 'calm1', 'calm2', 'busy', 'calm1']);
  });

  it('bounds the queue by the number of rooms, however many edits arrive', () => {
    const { scheduler } = harness(1);
    for (let i = 0; i < 10_000; i++) scheduler.markDirty(`room${i % 7}`);
    expect(scheduler.pending).toBe(6); // one rendering, each other room queued once
  });

  it('respects the global concurrency bound', () => {
    const { scheduler, started } = harness(2);
    for (const id of ['a', 'b', 'c', 'd']) scheduler.markDirty(id);
    expect(started).toEqual(['a', 'b']);
    expect(scheduler.running).toBe(2);
  });

  it("starts the next room's inference once a render's generator is done, while that frame is encoded", async () => {
    const { scheduler, started, complete, generate } = harness(1);
    scheduler.markDirty('a');
    scheduler.markDirty('b');
    expect(started).toEqual(['a']);
    generate('a');
    expect(started).toEqual(['a', 'b']);
    expect(scheduler.running).toBe(2);
    scheduler.markDirty('a'); // an edit while a's frame is encoded: one render per room at a time
    generate('a'); // reported twice: frees its place once
    expect(started).toEqual(['a', 'b']);
    await complete('a');
    expect(started).toEqual(['a', 'b']); // b is in the generator
    generate('b');
    expect(started).toEqual(['a', 'b', 'a']);
    await complete('b');
    await complete('a');
    await scheduler.idle();
  });

  it('skips rooms nobody watches and renders them once someone does', () => {
    const watchers = new Set<string>();
    const { scheduler, started } = harness(1, (id) => watchers.has(id));
    scheduler.markDirty('empty');
    expect(started).toEqual([]);
    watchers.add('empty');
    scheduler.markDirty('empty');
    expect(started).toEqual(['empty']);
  });

  it('keeps going after a render fails', async () => {
    const errors: string[] = [];
    let calls = 0;
    const scheduler = new RenderScheduler({
      concurrency: 1,
      isWatched: () => true,
      render: async () => {
        calls += 1;
        if (calls === 1) throw new Error('boom');
        return 'full';
      },
      onError: (id) => errors.push(id),
    });
    scheduler.markDirty('a');
    scheduler.markDirty('b');
    await scheduler.idle();
    expect(errors).toEqual(['a']);
    expect(calls).toBe(2);
  });
});

describe('RenderScheduler progressive rendering (drafts under load)', () => {
  const drafting = (concurrency = 1, watched: (id: string) => boolean = () => true) => harness(concurrency, watched, true);

  it('by default drafts only when two or more other rooms wait', async () => {
    const { scheduler, asked, complete } = harness(1, () => true, true, null);
    for (const id of ['a', 'b', 'c']) scheduler.markDirty(id);
    await complete('a');
    await complete('b');
    await complete('c');
    expect(asked).toEqual(['a:full', 'b:full', 'c:full']); // b had only c behind it
    for (const id of ['a', 'b', 'c', 'd']) scheduler.markDirty(id);
    await complete('a');
    await complete('b');
    await complete('c');
    await complete('d');
    // b had c and d behind it: draft, and its full frame is owed once no dirty room waits
    expect(asked.slice(3)).toEqual(['a:full', 'b:draft', 'c:full', 'd:full', 'b:full']);
    await complete('b');
    await scheduler.idle();
  });

  it('renders a single busy room at full quality, always', async () => {
    const { scheduler, asked, complete } = drafting();
    scheduler.markDirty('a');
    scheduler.markDirty('a'); // edits during the render
    await complete('a');
    scheduler.markDirty('a');
    await complete('a');
    await complete('a');
    expect(asked).toEqual(['a:full', 'a:full', 'a:full']);
    await scheduler.idle();
  });

  // In these tests the first room marked dirty starts at once (full: nobody else waits yet);
  // the rooms marked meanwhile queue behind it.
  it('drafts while other rooms wait, then owes each drafted room a full frame', async () => {
    const { scheduler, asked, complete } = drafting();
    for (const id of ['a', 'b', 'c']) scheduler.markDirty(id);
    scheduler.markDirty('a'); // a edits during its render
    await complete('a');
    await complete('b');
    await complete('c');
    // a is the only dirty room left: full; then the owed refreshes, oldest first
    expect(asked).toEqual(['a:full', 'b:draft', 'c:draft', 'a:full']);
    expect(scheduler.pending).toBe(2);
    await complete('a');
    await complete('b');
    await complete('c');
    expect(asked).toEqual(['a:full', 'b:draft', 'c:draft', 'a:full', 'b:full', 'c:full']);
    await scheduler.idle();
  });

  it('gives a drafted room that stopped painting its full frame once no dirty room waits', async () => {
    const { scheduler, asked, complete } = drafting();
    for (const id of ['a', 'b', 'c']) scheduler.markDirty(id);
    await complete('a');
    await complete('b'); // b stops painting
    expect(asked).toEqual(['a:full', 'b:draft', 'c:full']);
    await complete('c');
    expect(asked).toEqual(['a:full', 'b:draft', 'c:full', 'b:full']);
    await complete('b');
    expect(scheduler.pending).toBe(0);
    await scheduler.idle();
  });

  it('does not starve the full frame of a quiet room while others keep painting', async () => {
    const { scheduler, asked, complete } = drafting();
    for (const id of ['b', 'quiet', 'c']) scheduler.markDirty(id);
    // b and c edit during every render of theirs, so dirty rooms never run out
    for (let i = 0; i < 8; i++) {
      const room = asked[asked.length - 1].split(':')[0];
      if (room !== 'quiet') scheduler.markDirty(room);
      await complete(room);
    }
    // quiet's full frame comes after one round of the rooms queued behind its draft
    expect(asked.slice(0, 5)).toEqual(['b:full', 'quiet:draft', 'c:draft', 'b:draft', 'quiet:full']);
    expect(asked.slice(5).every((q) => q.endsWith(':draft'))).toBe(true);
    expect(asked.filter((q) => q.startsWith('quiet'))).toHaveLength(2);
  });

  it('still renders only the latest state: an edit replaces an owed refresh', async () => {
    const { scheduler, asked, complete } = drafting();
    for (const id of ['a', 'b', 'c']) scheduler.markDirty(id);
    await complete('a');
    await complete('b'); // b owes a full frame of its drafted state...
    for (let i = 0; i < 20; i++) scheduler.markDirty('b'); // ...until it changes: one render is due
    expect(scheduler.pending).toBe(1);
    await complete('c');
    await complete('b');
    expect(asked).toEqual(['a:full', 'b:draft', 'c:full', 'b:full']);
    await scheduler.idle();
  });

  it('never owes a refresh for a model without a draft graph', async () => {
    const { scheduler, asked, complete } = harness(1);
    for (const id of ['a', 'b', 'c']) scheduler.markDirty(id);
    await complete('a');
    await complete('b');
    await complete('c');
    expect(asked).toEqual(['a:full', 'b:draft', 'c:full']); // the draft asked of b was rendered full
    expect(scheduler.pending).toBe(0);
    await scheduler.idle();
  });

  it('drops an owed refresh nobody would see', async () => {
    const watchers = new Set(['a', 'b', 'c']);
    const { scheduler, asked, complete } = drafting(1, (id) => watchers.has(id));
    for (const id of ['a', 'b', 'c']) scheduler.markDirty(id);
    await complete('a');
    await complete('b');
    watchers.delete('b');
    await complete('c');
    expect(asked).toEqual(['a:full', 'b:draft', 'c:full']);
    await scheduler.idle();
  });
});
