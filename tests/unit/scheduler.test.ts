import { describe, expect, it } from 'vitest';
import { RenderScheduler } from '../../server/render/scheduler';

/** A scheduler whose renders finish only when the test says so. */
function harness(concurrency = 1, watched: (id: string) => boolean = () => true) {
  const started: string[] = [];
  const finish = new Map<string, Array<() => void>>();
  const scheduler = new RenderScheduler({
    concurrency,
    isWatched: watched,
    render: (roomId) => {
      started.push(roomId);
      return new Promise<void>((resolve) => finish.set(roomId, [...(finish.get(roomId) ?? []), resolve]));
    },
  });
  const complete = async (roomId: string) => {
    const list = finish.get(roomId)!;
    list.shift()!();
    await new Promise((r) => setImmediate(r));
  };
  return { scheduler, started, complete };
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
