// Renders a batch of label maps (and encodes a batch of images) with a shipped ONNX model, so the
// evaluation (models/evaluation/evaluate.py) can score exactly what the server runs; PyTorch
// cannot load these graphs and onnxruntime for Python is not installable here.
//   node models/export/ort_render.mjs MODEL_DIR IO_DIR
// IO_DIR/in.json: {"n": N, "size": S, "zDim": Z, "m": M}; labels.u8 [N,S,S]; z.f32 [N,Z];
// enc.f32 [M,3,256,256] in [-1,1] (optional). Writes fake.f32 [N,3,S,S] in [-1,1] and mu.f32 [M,Z].
import * as ort from 'onnxruntime-node';
import fs from 'node:fs';
import path from 'node:path';

const [modelDir, io] = process.argv.slice(2);
if (!modelDir || !io) throw new Error('usage: node ort_render.mjs MODEL_DIR IO_DIR');
const card = JSON.parse(fs.readFileSync(path.join(modelDir, 'model.json'), 'utf8'));
const spec = JSON.parse(fs.readFileSync(path.join(io, 'in.json'), 'utf8'));
const options = { executionProviders: ['cpu'], intraOpNumThreads: 2, interOpNumThreads: 1 };
const read = (name, Type) => {
  const b = fs.readFileSync(path.join(io, name));
  return new Type(b.buffer, b.byteOffset, b.byteLength / Type.BYTES_PER_ELEMENT);
};

const { n, size, zDim, m = 0 } = spec;
const generator = await ort.InferenceSession.create(path.join(modelDir, card.generator), options);
const labels = read('labels.u8', Uint8Array);
const z = read('z.f32', Float32Array);
const fake = new Float32Array(n * 3 * size * size);
const started = performance.now();
for (let i = 0; i < n; i++) {
  const feeds = { labels: new ort.Tensor('uint8', labels.slice(i * size * size, (i + 1) * size * size), [1, size, size]) };
  if (zDim > 0) feeds.z = new ort.Tensor('float32', z.slice(i * zDim, (i + 1) * zDim), [1, zDim]);
  const out = await generator.run(feeds);
  fake.set(out[generator.outputNames[0]].data, i * 3 * size * size);
}
fs.writeFileSync(path.join(io, 'fake.f32'), Buffer.from(fake.buffer));
const msPerFrame = (performance.now() - started) / Math.max(1, n);

if (m > 0) {
  const encoder = await ort.InferenceSession.create(path.join(modelDir, card.encoder), options);
  const images = read('enc.f32', Float32Array);
  const px = 3 * 256 * 256;
  const mu = new Float32Array(m * zDim);
  for (let i = 0; i < m; i++) {
    const out = await encoder.run({ [encoder.inputNames[0]]: new ort.Tensor('float32', images.slice(i * px, (i + 1) * px), [1, 3, 256, 256]) });
    mu.set((out.mu ?? out[encoder.outputNames[0]]).data, i * zDim);
  }
  fs.writeFileSync(path.join(io, 'mu.f32'), Buffer.from(mu.buffer));
}
console.log(JSON.stringify({ n, m, msPerFrame: Math.round(msPerFrame * 10) / 10 }));
