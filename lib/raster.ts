/**
 * Deterministic rasteriser: stroke list -> label map (Uint8Array of label ids, row-major).
 *
 * Semantics (the same bytes in every browser and in Node, at any resolution):
 * - The map starts filled with the label set's background id; strokes paint in list order, so a
 *   later stroke wins. Strokes whose label is not in the label set are skipped.
 * - Pixel (px, py) has its centre at ((px + 0.5) * 1024 / width, (py + 0.5) * 1024 / height) in
 *   canvas units. All decisions are made with + - * / and comparisons on doubles (IEEE 754,
 *   identical in every JS engine); no anti-aliasing.
 * - brush / erase / line: a pixel is painted when its centre lies within distance size / 2 of the
 *   polyline through `points` (a single point is a disc). Distances are compared squared:
 *   for segment A->B with E = B - A and D = P - A: dot = D.E; dot <= 0 -> |P - A|^2 <= r^2;
 *   dot >= |E|^2 -> |P - B|^2 <= r^2; otherwise (D x E)^2 <= r^2 |E|^2. Repeated consecutive
 *   points are ignored.
 * - fill: seed pixel (floor(x * width / 1024), floor(y * height / 1024)) clamped to the map;
 *   4-connected flood fill of the seed's label region (no-op when it already has the label).
 * - clear: the whole map takes the stroke's label.
 *
 * Speed: each segment is clipped to its bounding box and painted row by row as one span per row.
 * The span ends are first estimated (this uses Math.sqrt) and then settled by evaluating the
 * exact predicate above at the boundary pixels, so the result does not depend on sqrt rounding.
 */
import { CANVAS_SIZE } from './canvas';
import { labelIds, type LabelSet } from './labels';
import type { Stroke } from './strokes';

/** Estimated span ends closer than this (in pixels) to a pixel centre are settled exactly. */
const EPS = 1e-6;

/** Paints strokes onto a map of one fixed size; holds the per-size tables and a reusable stack. */
class Painter {
  readonly width: number;
  readonly height: number;
  /** pixel-centre x (per column) and y (per row) in canvas units */
  private readonly cx: Float64Array;
  private readonly cy: Float64Array;
  private stack = new Int32Array(4096);
  /**
   * Masked mode (used to paint a run of brush strokes back to front): only pixels not yet
   * claimed by a later stroke are painted. rowLeft counts unclaimed pixels per row.
   */
  private mask: Uint8Array | null = null;
  private rowLeft: Int32Array | null = null;
  private left = 0;
  private spareMask: Uint8Array | null = null;
  readonly ids: Map<string, number>;
  readonly background: number;

