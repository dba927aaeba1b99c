import { describe, expect, it } from 'vitest';
import { checkStroke, newStrokeId, STROKE_LIMITS } from '../../lib/strokes';

const names = new Set(['sky', 'grass', 'sea']);
const ok = { id: 'abc_DEF-1', tool: 'brush', label: 'grass', size: 12, points: [0, 0, 1024, 1024, 5, 6] };

function err(value: unknown): string {
  const r = checkStroke(value, names);
  if (r.ok) throw new Error('expected a rejection');
  return r.error;
}

describe('checkStroke', () => {
  it('accepts valid strokes of every tool', () => {
    expect(checkStroke(ok, names)).toEqual({ ok: true, stroke: ok });
    expect(checkStroke({ ...ok, by: 'user-1' }, names).ok).toBe(true);
    expect(checkStroke({ ...ok, tool: 'erase', label: 'sky', points: [3, 4] }, names).ok).toBe(true);
    expect(checkStroke({ ...ok, tool: 'line', points: [1, 2, 3, 4] }, names).ok).toBe(true);
    expect(checkStroke({ ...ok, tool: 'fill', size: 0, points: [512, 512] }, names).ok).toBe(true);
    expect(checkStroke({ ...ok, tool: 'clear', points: [] }, names).ok).toBe(true);
    const max = Array.from({ length: STROKE_LIMITS.maxPoints * 2 }, (_, i) => i % 1025);
    expect(checkStroke({ ...ok, points: max }, names).ok).toBe(true);
  });

  it('returns a copy without extra references', () => {
    const r = checkStroke(ok, names);
    expect(r.ok && r.stroke !== ok && r.stroke.points !== ok.points).toBe(true);
  });

  it('rejects non-objects and missing or extra fields', () => {
    expect(err(null)).toMatch(/object/);
    expect(err('x')).toMatch(/object/);
    expect(err([])).toMatch(/object/);
    expect(err({ ...ok, extra: 1 })).toMatch(/extra/);
    const { label: _l, ...noLabel } = ok;
    expect(err(noLabel)).toMatch(/^invalid stroke: label/);
  });

  it('rejects bad ids, tools and labels', () => {
    expect(err({ ...ok, id: '' })).toMatch(/id/);
    expect(err({ ...ok, id: 'a'.repeat(STROKE_LIMITS.maxIdLength + 1) })).toMatch(/id.*at most 64/);
    expect(err({ ...ok, id: 'a b' })).toMatch(/id/);
    expect(err({ ...ok, id: 7 })).toMatch(/id/);
    expect(err({ ...ok, tool: 'spray' })).toMatch(/tool.*brush, erase, line, fill, clear/);
    expect(err({ ...ok, label: 'lava' })).toMatch(/label: unknown label "lava"/);
    expect(err({ ...ok, by: 5 })).toMatch(/by/);
  });

  it('rejects non-finite, non-integer and out-of-range numbers', () => {
    expect(err({ ...ok, size: NaN })).toMatch(/size/);
    expect(err({ ...ok, size: Infinity })).toMatch(/size/);
    expect(err({ ...ok, size: 0 })).toMatch(/size must be in \[1, 256\]/);
    expect(err({ ...ok, size: 257 })).toMatch(/size/);
    expect(err({ ...ok, size: '12' })).toMatch(/size/);
    expect(err({ ...ok, points: [0, NaN] })).toMatch(/points\[1\]: coordinates must be finite/);
    expect(err({ ...ok, points: [0, Infinity] })).toMatch(/points\[1\]/);
    expect(err({ ...ok, points: [0, 1.5] })).toMatch(/integers/);
    expect(err({ ...ok, points: [-1, 0] })).toMatch(/\[0, 1024\]/);
    expect(err({ ...ok, points: [0, 1025] })).toMatch(/\[0, 1024\]/);
    expect(err({ ...ok, points: [0, '1'] })).toMatch(/points\[1\]/);
    expect(err({ ...ok, points: 'nope' })).toMatch(/points must be an array/);
  });

  it('rejects wrong point counts per tool and too many points', () => {
    expect(err({ ...ok, points: [1, 2, 3] })).toMatch(/pairs/);
    expect(err({ ...ok, points: [] })).toMatch(/brush needs 1 to 2000 point\(s\), got 0/);
    expect(err({ ...ok, tool: 'line', points: [1, 2] })).toMatch(/line needs exactly 2/);
    expect(err({ ...ok, tool: 'line', points: [1, 2, 3, 4, 5, 6] })).toMatch(/line needs exactly 2/);
    expect(err({ ...ok, tool: 'fill', points: [1, 2, 3, 4] })).toMatch(/fill needs exactly 1/);
    expect(err({ ...ok, tool: 'clear', points: [1, 2] })).toMatch(/clear needs exactly 0/);
    const tooMany = Array.from({ length: STROKE_LIMITS.maxPoints * 2 + 2 }, () => 1);
    expect(err({ ...ok, points: tooMany })).toMatch(/too many points \(max 2000\)/);
  });
});

describe('newStrokeId', () => {
  it('is short, url-safe, valid and unique', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 5000; i++) ids.add(newStrokeId());
    expect(ids.size).toBe(5000);
    for (const id of [...ids].slice(0, 50)) {
      expect(id).toMatch(/^[A-Za-z0-9_-]{14}$/);
      expect(checkStroke({ ...ok, id }, names).ok).toBe(true);
    }
  });
});
