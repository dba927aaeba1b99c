/**
 * The preview model's forward pass alone, in Node with tfjs's wasm backend (SIMD, one thread:
 * the same kernels the browser's worker runs), to split stroke -> preview into the model and
 * the rest. Median / p95 / min of 40 renders (labels -> RGBA) after 30 warm-up renders.
 *
 *   npx tsx tests/bench/previewForward.ts [artifact dir, default models/landscape-preview] ...
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PreviewGenerator, type PreviewModelJson } from '../../lib/preview/forward';
import { percentile } from './procStats';

await tf.setBackend('wasm');
await tf.ready();
for (const dir of process.argv.length > 2 ? process.argv.slice(2) : ['models/landscape-preview']) {
  const json = JSON.parse(readFileSync(path.join(dir, 'tfjs/model.json'), 'utf8')) as PreviewModelJson;
  const g = await PreviewGenerator.load(json, async (p) => {
    const b = readFileSync(path.join(dir, 'tfjs', p));
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  });
  const [h, w] = json.config.size;
  const labels = new Uint8Array(h * w).map((_, i) => (i * 7) % json.config.labelNc); // stripes: every class present
  const z = new Float32Array(json.config.zDim).fill(0.1);
  for (let i = 0; i < 30; i++) await g.render(labels, z);
  const times: number[] = [];
  for (let i = 0; i < 40; i++) {
    const t = performance.now();
    await g.render(labels, z);
    times.push(performance.now() - t);
  }
  const c = json.config;
  console.log(
    `| ${dir} | ${c.norm ?? 'spade'} ngf ${c.ngf}${c.norm === 'clade' ? '' : `, hidden ${c.nhidden}`}, ${h} px | ${percentile(times, 50).toFixed(1)} | ${percentile(times, 95).toFixed(1)} | ${Math.min(...times).toFixed(1)} |`,
  );
  g.dispose();
}
