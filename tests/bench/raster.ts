/**
 * Rasteriser benchmark: full repaint of 1k / 10k typical strokes and per-stroke incremental time
 * at 256x256. Run: npx tsx tests/bench/raster.ts
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { parseLabelSet, type LabelSet } from '../../lib/labels';
import { IncrementalRasterizer, rasterize } from '../../lib/raster';
import type { Stroke, Tool } from '../../lib/strokes';
import { mulberry32 } from '../../lib/prng';

/** The strokes' generator (mulberry32), exported for the rasteriser's unit tests. */
export const prng = mulberry32;

export interface SceneOptions {
  /** fraction of fill strokes (default 0.002) */
  fills?: number;
  /** fraction of clear strokes (default 0) */
  clears?: number;
}

/**
 * Typical strokes: brush (mostly), erase, line and a few fills; size 8-60 canvas units, 10-60
 * points of a smooth random walk with 4-16 unit steps. Integer arithmetic only, so the same seed
 * gives the same strokes everywhere.
 */
export function typicalStrokes(seed: number, count: number, labels: LabelSet, opts: SceneOptions = {}): Stroke[] {
  const rnd = prng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const names = labels.labels.map((l) => l.name);
  const fills = opts.fills ?? 0.002;
  const clears = opts.clears ?? 0;
  const out: Stroke[] = [];
  for (let s = 0; s < count; s++) {
    const id = `s${seed.toString(36)}-${s.toString(36)}`;
    const label = names[int(0, names.length - 1)];
    const u = rnd();
    if (u < clears) {
      out.push({ id, tool: 'clear', label, size: 1, points: [] });
      continue;
    }
    if (u < clears + fills) {
      out.push({ id, tool: 'fill', label, size: 1, points: [int(0, 1024), int(0, 1024)] });
      continue;
    }
    const tool: Tool = u < 0.9 ? 'brush' : u < 0.95 ? 'erase' : 'line';
    const size = int(8, 60);
    let x = int(0, 1024);
    let y = int(0, 1024);
    if (tool === 'line') {
      out.push({ id, tool, label: tool === 'line' ? label : labels.background, size, points: [x, y, int(0, 1024), int(0, 1024)] });
      continue;
    }
    const n = int(10, 60);
    let dx = int(-12, 12);
    let dy = int(-12, 12);
    const points: number[] = [];
    for (let i = 0; i < n; i++) {
      points.push(x, y);
      dx = Math.max(-16, Math.min(16, dx + int(-4, 4)));
      dy = Math.max(-16, Math.min(16, dy + int(-4, 4)));
      x = Math.max(0, Math.min(1024, x + dx));
      y = Math.max(0, Math.min(1024, y + dy));
    }
    out.push({ id, tool, label: tool === 'erase' ? labels.background : label, size, points });
  }
  return out;
}

export function loadLandscape(): LabelSet {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return parseLabelSet(JSON.parse(readFileSync(path.join(here, '../../models/landscape/labels.json'), 'utf8')));
}

function median(xs: number[]): number {
  return quantile(xs, 0.5);
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

function timeFull(strokes: Stroke[], size: number, labels: LabelSet, reps: number): number[] {
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    rasterize(strokes, size, size, labels);
    times.push(performance.now() - t0);
  }
  return times;
}

export async function runRasterBench(): Promise<string> {
  const labels = loadLandscape();
  const size = 256;
  const s1k = typicalStrokes(1, 1000, labels, { fills: 0 });
  const s10k = typicalStrokes(2, 10000, labels, { fills: 0 });
  const s10kFills = typicalStrokes(2, 10000, labels, { fills: 0.002 });
  // warm-up (JIT)
  timeFull(s1k, size, labels, 3);
  const full1k = timeFull(s1k, size, labels, 15);
  const full10k = timeFull(s10k, size, labels, 9);
  const full10kFills = timeFull(s10kFills, size, labels, 5);

  // incremental: append 2000 strokes one by one onto a 10k-stroke room
  const inc = new IncrementalRasterizer(size, size, labels);
  const base = typicalStrokes(3, 10000, labels);
  inc.update(base);
  const extra = typicalStrokes(4, 2000, labels, { fills: 0 });
  const list = base.slice();
  const per: number[] = [];
  for (const s of extra) {
    list.push(s);
    const t0 = performance.now();
    inc.update(list);
    per.push(performance.now() - t0);
  }
  // concurrent insert 5 strokes from the end
  const insertTimes: number[] = [];
  const more = typicalStrokes(5, 200, labels, { fills: 0 });
  for (const s of more) {
    list.splice(list.length - 5, 0, s);
    const t0 = performance.now();
    inc.update(list);
    insertTimes.push(performance.now() - t0);
  }

  const f = (x: number) => x.toFixed(3);
  const rows = [
    '| case (256x256, typical strokes: size 8-60, 10-60 points) | p50 ms | p99 / max ms | target |',
    '| --- | ---: | ---: | ---: |',
    `| full repaint, 1k strokes | ${f(median(full1k))} | ${f(Math.max(...full1k))} | |`,
    `| full repaint, 10k strokes | ${f(median(full10k))} | ${f(Math.max(...full10k))} | <= 50 |`,
    `| full repaint, 10k strokes incl. 0.2% fills | ${f(median(full10kFills))} | ${f(Math.max(...full10kFills))} | |`,
    `| incremental append, per stroke (room of 10k) | ${f(median(per))} | ${f(quantile(per, 0.99))} | <= 1 |`,
    `| concurrent insert 5 back, per stroke (room of 12k) | ${f(median(insertTimes))} | ${f(quantile(insertTimes, 0.99))} | |`,
  ];
  return rows.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runRasterBench().then((table) => console.log(table));
}
