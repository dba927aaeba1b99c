// CPU latency of the exported generator in onnxruntime-node (what the server pays per frame).
//   node models/export/bench_onnx.mjs [models/landscape/generator.onnx] [runs=10]
import * as ort from 'onnxruntime-node';
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'models/landscape/generator.onnx';
const runs = Number(process.argv[3] ?? 10);
const threads = Number(process.env.ORT_THREADS ?? 2);
const session = await ort.InferenceSession.create(file, {
  executionProviders: ['cpu'],
  intraOpNumThreads: threads,
});
const labels = new Uint8Array(256 * 256);
for (let y = 0; y < 256; y++) for (let x = 0; x < 256; x++) labels[y * 256 + x] = y < 110 ? 0 : y < 140 ? 4 : 8;
const z = new Float32Array(256).map(() => Math.random() * 2 - 1);
const feeds = { labels: new ort.Tensor('uint8', labels, [1, 256, 256]), z: new ort.Tensor('float32', z, [1, 256]) };
await session.run(feeds); // warm-up
const times = [];
for (let i = 0; i < runs; i++) {
  const t = performance.now();
  await session.run(feeds);
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
console.log(JSON.stringify({ file, threads, runs, median_ms: +times[runs >> 1].toFixed(1), min_ms: +times[0].toFixed(1) }));
