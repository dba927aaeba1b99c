import { describe, expect, it } from 'vitest';
import { FIT, MAX_SCALE, clampView, panBy, pinch, toCanvas, wheelFactor, zoomAt } from '../../app/lib/viewport';

/** Frame position of a canvas point under a view (the inverse of toCanvas inside the canvas). */
const onScreen = (v: { scale: number; x: number; y: number }, u: number, w: number) => [u * v.scale + v.x, w * v.scale + v.y];

describe('canvas view (zoom and pan)', () => {
  it('zooms about the pointer: the canvas point under it stays under it', () => {
    const v = zoomAt(FIT, 3, 0.2, 0.7);
    expect(v.scale).toBe(3);
    const [u, w] = toCanvas(v, 0.2, 0.7);
    expect(u).toBeCloseTo(0.2, 12);
    expect(w).toBeCloseTo(0.7, 12);
    const again = zoomAt(v, 2, 0.9, 0.1);
    const before = toCanvas(v, 0.9, 0.1);
    const after = toCanvas(again, 0.9, 0.1);
    expect(after[0]).toBeCloseTo(before[0], 12);
    expect(after[1]).toBeCloseTo(before[1], 12);
  });

  it('maps frame positions to canvas points and back at any zoom', () => {
    const v = panBy(zoomAt(FIT, 5, 0.5, 0.5), 0.3, -0.2);
    for (const [fx, fy] of [
      [0.1, 0.1],
      [0.5, 0.9],
      [0.99, 0.01],
    ]) {
      const [u, w] = toCanvas(v, fx, fy);
      const [sx, sy] = onScreen(v, u, w);
      expect(sx).toBeCloseTo(fx, 12);
      expect(sy).toBeCloseTo(fy, 12);
    }
    // positions on the frame's border (just outside the content box) clamp onto the canvas edge
    expect(toCanvas(FIT, -0.002, 1.003)).toEqual([0, 1]);
  });

  it('never leaves an empty margin and stays within 1x..16x', () => {
    expect(zoomAt(FIT, 0.5, 0.5, 0.5)).toEqual(FIT);
    expect(zoomAt(FIT, 1000, 0.5, 0.5).scale).toBe(MAX_SCALE);
    const v = zoomAt(FIT, 2, 0.5, 0.5);
    expect(panBy(v, 5, 5)).toEqual({ scale: 2, x: 0, y: 0 });
    expect(panBy(v, -5, -5)).toEqual({ scale: 2, x: -1, y: -1 });
    expect(clampView({ scale: 2, x: -0.4, y: 0.3 })).toEqual({ scale: 2, x: -0.4, y: 0 });
  });

  it('pinch follows the fingers: spread doubles the scale, the midpoint carries the canvas', () => {
    const v = pinch(FIT, [0.4, 0.5], [0.6, 0.5], [0.3, 0.5], [0.7, 0.5]);
    expect(v.scale).toBeCloseTo(2, 12);
    expect(toCanvas(v, 0.5, 0.5)[0]).toBeCloseTo(0.5, 12);
    // both fingers move right by 0.1 without spreading: the canvas pans with them
    const z = zoomAt(FIT, 4, 0.5, 0.5);
    const moved = pinch(z, [0.4, 0.5], [0.6, 0.5], [0.5, 0.5], [0.7, 0.5]);
    expect(moved.scale).toBeCloseTo(4, 12);
    expect(moved.x - z.x).toBeCloseTo(0.1, 12);
  });

  it('wheel: scrolling up zooms in, down zooms out; line and page deltas count as pixels', () => {
    expect(wheelFactor(-100, 0, false)).toBeGreaterThan(1.15);
    expect(wheelFactor(100, 0, false)).toBeLessThan(1);
    expect(wheelFactor(-3, 1, false)).toBeCloseTo(wheelFactor(-99, 0, false), 12);
    // a trackpad pinch sends small deltas with ctrl held: it still zooms noticeably
    expect(wheelFactor(-10, 0, true)).toBeGreaterThan(1.1);
  });
});
