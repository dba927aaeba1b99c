import { describe, expect, it } from 'vitest';
import { loadLandscape, prng, typicalStrokes } from '../bench/raster';
import { IncrementalRasterizer, rasterize } from '../../lib/raster';
import { labelIds } from '../../lib/labels';
import type { Stroke } from '../../lib/strokes';

const labels = loadLandscape();
const ids = labelIds(labels);
const id = (name: string) => ids.get(name)!;

function fnv1a(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** Per-pixel reference implementation of the documented semantics (slow, obviously correct). */
function reference(strokes: readonly Stroke[], W: number, H: number): Uint8Array {
  const map = new Uint8Array(W * H).fill(id(labels.background));
  const inside = (px: number, py: number, ax: number, ay: number, bx: number, by: number, r2: number) => {
    const ex = bx - ax,
      ey = by - ay,
      L2 = ex * ex + ey * ey;
    const dx = px - ax,
      dy = py - ay,
      dot = dx * ex + dy * ey;
    if (dot <= 0) return dx * dx + dy * dy <= r2;
    if (dot >= L2) return (px - bx) ** 2 + (py - by) ** 2 <= r2;
    const c = dx * ey - dy * ex;
    return c * c <= r2 * L2;
  };
  for (const s of strokes) {
    const v = ids.get(s.label);
    if (v === undefined) continue;
    if (s.tool === 'clear') map.fill(v);
    else if (s.tool === 'fill') {
      const sx = Math.min(W - 1, Math.max(0, Math.floor((s.points[0] * W) / 1024)));
      const sy = Math.min(H - 1, Math.max(0, Math.floor((s.points[1] * H) / 1024)));
      const old = map[sy * W + sx];
      if (old === v) continue;
      const q = [sy * W + sx];
      map[sy * W + sx] = v;
      while (q.length) {
        const i = q.pop()!;
        const x = i % W,
          y = (i - x) / W;
        for (const [nx, ny] of [
          [x - 1, y],
          [x + 1, y],
          [x, y - 1],
          [x, y + 1],
        ]) {
          if (nx >= 0 && ny >= 0 && nx < W && ny < H && map[ny * W + nx] === old) {
            map[ny * W + nx] = v;
            q.push(ny * W + nx);
          }
        }
      }
    } else {
      const p = s.points,
        r2 = (s.size / 2) * (s.size / 2);
      const segs: number[][] = [];
      for (let i = 0; i + 3 < p.length; i += 2)
        if (p[i] !== p[i + 2] || p[i + 1] !== p[i + 3]) segs.push([p[i], p[i + 1], p[i + 2], p[i + 3]]);
      if (segs.length === 0) segs.push([p[0], p[1], p[0], p[1]]);
      for (let py = 0; py < H; py++)
        for (let px = 0; px < W; px++) {
          const cx = ((px + 0.5) * 1024) / W,
            cy = ((py + 0.5) * 1024) / H;
          if (segs.some(([ax, ay, bx, by]) => inside(cx, cy, ax, ay, bx, by, r2))) map[py * W + px] = v;
        }
    }
  }
  return map;
}

/** Index of the first differing byte (-1 when equal); much faster than toEqual on big maps. */
function firstDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return -2;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

const brush = (sid: string, label: string, size: number, points: number[]): Stroke => ({ id: sid, tool: 'brush', label, size, points });
const at = (map: Uint8Array, W: number, x: number, y: number) => map[Math.floor((y * W) / 1024) * W + Math.floor((x * W) / 1024)];

/** A fixed scene: typical strokes with fills, a clear part-way, then more strokes. */
function scene(): Stroke[] {
  const a = typicalStrokes(11, 120, labels, { fills: 0.05 });
  const b = typicalStrokes(12, 180, labels, { fills: 0.03 });
  return [
    ...a,
    { id: 'clear1', tool: 'clear', label: 'sea', size: 1, points: [] },
    brush('big', 'mountain', 256, [100, 900, 500, 500, 900, 900]),
    { id: 'fill1', tool: 'fill', label: 'snow', size: 1, points: [500, 700] },
    ...b,
    brush('dot', 'flower', 1, [3, 3]),
    { id: 'line1', tool: 'line', label: 'road', size: 33, points: [0, 1024, 1024, 0] },
  ];
}

describe('rasterize: determinism', () => {
  // FNV-1a of the label map: a change here means the rasteriser's output changed (semantics).
  const PINNED: Record<number, string> = { 64: '74480a9f', 128: '325526b6', 256: 'c696e528', 512: 'eea301e6' };
  const pinned: Record<number, string> = {};
  for (const size of [64, 128, 256, 512]) {
    it(`pins the bytes of a fixed scene at ${size}x${size}`, () => {
      const s = scene();
      const a = rasterize(s, size, size, labels);
      const b = rasterize(s, size, size, labels);
      expect(firstDiff(a, b)).toBe(-1);
      pinned[size] = fnv1a(a);
      expect(pinned[size]).toBe(PINNED[size]);
    });
  }

  it('matches the per-pixel reference implementation (64, 96x80)', () => {
    const s = scene();
    for (const [w, h] of [
      [64, 64],
      [96, 80],
    ]) {
      expect(firstDiff(rasterize(s, w, h, labels), reference(s, w, h))).toBe(-1);
    }
  });

  it('matches the reference on thin, tiny and degenerate strokes', () => {
    const rnd = prng(5);
    const s: Stroke[] = [];
    for (let i = 0; i < 60; i++) {
      const pts: number[] = [];
      const n = 1 + Math.floor(rnd() * 5);
      for (let k = 0; k < n; k++) pts.push(Math.floor(rnd() * 1025), Math.floor(rnd() * 1025));
      if (i % 7 === 0) pts.push(pts[0], pts[1]);
      s.push(brush(`t${i}`, labels.labels[i % 16].name, 1 + Math.floor(rnd() * 20), pts));
    }
    s.push(brush('h', 'rock', 8, [0, 512, 1024, 512]), brush('v', 'sand', 8, [512, 0, 512, 1024]));
    s.push(brush('edge', 'snow', 64, [0, 0, 1024, 0, 1024, 1024, 0, 1024]));
    for (const [w, h] of [
      [50, 70],
      [64, 64],
      [100, 100],
    ])
      expect(firstDiff(rasterize(s, w, h, labels), reference(s, w, h))).toBe(-1);
  });
});

describe('rasterize: semantics', () => {
  it('starts from the background label', () => {
    expect(rasterize([], 8, 8, labels).every((v) => v === id('sky'))).toBe(true);
  });

  it('later strokes win', () => {
    const a = brush('a', 'grass', 200, [512, 512]);
    const b = brush('b', 'tree', 100, [512, 512]);
    expect(at(rasterize([a, b], 64, 64, labels), 64, 512, 512)).toBe(id('tree'));
    expect(at(rasterize([b, a], 64, 64, labels), 64, 512, 512)).toBe(id('grass'));
    expect(at(rasterize([a, b], 64, 64, labels), 64, 512 + 80, 512)).toBe(id('grass'));
  });

  it('fill stays inside its 4-connected region and does not leak diagonally', () => {
    // a closed ring of rock, fill inside with sand
    const ring = brush('ring', 'rock', 40, [256, 256, 768, 256, 768, 768, 256, 768, 256, 256]);
    const fill: Stroke = { id: 'f', tool: 'fill', label: 'sand', size: 0, points: [512, 512] };
    const m = rasterize([ring, fill], 128, 128, labels);
    expect(at(m, 128, 512, 512)).toBe(id('sand'));
    expect(at(m, 128, 100, 100)).toBe(id('sky'));
    expect(at(m, 128, 256, 256)).toBe(id('rock'));
    // diagonal wall: two pixels touching only at corners must not connect
    const W = 8;
    const diag: Stroke[] = [];
    for (let k = 0; k < W; k++) diag.push(brush(`d${k}`, 'rock', 1, [k * 128 + 64, (W - 1 - k) * 128 + 64]));
    const m2 = rasterize([...diag, { id: 'f2', tool: 'fill', label: 'sea', size: 0, points: [0, 0] }], W, W, labels);
    for (let y = 0; y < W; y++)
      for (let x = 0; x < W; x++) {
        const v = m2[y * W + x];
        if (x + y === W - 1) expect(v).toBe(id('rock'));
        else expect(v).toBe(x + y < W - 1 ? id('sea') : id('sky'));
      }
  });

  it('fill with the region label is a no-op; fill seed is clamped', () => {
    const a = brush('a', 'grass', 300, [512, 512]);
    const base = rasterize([a], 64, 64, labels);
    expect(firstDiff(rasterize([a, { id: 'f', tool: 'fill', label: 'grass', size: 0, points: [512, 512] }], 64, 64, labels), base)).toBe(
      -1,
    );
    const m = rasterize([a, { id: 'f', tool: 'fill', label: 'sea', size: 0, points: [1024, 1024] }], 64, 64, labels);
    expect(m[64 * 64 - 1]).toBe(id('sea'));
    expect(at(m, 64, 512, 512)).toBe(id('grass'));
  });

  it('clear sets the whole map; strokes after it paint on top', () => {
    const s: Stroke[] = [brush('a', 'grass', 300, [512, 512]), { id: 'c', tool: 'clear', label: 'snow', size: 0, points: [] }];
    expect(rasterize(s, 32, 32, labels).every((v) => v === id('snow'))).toBe(true);
    const m = rasterize([...s, brush('b', 'tree', 100, [512, 512])], 32, 32, labels);
    expect(at(m, 32, 512, 512)).toBe(id('tree'));
    expect(at(m, 32, 10, 10)).toBe(id('snow'));
  });

  it('skips strokes with a label unknown to the label set', () => {
    const s = [
      brush('a', 'grass', 300, [512, 512]),
      brush('b', 'wall-brick', 300, [512, 512]),
      { id: 'c', tool: 'clear' as const, label: 'nope', size: 0, points: [] },
    ];
    expect(firstDiff(rasterize(s, 32, 32, labels), rasterize([s[0]], 32, 32, labels))).toBe(-1);
  });

  it('erase paints its label; a single point is a disc; line is a capsule', () => {
    const m = rasterize(
      [brush('a', 'grass', 600, [512, 512]), { id: 'e', tool: 'erase', label: 'sky', size: 100, points: [512, 512] }],
      64,
      64,
      labels,
    );
    expect(at(m, 64, 512, 512)).toBe(id('sky'));
    expect(at(m, 64, 512 + 100, 512)).toBe(id('grass'));
    const l = rasterize([{ id: 'l', tool: 'line', label: 'road', size: 64, points: [100, 512, 900, 512] }], 64, 64, labels);
    expect(at(l, 64, 500, 520)).toBe(id('road'));
    expect(at(l, 64, 500, 600)).toBe(id('sky'));
  });

  it('handles non-square and odd sizes', () => {
    const s = scene();
    expect(firstDiff(rasterize(s, 33, 17, labels), reference(s, 33, 17))).toBe(-1);
  });
});

describe('IncrementalRasterizer == rasterize', () => {
  const W = 96;
  const check = (inc: IncrementalRasterizer, strokes: Stroke[]) => {
    const r = inc.update(strokes);
    expect(firstDiff(r.map, rasterize(strokes, W, W, labels))).toBe(-1);
    return r;
  };

  it('appends paint on top', () => {
    const all = typicalStrokes(21, 150, labels, { fills: 0.05, clears: 0.01 });
    const inc = new IncrementalRasterizer(W, W, labels);
    for (let n = 0; n <= all.length; n += 7) {
      const r = check(inc, all.slice(0, n));
      if (n > 0) expect(r.repaintedFrom).toBe(n - 7);
    }
    const r = inc.update(all.slice(0, 147));
    expect(r).toMatchObject({ repaintedFrom: 147, changed: false });
  });

  it('withStrokes paints strokes being drawn on a copy, without keeping them', () => {
    const all = typicalStrokes(23, 60, labels, { fills: 0.05 });
    const inc = new IncrementalRasterizer(W, W, labels);
    const base = all.slice(0, 58);
    const before = inc.update(base).map.slice();
    const live = inc.withStrokes(all.slice(58));
    expect(firstDiff(live, rasterize(all, W, W, labels))).toBe(-1);
    expect(firstDiff(live, before)).not.toBe(-1); // the stroke changed something
    expect(firstDiff(inc.map, before)).toBe(-1); // and the rasteriser's own map did not move
    expect(inc.update(base).changed).toBe(false);
  });

  it('earlier inserts and deletions repaint from a snapshot', () => {
    const all = typicalStrokes(22, 400, labels, { fills: 0.03 });
    const inc = new IncrementalRasterizer(W, W, labels);
    const list = all.slice(0, 300);
    check(inc, list);
    list.splice(250, 0, ...all.slice(300, 303));
    const r = check(inc, list);
    expect(r.repaintedFrom).toBeLessThanOrEqual(250);
    expect(r.repaintedFrom).toBeGreaterThan(150);
    list.splice(10, 1);
    check(inc, list);
    list.pop();
    expect(check(inc, list).changed).toBe(true);
    check(inc, []);
    check(inc, all);
  });

  it('random sequences of appends, inserts and deletions (incl. long replays)', () => {
    const pool = typicalStrokes(23, 3000, labels, { fills: 0.01, clears: 0.002 });
    let next = 0;
    const rnd = prng(99);
    const inc = new IncrementalRasterizer(W, W, labels);
    let list: Stroke[] = [];
    for (let step = 0; step < 60; step++) {
      const op = rnd();
      if (op < 0.4) {
        const k = 1 + Math.floor(rnd() * 120);
        list = list.concat(pool.slice(next, next + k));
        next += k;
      } else if (op < 0.7 && list.length > 0) {
        const at = Math.floor(rnd() * list.length);
        list = [...list.slice(0, at), pool[next++], ...list.slice(at)];
      } else if (list.length > 0) {
        const at = Math.floor(rnd() * list.length);
        list = [...list.slice(0, at), ...list.slice(at + 1 + Math.floor(rnd() * 3))];
      }
      check(inc, list);
    }
    expect(list.length).toBeGreaterThan(600);
  });

  it('keeps snapshots bounded at large sizes', () => {
    const all = typicalStrokes(24, 400, labels, { fills: 0 });
    const inc = new IncrementalRasterizer(2048, 2048, labels); // 4 MiB maps: the budget allows only a few snapshots
    for (let n = 0; n <= all.length; n += 50) inc.update(all.slice(0, n));
    const snaps = (inc as unknown as { snaps: unknown[] }).snaps.filter(Boolean).length;
    expect(snaps).toBeLessThanOrEqual(6);
    const list = all.slice();
    list.splice(300, 1);
    expect(firstDiff(inc.update(list).map, rasterize(list, 2048, 2048, labels))).toBe(-1);
  });
});