  constructor(width: number, height: number, labels: LabelSet) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > 16384 || height > 16384) {
      throw new Error(`rasterize: invalid size ${width}x${height}`);
    }
    this.width = width;
    this.height = height;
    this.cx = new Float64Array(width);
    this.cy = new Float64Array(height);
    for (let i = 0; i < width; i++) this.cx[i] = ((i + 0.5) * CANVAS_SIZE) / width;
    for (let i = 0; i < height; i++) this.cy[i] = ((i + 0.5) * CANVAS_SIZE) / height;
    this.ids = labelIds(labels);
    const bg = this.ids.get(labels.background);
    if (bg === undefined) throw new Error(`rasterize: background "${labels.background}" is not a label of set "${labels.id}"`);
    this.background = bg;
  }

  /** label id a stroke paints, or -1 when the stroke is skipped (unknown label, malformed). */
  labelOf(stroke: Stroke): number {
    if (stroke === null || typeof stroke !== 'object') return -1;
    const id = this.ids.get(stroke.label);
    return id === undefined ? -1 : id;
  }

  paint(map: Uint8Array, stroke: Stroke): void {
    const v = this.labelOf(stroke);
    if (v < 0) return;
    const pts = stroke.points;
    switch (stroke.tool) {
      case 'clear':
        map.fill(v);
        return;
      case 'fill':
        if (Array.isArray(pts) && pts.length >= 2) this.fill(map, pts[0], pts[1], v);
        return;
      case 'brush':
      case 'erase':
      case 'line':
        if (Array.isArray(pts)) this.polyline(map, pts, stroke.size / 2, v);
        return;
      default:
        return;
    }
  }

  private polyline(map: Uint8Array, pts: readonly number[], r: number, v: number): void {
    if (!(r >= 0 && r <= 4 * CANVAS_SIZE)) return;
    const n = pts.length >> 1;
    if (n === 0) return;
    for (let i = 0; i < 2 * n; i++) if (!Number.isFinite(pts[i])) return;
    let ax = pts[0];
    let ay = pts[1];
    if (n === 1) {
      this.capsule(map, ax, ay, ax, ay, r, v);
      return;
    }
    let painted = false;
    for (let i = 1; i < n; i++) {
      const bx = pts[2 * i];
      const by = pts[2 * i + 1];
      if (bx === ax && by === ay) continue;
      this.capsule(map, ax, ay, bx, by, r, v);
      painted = true;
      ax = bx;
      ay = by;
    }
    if (!painted) this.capsule(map, ax, ay, ax, ay, r, v);
  }

  /** Paints every pixel whose centre is within r of segment A-B. */
  private capsule(map: Uint8Array, ax: number, ay: number, bx: number, by: number, r: number, v: number): void {
    const W = this.width;
    const H = this.height;
    const cy = this.cy;
    const ex = bx - ax;
    const ey = by - ay;
    const L2 = ex * ex + ey * ey;
    const r2 = r * r;
    const sx = W / CANVAS_SIZE;
    const sy = H / CANVAS_SIZE;
    // Rows whose centres may be within the bounding box (one pixel of slack; the estimate decides).
    let py0 = Math.floor((Math.min(ay, by) - r) * sy - 0.5);
    let py1 = Math.ceil((Math.max(ay, by) + r) * sy - 0.5);
    if (py0 < 0) py0 = 0;
    if (py1 > H - 1) py1 = H - 1;
    if ((Math.max(ax, bx) + r) * sx - 0.5 < -1 || (Math.min(ax, bx) - r) * sx - 0.5 > W) return;
    // Band (the part of the capsule beside the segment): x-range on row y is linear in y.
    //   |cross| <= r*len  <=>  x in ax + (dy*ex -+ r*len)/ey        (ey != 0)
    //   0 <= dot <= L2    <=>  x in ax + ([0, L2] - dy*ey)/ex       (ex != 0)
    const band = L2 > 0;
    const rl = r * Math.sqrt(L2);
    const exOverEy = ey !== 0 ? ex / ey : 0;
    const rlOverEy = ey !== 0 ? Math.abs(rl / ey) : 0;
    const eyOverEx = ex !== 0 ? ey / ex : 0;
    const L2OverEx = ex !== 0 ? L2 / ex : 0;
    const xMinSeg = Math.min(ax, bx);
    const xMaxSeg = Math.max(ax, bx);

    const rowLeft = this.rowLeft;
    for (let py = py0; py <= py1; py++) {
      if (rowLeft !== null && rowLeft[py] === 0) continue;
      const y = cy[py];
      const dy = y - ay;
      const dyb = y - by;
      // --- x-interval [xl, xr] where the row's line meets the capsule (estimate: uses sqrt) ---
      let xl = Infinity;
      let xr = -Infinity;
      let h2 = r2 - dy * dy;
      if (h2 >= 0) {
        const h = Math.sqrt(h2);
        xl = ax - h;
        xr = ax + h;
      }
      h2 = r2 - dyb * dyb;
      if (h2 >= 0) {
        const h = Math.sqrt(h2);
        if (bx - h < xl) xl = bx - h;
        if (bx + h > xr) xr = bx + h;
      }
      if (band) {
        let lo: number;
        let hi: number;
        if (ey !== 0) {
          const m = ax + dy * exOverEy;
          lo = m - rlOverEy;
          hi = m + rlOverEy;
        } else if (dy * dy <= r2) {
          lo = xMinSeg;
          hi = xMaxSeg;
        } else {
          lo = Infinity;
          hi = -Infinity;
        }
        if (ex !== 0) {
          const a = ax - dy * eyOverEx;
          const b = a + L2OverEx;
          if (a < b) {
            if (a > lo) lo = a;
            if (b < hi) hi = b;
          } else {
            if (b > lo) lo = b;
            if (a < hi) hi = a;
          }
        } else if (dy * ey < 0 || dy * ey > L2) {
          lo = Infinity;
        }
        if (lo <= hi) {
          if (lo < xl) xl = lo;
          if (hi > xr) xr = hi;
        }
      }
      if (!(xl <= xr)) continue;
      // --- columns: pixel c is in when its centre (c + 0.5) / sx lies in [xl, xr] ---
      const fl = xl * sx - 0.5;
      const fr = xr * sx - 0.5;
      let L = Math.ceil(fl);
      let R = Math.floor(fr);
      if (L - fl < EPS || fl - (L - 1) < EPS || fr - R < EPS || R + 1 - fr < EPS) {
        // a pixel centre lies (almost) on the boundary: settle with the exact predicate
        if (L < 0) L = 0;
        if (R > W - 1) R = W - 1;
        if (!this.settle(map, py, y, L, R, ax, ay, bx, by, ex, ey, L2, r2, v)) continue;
        continue;
      }
      if (L < 0) L = 0;
      if (R > W - 1) R = W - 1;
      this.span(map, py, L, R, v);
    }
  }

  private span(map: Uint8Array, py: number, L: number, R: number, v: number): void {
    const row = py * this.width;
    const mask = this.mask;
    if (mask === null) {
      for (let i = row + L, end = row + R; i <= end; i++) map[i] = v;
      return;
    }
    let claimed = 0;
    for (let i = row + L, end = row + R; i <= end; i++) {
      if (mask[i] === 0) {
        mask[i] = 1;
        map[i] = v;
        claimed++;
      }
    }
    this.rowLeft![py] -= claimed;
    this.left -= claimed;
  }

  /**
   * Paints strokes[from, to) -- none of them fill or clear -- back to front, each pixel taking the
   * label of the last stroke covering it: the same bytes as painting front to back, but pixels
   * already claimed by later strokes cost nothing and painting stops once the map is covered.
   */
  paintRunBackToFront(map: Uint8Array, strokes: readonly Stroke[], from: number, to: number): void {
    const n = this.width * this.height;
    let mask = this.spareMask;
    if (mask === null) mask = this.spareMask = new Uint8Array(n);
    else mask.fill(0);
    this.mask = mask;
    this.rowLeft = new Int32Array(this.height).fill(this.width);
    this.left = n;
    try {
      for (let i = to - 1; i >= from && this.left > 0; i--) this.paint(map, strokes[i]);
    } finally {
      this.mask = null;
      this.rowLeft = null;
      this.left = 0;
    }
  }

  /**
   * Paints the run of pixels in row py that satisfy the exact predicate, starting from the
   * estimated columns [L, R] (clamped); the predicate decides every boundary pixel.
   */
  private settle(
    map: Uint8Array,
    py: number,
    y: number,
    L: number,
    R: number,
    ax: number,
    ay: number,
    bx: number,
    by: number,
    ex: number,
    ey: number,
    L2: number,
    r2: number,
    v: number,
  ): boolean {
    const W = this.width;
    const cx = this.cx;
    const rL2 = r2 * L2;
    if (L > R) {
      // the estimate holds no pixel centre: look at the two neighbours of the gap
      if (R >= 0 && R < W && this.inside(cx[R], y, ax, ay, bx, by, ex, ey, L2, r2, rL2)) L = R;
      else if (L >= 0 && L < W && this.inside(cx[L], y, ax, ay, bx, by, ex, ey, L2, r2, rL2)) R = L;
      else return false;
    } else {
      while (L <= R && !this.inside(cx[L], y, ax, ay, bx, by, ex, ey, L2, r2, rL2)) L++;
      if (L > R) return false;
      while (!this.inside(cx[R], y, ax, ay, bx, by, ex, ey, L2, r2, rL2)) R--;
    }
    while (L > 0 && this.inside(cx[L - 1], y, ax, ay, bx, by, ex, ey, L2, r2, rL2)) L--;
    while (R < W - 1 && this.inside(cx[R + 1], y, ax, ay, bx, by, ex, ey, L2, r2, rL2)) R++;
    this.span(map, py, L, R, v);
    return true;
  }

  /** Exact predicate: is (px, py) within r of segment A-B (squared comparisons only)? */
  private inside(
    px: number,
    py: number,
    ax: number,
    ay: number,
    bx: number,
    by: number,
    ex: number,
    ey: number,
    L2: number,
    r2: number,
    rL2: number,
  ): boolean {
    const dx = px - ax;
    const dy = py - ay;
    const dot = dx * ex + dy * ey;
    if (dot <= 0) return dx * dx + dy * dy <= r2;
    if (dot >= L2) {
      const fx = px - bx;
      const fy = py - by;
      return fx * fx + fy * fy <= r2;
    }
    const c = dx * ey - dy * ex;
    return c * c <= rL2;
  }

  /** 4-connected scanline flood fill from the pixel under canvas point (x, y). */
  private fill(map: Uint8Array, x: number, y: number, v: number): void {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    const W = this.width;
    const H = this.height;
    let sx = Math.floor((x * W) / CANVAS_SIZE);
    let sy = Math.floor((y * H) / CANVAS_SIZE);
    sx = sx < 0 ? 0 : sx > W - 1 ? W - 1 : sx;
    sy = sy < 0 ? 0 : sy > H - 1 ? H - 1 : sy;
    const old = map[sy * W + sx];
    if (old === v) return;
    let stack = this.stack;
    let top = 0;
    stack[top++] = sy * W + sx;
    while (top > 0) {
      const i = stack[--top];
      if (map[i] !== old) continue;
      const py = (i / W) | 0;
      const row = py * W;
      let l = i - row;
      let r = l;
      while (l > 0 && map[row + l - 1] === old) l--;
      while (r < W - 1 && map[row + r + 1] === old) r++;
      for (let k = row + l, end = row + r; k <= end; k++) map[k] = v;
      // seed one pixel per run of `old` in the rows above and below, within [l, r] only (4-connected)
      for (let pass = 0; pass < 2; pass++) {
        const ny = pass === 0 ? py - 1 : py + 1;
        if (ny < 0 || ny >= H) continue;
        const nrow = ny * W;
        let inRun = false;
        for (let k = nrow + l, end = nrow + r; k <= end; k++) {
          if (map[k] === old) {
            if (!inRun) {
              if (top === stack.length) {
                const bigger = new Int32Array(stack.length * 2);
                bigger.set(stack);
                stack = this.stack = bigger;
              }
              stack[top++] = k;
              inRun = true;
            }
          } else {
            inRun = false;
          }
        }
      }
    }
  }
}

