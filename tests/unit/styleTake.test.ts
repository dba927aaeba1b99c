import { describe, expect, it } from 'vitest';
import { baseStyleOf, baseZ, parseTakeId, takeId, takeZ, TAKE_SPREAD } from '../../lib/styleTake';

const z = Float32Array.from({ length: 256 }, (_, i) => Math.sin(i));

describe('takes of a style', () => {
  it('are the same z for the same seed everywhere, another for another seed', () => {
    expect(takeZ(z, 42)).toEqual(takeZ(z, 42));
    const a = takeZ(z, 42);
    const b = takeZ(z, 43);
    const spread = (t: Float32Array) => Math.sqrt(t.reduce((s, v, i) => s + (v - z[i]) ** 2, 0) / t.length);
    // Noise of TAKE_SPREAD standard deviation around the style's z.
    expect(spread(a)).toBeGreaterThan(TAKE_SPREAD * 0.8);
    expect(spread(a)).toBeLessThan(TAKE_SPREAD * 1.2);
    expect(a.some((v, i) => v !== b[i])).toBe(true);
  });

  it('a take of a take starts from the original style, as its id says', () => {
    const id = takeId('golden_hour', 7);
    expect(parseTakeId(id)).toEqual({ base: 'golden_hour', seed: 7 });
    expect(baseStyleOf(id)).toBe('golden_hour');
    const back = baseZ(id, takeZ(z, 7));
    for (let i = 0; i < z.length; i++) expect(back[i]).toBeCloseTo(z[i], 5);
    expect(baseZ('golden_hour', z)).toEqual(z);
  });

  it('parses only well-formed take ids', () => {
    expect(parseTakeId(takeId('custom:abc123def456', 2147483647))).toEqual({ base: 'custom:abc123def456', seed: 2147483647 });
    for (const bad of [
      'golden_hour',
      'take:',
      'take:x',
      'take::5',
      'take:x:0',
      'take:x:-1',
      'take:x:2147483648',
      'take:x:1.5',
      'take:take:x:1:2',
    ])
      expect(parseTakeId(bad)).toBeNull();
  });
});
