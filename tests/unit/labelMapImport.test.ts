import { describe, expect, it } from 'vitest';
import { loadLandscape, typicalStrokes } from '../bench/raster';
import { IMPORT_GRIDS, labelMapToStrokes, nearestLabelMap, planImport } from '../../lib/labelMapImport';
import { labelIds, labelMapToRGBA } from '../../lib/labels';
import { rasterize } from '../../lib/raster';
import { checkStroke, type Stroke } from '../../lib/strokes';

const labels = loadLandscape();
const names = new Set(labels.labels.map((l) => l.name));
const withIds = (strokes: Omit<Stroke, 'id'>[]): Stroke[] => strokes.map((s, i) => ({ ...s, id: `i${i}` }));

/** Nearest-neighbour upscale of an n x n map by an integer factor. */
function upscale(map: Uint8Array, n: number, k: number): Uint8Array {
  const out = new Uint8Array(n * k * n * k);
  for (let y = 0; y < n * k; y++) for (let x = 0; x < n * k; x++) out[y * n * k + x] = map[Math.floor(y / k) * n + Math.floor(x / k)];
  return out;
}

/** First index where two maps differ, -1 when equal (toEqual on megabyte arrays takes seconds). */
function firstDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

describe('label map image import', () => {
  // A painted scene (brush, line, fill, erase strokes) as the export writes it: rasterised at 512.
  const scene = rasterize(typicalStrokes(7, 60, labels), 512, 512, labels);

  it('reproduces a 512 px map exactly at 512 and 1024 px, with strokes the server accepts', () => {
    const strokes = labelMapToStrokes(scene, 512, labels);
    for (const s of withIds(strokes)) expect(checkStroke(s, names)).toMatchObject({ ok: true });
    expect(strokes[0].tool).toBe('clear');
    expect(firstDiff(rasterize(withIds(strokes), 512, 512, labels), scene)).toBe(-1);
    expect(firstDiff(rasterize(withIds(strokes), 1024, 1024, labels), upscale(scene, 512, 2))).toBe(-1);
  });

  it('is exact up to four times a coarser grid', () => {
    const map = rasterize(typicalStrokes(3, 40, labels), 128, 128, labels);
    const strokes = withIds(labelMapToStrokes(map, 128, labels));
    expect(firstDiff(rasterize(strokes, 128, 128, labels), map)).toBe(-1);
    expect(firstDiff(rasterize(strokes, 512, 512, labels), upscale(map, 128, 4))).toBe(-1);
  });

  it('maps off-palette colours to the nearest label (a re-encoded or scaled PNG)', () => {
    const rgba = labelMapToRGBA(scene, labels);
    const noisy = rgba.map((v, i) => (i % 4 === 3 ? v : Math.max(0, Math.min(255, v + ((i * 7919) % 13) - 6))));
    expect(firstDiff(nearestLabelMap(noisy, 512, 512, labels, 512), scene)).toBe(-1);
    // a 1024 px image (the map upscaled) samples back to the same 512 grid
    const big = labelMapToRGBA(upscale(scene, 512, 2), labels);
    expect(firstDiff(nearestLabelMap(big, 1024, 1024, labels, 512), scene)).toBe(-1);
  });

  it('takes the finest grid that fits the budget, and says so when none does', () => {
    const rgba = labelMapToRGBA(scene, labels);
    const full = planImport(rgba, 512, 512, labels, 20_000);
    expect(full).toMatchObject({ ok: true, grid: 512 });
    const needed = full.ok ? full.strokes.length : 0;
    const coarser = planImport(rgba, 512, 512, labels, needed - 1);
    expect(coarser.ok && coarser.grid).toBe(256);
    // noise: every pixel its own run at any grid
    const ids = labels.labels.map((l) => l.id);
    const noise = new Uint8Array(128 * 128).map((_, i) => ids[(i * 2654435761) % 7 === 0 ? 1 : (i * 31) % ids.length]);
    const refused = planImport(labelMapToRGBA(noise, labels), 128, 128, labels, 1000);
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error).toMatch(/needs \d+ strokes even at 128 px and the room can take 1000 more/);
    expect(IMPORT_GRIDS[0]).toBe(512);
  });

  it('refuses ids that are not labels of the set', () => {
    const bad = new Uint8Array(128 * 128).fill(labelIds(labels).get('sea')!);
    bad[5] = 250;
    expect(() => labelMapToStrokes(bad, 128, labels)).toThrow(/id 250 is not a label/);
  });
});