/** Index of the last clear stroke with a known label in [from, to), or -1. */
function lastClear(painter: Painter, strokes: readonly Stroke[], from: number, to: number): number {
  for (let i = to - 1; i >= from; i--) {
    const s = strokes[i];
    if (s && s.tool === 'clear' && painter.labelOf(s) >= 0) return i;
  }
  return -1;
}

/** Runs shorter than this paint front to back (masking costs a map-sized clear). */
const BACK_TO_FRONT_MIN = 64;

function isBarrier(s: Stroke): boolean {
  return s === null || typeof s !== 'object' || s.tool === 'fill' || s.tool === 'clear';
}

/** Paints strokes[from, to) onto map: from the last clear on, brush runs back to front. */
function paintRange(painter: Painter, map: Uint8Array, strokes: readonly Stroke[], from: number, to: number): void {
  const c = lastClear(painter, strokes, from, to);
  let i = c < 0 ? from : c;
  while (i < to) {
    // a run of brush/erase/line strokes up to the next fill or clear paints back to front
    let j = i;
    while (j < to && !isBarrier(strokes[j])) j++;
    if (j - i >= BACK_TO_FRONT_MIN) {
      painter.paintRunBackToFront(map, strokes, i, j);
    } else {
      for (let t = i; t < j; t++) painter.paint(map, strokes[t]);
    }
    if (j < to) painter.paint(map, strokes[j]);
    i = j + 1;
  }
}

