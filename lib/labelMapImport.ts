/**
 * Label map images (a PNG in the palette's colours, as GauGAN users keep them) -> stroke records
 * the document can hold.
 *
 * Representation: one `clear` with the map's most common label, then one two-point `line` per
 * horizontal run of another label, on an n x n grid (cell c = CANVAS_SIZE / n canvas units, run
 * ends at cell centres, which are integers for n <= 512). The line is c * 1.125 wide: the
 * rasteriser paints a pixel whose centre lies within 0.5625c of the segment, which covers every
 * pixel centre of the run's cells (at most 0.53c away, at a quarter-cell pixel) and none of the
 * neighbours' (at least 0.625c away). So the strokes reproduce the grid exactly when rasterised
 * at n, 2n or 4n pixels, and coarser maps sample it as a nearest-neighbour downscale would.
 * A finer grid costs more strokes (each row's runs): `planImport` takes the finest grid that fits.
 */
import { CANVAS_SIZE } from './canvas';
import type { LabelSet } from './labels';
import { STROKE_LIMITS, type Stroke } from './strokes';

export type ImportedStroke = Omit<Stroke, 'id' | 'by'>;

/** Grids tried, finest first (each exact up to 4x its size; 512 is exact at the canvas's 1024). */
export const IMPORT_GRIDS = [512, 256, 128] as const;

/**
 * Samples an RGBA image (any size; stretched to the square canvas) at the centres of an n x n
 * grid and gives each sample the id of the nearest palette colour (RGB distance; ties go to the
 * earlier label).
 */
export function nearestLabelMap(
  rgba: Uint8ClampedArray | Uint8Array,
  width: number,
  height: number,
  labels: LabelSet,
  n: number,
): Uint8Array {
  if (rgba.length !== width * height * 4) throw new Error(`nearestLabelMap: ${rgba.length} bytes for ${width}x${height}`);
  const exact = new Map<number, number>();
  for (let i = labels.labels.length - 1; i >= 0; i--) {
    const { id, color } = labels.labels[i];
    exact.set((color[0] << 16) | (color[1] << 8) | color[2], id);
  }
  const out = new Uint8Array(n * n);
  for (let gy = 0; gy < n; gy++) {
    const sy = Math.min(height - 1, Math.floor(((gy + 0.5) * height) / n));
    for (let gx = 0; gx < n; gx++) {
      const sx = Math.min(width - 1, Math.floor(((gx + 0.5) * width) / n));
      const o = (sy * width + sx) * 4;
      const key = (rgba[o] << 16) | (rgba[o + 1] << 8) | rgba[o + 2];
      let id = exact.get(key);
      if (id === undefined) {
        id = nearestColor(labels, rgba[o], rgba[o + 1], rgba[o + 2]);
        exact.set(key, id);
      }
      out[gy * n + gx] = id;
    }
  }
  return out;
}

function nearestColor(labels: LabelSet, r: number, g: number, b: number): number {
  let best = labels.labels[0].id;
  let bestD = Infinity;
  for (const l of labels.labels) {
    const d = (l.color[0] - r) ** 2 + (l.color[1] - g) ** 2 + (l.color[2] - b) ** 2;
    if (d < bestD) {
      bestD = d;
      best = l.id;
    }
  }
  return best;
}

/** The strokes that paint an n x n label map (ids of `labels`), as described at the top. */
export function labelMapToStrokes(map: Uint8Array, n: number, labels: LabelSet): ImportedStroke[] {
  if (map.length !== n * n) throw new Error(`labelMapToStrokes: ${map.length} ids for ${n}x${n}`);
  const cell = CANVAS_SIZE / n;
  if (!Number.isInteger(cell / 2)) throw new Error(`labelMapToStrokes: grid ${n} has no integer cell centres`);
  const names = new Map(labels.labels.map((l) => [l.id, l.name]));
  const counts = new Map<number, number>();
  for (const id of map) counts.set(id, (counts.get(id) ?? 0) + 1);
  const base = [...counts].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
  const nameOf = (id: number) => {
    const name = names.get(id);
    if (name === undefined) throw new Error(`labelMapToStrokes: id ${id} is not a label of set "${labels.id}"`);
    return name;
  };
  const strokes: ImportedStroke[] = [{ tool: 'clear', label: nameOf(base), size: 1, points: [] }];
  const size = cell * 1.125;
  const centre = (i: number) => i * cell + cell / 2;
  for (let y = 0; y < n; y++) {
    const row = y * n;
    for (let x = 0; x < n;) {
      const id = map[row + x];
      let end = x;
      while (end + 1 < n && map[row + end + 1] === id) end++;
      if (id !== base) strokes.push({ tool: 'line', label: nameOf(id), size, points: [centre(x), centre(y), centre(end), centre(y)] });
      x = end + 1;
    }
  }
  return strokes;
}

export type ImportPlan = { ok: true; grid: number; strokes: ImportedStroke[] } | { ok: false; error: string };

/**
 * Strokes for an image on the finest grid of IMPORT_GRIDS whose strokes fit in `budget` (the
 * strokes the room can still take), or why none fits.
 */
export function planImport(
  rgba: Uint8ClampedArray | Uint8Array,
  width: number,
  height: number,
  labels: LabelSet,
  budget: number,
): ImportPlan {
  let fewest = Infinity;
  for (const grid of IMPORT_GRIDS) {
    const strokes = labelMapToStrokes(nearestLabelMap(rgba, width, height, labels, grid), grid, labels);
    if (strokes.length <= budget) return { ok: true, grid, strokes };
    fewest = Math.min(fewest, strokes.length);
  }
  return {
    ok: false,
    error: `this map needs ${fewest} strokes even at ${IMPORT_GRIDS[IMPORT_GRIDS.length - 1]} px and the room can take ${Math.max(0, budget)} more (at most ${STROKE_LIMITS.maxStrokes})`,
  };
}
