/**
 * The preview model's forward pass alone, in Node with tfjs's wasm backend (SIMD, one thread:
 * the same kernels the browser's worker runs), to split stroke -> preview into the model and
 * the rest. Two rows per artifact, median / p95 / min over the 60 pictures of a brush stroke
 * (a disc of radius 4 px moving across a striped map, one picture per step) after 30 warm-up
 * renders: every picture from scratch, and with the coarse blocks reused while their label
 * maps are unchanged (BlockCache, what the browser's worker does).
 *
 *   npx tsx tests/bench/previewForward.ts [artifact dir, default models/landscape-preview] ...
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { BlockCache } from '../../lib/preview/forward';
import { loadPreview } from '../helpers/previewModel';
import { percentile } from './procStats';

/** The label maps of a stroke being drawn: each one the previous with the brush moved on. */
function strokeFrames(h: number, w: number, labelNc: number, steps: number): Uint8Array[] {
  const map = new Uint8Array(h * w).map((_, i) => (i * 7) % labelNc); // stripes: every class present
  const frames: Uint8Array[] = [];
  for (let s = 0; s < steps; s++) {
    const cx = 4 + ((w - 8) * s) / steps;
    const cy = h * 0.3 + h * 0.4 * (s / steps);
    for (let y = Math.floor(cy - 4); y <= cy + 4; y++)
      for (let x = Math.floor(cx - 4); x <= cx + 4; x++)
        if ((x - cx) ** 2 + (y - cy) ** 2 <= 16 && x >= 0 && y >= 0 && x < w && y < h) map[y * w + x] = 1;
    frames.push(map.slice());
  }
  return frames;
}

await tf.setBackend('wasm');
await tf.ready();
console.log('| artifact | config | coarse blocks | p50 ms | p95 ms | min ms |');
console.log('|---|---|---|---:|---:|---:|');
for (const dir of process.argv.length > 2 ? process.argv.slice(2) : ['models/landscape-preview']) {
  const { gen: g, json } = await loadPreview(dir);
  const c = json.config;
  const [h, w] = c.size;
  const frames = strokeFrames(h, w, c.labelNc, 60);
  const z = new Float32Array(c.zDim).fill(0.1);
  for (let i = 0; i < 30; i++) await g.render(frames[i], z);
  for (const cache of [undefined, new BlockCache()]) {
    const times: number[] = [];
    for (const labels of frames) {
      const t = performance.now();
      await g.render(labels, z, cache);
      times.push(performance.now() - t);
    }
    cache?.dispose();
    console.log(
      `| ${dir} | ${c.norm ?? 'spade'} ngf ${c.ngf}${c.norm === 'clade' ? '' : `, hidden ${c.nhidden}`}, ${h} px | ${cache ? 'reused' : 'run'} | ${percentile(times, 50).toFixed(1)} | ${percentile(times, 95).toFixed(1)} | ${Math.min(...times).toFixed(1)} |`,
    );
  }
  g.dispose();
}