/** Rasterises a stroke list into a fresh width x height label map. */
export function rasterize(strokes: readonly Stroke[], width: number, height: number, labels: LabelSet): Uint8Array {
  const painter = new Painter(width, height, labels);
  const map = new Uint8Array(width * height);
  map.fill(painter.background);
  paintRange(painter, map, strokes, 0, strokes.length);
  return map;
}

/** Bytes of snapshots kept per rasteriser (at least 4 snapshots). */
const SNAPSHOT_BUDGET = 24 * 1024 * 1024;
const MIN_INTERVAL = 32;
/** Replays longer than this paint most of the range back to front, skipping snapshots. */
const LONG_REPLAY = 512;

/**
 * Keeps a label map in step with a changing stroke list. Strokes are identified by `id` (stroke
 * records are immutable). update() finds the first index where the new list differs from the
 * last one, restores the nearest snapshot at or before it and replays from there; appended
 * strokes just paint on top. Snapshots are kept every `interval` strokes (the interval doubles
 * when the list outgrows the memory budget).
 *
 * `map` is the rasteriser's own buffer: it changes on the next update(); copy it to keep it.
 */
export class IncrementalRasterizer {
  readonly width: number;
  readonly height: number;
  readonly map: Uint8Array;
  private readonly painter: Painter;
  /** ids of the strokes the map currently reflects, in order */
  private ids: string[] = [];
  private interval = MIN_INTERVAL;
  /** snaps[j] = map after the first j * interval strokes (j >= 1); holes allowed */
  private snaps: (Uint8Array | undefined)[] = [];
  private pool: Uint8Array[] = [];
  private readonly maxSnaps: number;

