// Parity: onnxruntime-node (CPU) running the exported ONNX graphs vs the PyTorch reference
// outputs stored by models/export/onnx_export.py in models/landscape/parity/.
import { describe, it, expect } from 'vitest';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';

const dir = path.resolve(__dirname, '../../models/landscape');
const parity = path.join(dir, 'parity');
const meta = JSON.parse(readFileSync(path.join(parity, 'meta.json'), 'utf8'));
const manifest = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));

function f32(name: string): Float32Array {
  const b = readFileSync(path.join(parity, name));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('landscape ONNX export', () => {
  it('model files stay under 50 MB', () => {
    for (const f of [manifest.generator, manifest.draft, manifest.encoder]) {
      expect(statSync(path.join(dir, f)).size).toBeLessThan(50 * 1024 * 1024);
    }
  });

  // The draft graph (same weights, rendered at 128 internally) was exported from the same seed,
  // so it shares the labels and z; parity/draft/ holds its own PyTorch reference image.
  it.each([
    ['generator', manifest.generator, 'image.f32'],
    ['draft generator', manifest.draft, 'draft/image.f32'],
  ])('%s matches the PyTorch reference (max abs diff <= 1e-3)', async (_name, file, reference) => {
    const session = await ort.InferenceSession.create(path.join(dir, file), {
      executionProviders: ['cpu'],
    });
    const [n, h, w] = meta.labels;
    const labels = new Uint8Array(readFileSync(path.join(parity, 'labels.u8')));
    const z = f32('z.f32');
    const out = await session.run({
      labels: new ort.Tensor('uint8', labels, [n, h, w]),
      z: new ort.Tensor('float32', z, meta.z),
    });
    const image = out.image;
    expect(image.dims).toEqual(meta.image);
    const diff = maxAbsDiff(image.data as Float32Array, f32(reference));
    expect(diff).toBeLessThanOrEqual(1e-3);
  });

  it('style encoder matches the PyTorch reference (max abs diff <= 1e-3)', async () => {
    const session = await ort.InferenceSession.create(path.join(dir, 'style_encoder.onnx'), {
      executionProviders: ['cpu'],
    });
    const out = await session.run({ image: new ort.Tensor('float32', f32('enc_input.f32'), meta.enc_input) });
    expect(maxAbsDiff(out.mu.data as Float32Array, f32('mu.f32'))).toBeLessThanOrEqual(1e-3);
    expect(maxAbsDiff(out.logvar.data as Float32Array, f32('logvar.f32'))).toBeLessThanOrEqual(1e-3);
  });
});
