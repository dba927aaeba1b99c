import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { guardListener } from '../../server/guards/listener';

describe('guardListener', () => {
  it('passes arguments through, and turns a throw into fail() for that connection only', () => {
    const seen: unknown[] = [];
    const failures: unknown[] = [];
    const listener = guardListener(
      pino({ level: 'silent' }),
      'test',
      (e) => failures.push(e),
      (n: number) => {
        if (n < 0) throw new Error('negative');
        seen.push(n);
      },
    );
    listener(1);
    expect(() => listener(-1)).not.toThrow();
    listener(2);
    expect(seen).toEqual([1, 2]);
    expect(failures).toEqual([new Error('negative')]);
  });
});