  constructor(width: number, height: number, labels: LabelSet) {
    this.painter = new Painter(width, height, labels);
    this.width = width;
    this.height = height;
    this.map = new Uint8Array(width * height);
    this.map.fill(this.painter.background);
    this.maxSnaps = Math.max(4, Math.min(1024, Math.floor(SNAPSHOT_BUDGET / (width * height))));
  }

  /**
   * Brings the map up to date with `strokes`. repaintedFrom is the index of the first stroke
   * (re)painted (strokes.length when nothing was painted); changed says whether the map may
   * differ from before (false only when the list is unchanged).
   */
  update(strokes: readonly Stroke[]): { map: Uint8Array; repaintedFrom: number; changed: boolean } {
    const prev = this.ids;
    const n = strokes.length;
    const m = Math.min(prev.length, n);
    let k = 0;
    while (k < m && prev[k] === strokes[k].id) k++;
    if (k === prev.length && k === n) return { map: this.map, repaintedFrom: n, changed: false };
    let from = k;
    if (k < prev.length) {
      // something at or after k changed: restore the nearest snapshot at or before k
      let j = Math.min(Math.floor(k / this.interval), this.snaps.length - 1);
      while (j > 0 && !this.snaps[j]) j--;
      if (j < 0) j = 0;
      for (let t = j + 1; t < this.snaps.length; t++) this.release(t);
      this.snaps.length = Math.max(j + 1, 0);
      const snap = this.snaps[j];
      if (j > 0 && snap) this.map.set(snap);
      else this.map.fill(this.painter.background);
      from = j > 0 && snap ? j * this.interval : 0;
    }
    this.ids.length = from;
    this.paintForward(strokes, from);
    return { map: this.map, repaintedFrom: from, changed: true };
  }

  /**
   * A copy of the current map with more strokes painted on top, which the rasteriser does not
   * keep (strokes still being drawn): the map rasterize() would give for the list + these.
   */
  withStrokes(strokes: readonly Stroke[]): Uint8Array {
    const map = this.map.slice();
    for (const s of strokes) this.painter.paint(map, s);
    return map;
  }

  private paintForward(strokes: readonly Stroke[], from: number): void {
    const n = strokes.length;
    const ids = this.ids;
    let start = from;
    if (n - start > LONG_REPLAY) {
      // long replay (e.g. undo deep in the list): paint up to a snapshot boundary near the end in
      // one go (back to front), without the snapshots in between
      const b = Math.floor((n - LONG_REPLAY / 4) / this.interval) * this.interval;
      if (b > start) {
        paintRange(this.painter, this.map, strokes, start, b);
        for (let i = start; i < b; i++) ids.push(strokes[i].id);
        this.snapshot(b / this.interval);
        start = b;
      }
    }
    const c = lastClear(this.painter, strokes, start, n);
    if (c > start) {
      for (let i = start; i < c; i++) ids.push(strokes[i].id);
      start = c;
    }
    for (let i = start; i < n; i++) {
      const s = strokes[i];
      this.painter.paint(this.map, s);
      ids.push(s.id);
      if ((i + 1) % this.interval === 0) this.snapshot((i + 1) / this.interval);
    }
  }

  private snapshot(j: number): void {
    while (j >= this.maxSnaps) {
      // thin out: double the interval, keep every other snapshot
      const old = this.snaps;
      const next: (Uint8Array | undefined)[] = [];
      for (let t = 1; t < old.length; t++) {
        const s = old[t];
        if (!s) continue;
        if (t % 2 === 0) next[t / 2] = s;
        else this.pool.push(s);
      }
      this.snaps = next;
      this.interval *= 2;
      if (j % 2 !== 0) return;
      j /= 2;
    }
    const buf = this.pool.pop() ?? new Uint8Array(this.map.length);
    buf.set(this.map);
    this.snaps[j] = buf;
  }

  private release(t: number): void {
    const s = this.snaps[t];
    if (s) this.pool.push(s);
    this.snaps[t] = undefined;
  }
}
