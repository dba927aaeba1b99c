// Latency of the tfjs preview forward (lib/preview/forward.ts) in Node on the given backend.
//   npx tsx models/export/bench_preview.ts [wasm|cpu] [runs=20]
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PreviewGenerator, type PreviewModelJson } from '../../lib/preview/forward';

const backend = process.argv[2] ?? 'wasm';
const runs = Number(process.argv[3] ?? 20);
const dir = path.resolve('models/landscape-preview/tfjs');
await tf.setBackend(backend);
await tf.ready();
const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as PreviewModelJson;
const gen = await PreviewGenerator.load(json, async (p) => {
  const b = readFileSync(path.join(dir, p));
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
});
const [h, w] = gen.config.size;
const labels = new Uint8Array(h * w).map((_, i) => (i < (h * w) / 2 ? 0 : 8));
const z = new Float32Array(gen.config.zDim).map(() => Math.random() * 2 - 1);
await gen.render(labels, z);
const t: number[] = [];
for (let i = 0; i < runs; i++) {
  const s = performance.now();
  await gen.render(labels, z);
  t.push(performance.now() - s);
}
t.sort((a, b) => a - b);
console.log(JSON.stringify({ backend: tf.getBackend(), size: [h, w], runs, p50_ms: +t[runs >> 1].toFixed(1), p95_ms: +t[Math.floor(runs * 0.95)].toFixed(1) }));
