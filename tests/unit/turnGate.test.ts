import { describe, expect, it } from 'vitest';
import { TurnGate } from '../../server/guards/turnGate';

describe('TurnGate', () => {
  it('lets one waiter through per turn of the event loop, with other work between them', async () => {
    const gate = new TurnGate();
    const order: string[] = [];
    const waiters = ['a', 'b', 'c'].map((name) => gate.turn().then(() => order.push(name)));
    // Queued after the gate's first turn: it must run before the second waiter, not after all three.
    setImmediate(() => order.push('other'));
    await Promise.all(waiters);
    expect(order).toEqual(['a', 'other', 'b', 'c']);
  });
});
