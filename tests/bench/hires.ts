/**
 * Hi-res benchmark (issue 19 item 4: 512 px <= 400 ms, 1024 px <= 2 s on 2 cores, never delaying
 * other rooms' frames by more than one frame). On the server's own threads, without sockets:
 * 1. alone: the hi-res thread (generator_dynamic.onnx, HIRES_NICE) renders a fixture layout at
 *    256 (its parity with the frame graph's size), 512 and 1024 px; p50 and min/max of the render
 *    (rasterising on the thread included) and of the PNG encoding, next to the frame thread's
 *    256 px full frame in the same run;
 * 2. contention: the frame thread renders full frames back to back (busy rooms) for a while with
 *    the hi-res thread idle, then while it renders 1024 px images in a loop; the frames' p50/p95
 *    and how many frames of delay the hi-res work added.
 * Run: npm run bench:hires [-- --reps 5 --seconds 8]
 */
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import sharp from 'sharp';
import { ModelRegistry } from '../../server/models/modelRegistry';
import { RenderThread } from '../../server/render/renderThread';
import { encodeFrame } from '../../server/render/encode';
import { log } from '../../server/log';
import { planImport } from '../../lib/labelMapImport';
import { rasterize } from '../../lib/raster';
import type { Stroke } from '../../lib/strokes';
import { percentile } from './procStats';

const root = path.resolve(import.meta.dirname, '..', '..');
const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const REPS = arg('reps', 5);
const SECONDS = arg('seconds', 8);
const threads = Number(process.env.RENDER_THREADS ?? Math.max(1, os.availableParallelism()));
const fmt = (values: number[]) =>
  `p50 ${percentile(values, 50).toFixed(0)} ms (min ${Math.min(...values).toFixed(0)}, max ${Math.max(...values).toFixed(0)}, n ${values.length})`;

async function main() {
  log.level = 'warn';
  const model = new ModelRegistry(path.join(root, 'models'), log).list().find((m) => m.id === 'landscape');
  if (!model) throw new Error('models/landscape not found');
  const manifest = JSON.parse(fs.readFileSync(path.join(model.dir, 'hires.json'), 'utf8')) as { graph: string; multipleOf: number };
  const { data, info } = await sharp(path.join(root, 'models', 'fixtures', 'lake_mountains.png'))
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const plan = planImport(data, info.width, info.height, model.labels, 20_000);
  if (!plan.ok) throw new Error(plan.error);
  const strokes: Stroke[] = plan.strokes.map((s, i) => ({ ...s, id: `s${i}` }));
  const z = Float32Array.from(model.presets[0]?.z ?? new Array<number>(model.zDim).fill(0));
  const nice = Number(process.env.RENDER_NICE ?? 10);
  const hiresNice = Number(process.env.HIRES_NICE ?? 19);
  const frames = await RenderThread.open(model, { providers: ['cpu'], threads, nice });
  const hires = await RenderThread.open(
    model,
    { providers: ['cpu'], threads, nice: hiresNice },
    { path: path.join(model.dir, manifest.graph), multipleOf: manifest.multipleOf },
  );
  console.log(
    `hi-res bench: ${os.cpus()[0]?.model ?? 'cpu'} x${os.availableParallelism()}, ${threads} intra-op threads, frame thread nice ${nice}, hi-res nice ${hiresNice}; layout lake_mountains (${strokes.length} strokes)`,
  );

  const [w, h] = model.size;
  const labels256 = rasterize(strokes, w, h, model.labels);
  const frameMs: number[] = [];
  for (let i = 0; i < REPS + 1; i++) {
    const started = performance.now();
    await frames.run(labels256, z, 'full');
    if (i > 0) frameMs.push(performance.now() - started);
  }
  console.log(`256 px full frame (frame thread): ${fmt(frameMs)}`);
  for (const size of [256, 512, 1024]) {
    const render: number[] = [];
    const encode: number[] = [];
    let png = 0;
    for (let i = 0; i < REPS + 1; i++) {
      const started = performance.now();
      const rgb = await hires.render(strokes, z, size, size);
      const rendered = performance.now();
      const bytes = await encodeFrame(rgb, size, size, 'png');
      if (i === 0) continue; // the first run at a size allocates its buffers
      render.push(rendered - started);
      encode.push(performance.now() - rendered);
      png = bytes.byteLength;
    }
    const target = size === 512 ? ' (target <= 400)' : size === 1024 ? ' (target <= 2000)' : '';
    console.log(`${size} px hi-res: render ${fmt(render)}${target}; PNG ${fmt(encode)}, ${(png / 1024).toFixed(0)} KiB`);
  }

  // Busy rooms: frames back to back on the frame thread, first alone, then beside 1024 px renders.
  const busy = async (withHires: boolean) => {
    const times: number[] = [];
    let stop = false;
    let hiresDone = 0;
    const background = withHires
      ? (async () => {
          while (!stop) {
            await hires.render(strokes, z, 1024, 1024);
            hiresDone++;
          }
        })()
      : Promise.resolve();
    const until = performance.now() + SECONDS * 1000;
    while (performance.now() < until) {
      const started = performance.now();
      await frames.run(labels256, z, 'full');
      times.push(performance.now() - started);
    }
    stop = true;
    await background;
    return { times, hiresDone };
  };
  const alone = await busy(false);
  const beside = await busy(true);
  const p50 = percentile(alone.times, 50);
  console.log(`busy rooms, frames alone: ${fmt(alone.times)}, p95 ${percentile(alone.times, 95).toFixed(0)} ms`);
  console.log(
    `busy rooms, frames beside 1024 px renders: ${fmt(beside.times)}, p95 ${percentile(beside.times, 95).toFixed(0)} ms; ` +
      `${beside.hiresDone} hi-res images meanwhile; delay per frame p50 ${(percentile(beside.times, 50) - p50).toFixed(0)} ms = ` +
      `${((percentile(beside.times, 50) - p50) / p50).toFixed(2)} frames, p95 ${((percentile(beside.times, 95) - p50) / p50).toFixed(2)} frames`,
  );
  await frames.close();
  await hires.close();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
