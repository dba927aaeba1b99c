// Parity: the TypeScript tfjs preview forward (cpu backend) vs the PyTorch reference that
// models/export/tfjs_export.py stored with the same dequantised uint8 weights, plus a bound on
// the quantisation drift from the fp32 weights. Run on the shipped artifact and on a tiny
// random-weight CLADE student (fixtures/preview-clade, models/export/random_preview.py
// --ngf 2 --norm clade --seed 1), so both normalisations of lib/preview/forward.ts are checked.
import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { PreviewGenerator, PreviewModelJson } from '../../lib/preview/forward';
import { loadPreview } from '../helpers/previewModel';

const artifacts = [
  ['landscape preview (shipped)', path.resolve(__dirname, '../../models/landscape-preview')],
  ['CLADE student (random fixture)', path.resolve(__dirname, 'fixtures/preview-clade')],
] as const;

describe.each(artifacts)('%s (tfjs)', (_name, dir) => {
  const parity = path.join(dir, 'parity');
  const meta = JSON.parse(readFileSync(path.join(parity, 'meta.json'), 'utf8'));

  function f32(name: string): Float32Array {
    const b = readFileSync(path.join(parity, name));
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  }

  let gen: PreviewGenerator;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    gen = (await loadPreview(dir)).gen;
  });
  it('weights are uint8-quantised in the tfjs manifest', () => {
    const json = JSON.parse(readFileSync(path.join(dir, 'tfjs/model.json'), 'utf8')) as PreviewModelJson;
    const ws = json.weightsManifest.flatMap((g) => g.weights);
    const q = ws.filter((w) => w.quantization?.dtype === 'uint8');
    expect(q.length).toBeGreaterThan(ws.length / 3);
    expect(statSync(path.join(dir, 'tfjs/weights.bin')).size).toBeLessThan(4 * 1024 * 1024);
  });

  it('matches PyTorch with the same dequantised weights, and fp32 within the quantisation error', async () => {
    const [n, h, w] = meta.labels;
    const labels = new Uint8Array(readFileSync(path.join(parity, 'labels.u8')));
    const out = gen.forwardTensor(labels, f32('z.f32'), n);
    const nchw = tf.transpose(out, [0, 3, 1, 2]);
    const got = (await nchw.data()) as Float32Array;
    out.dispose();
    nchw.dispose();
    const refQ = f32('image_dequant.f32');
    const refF = f32('image_fp32.f32');
    expect(got.length).toBe(refQ.length);
    let dq = 0;
    let df = 0;
    for (let i = 0; i < got.length; i++) {
      dq = Math.max(dq, Math.abs(got[i] - refQ[i]));
      df = Math.max(df, Math.abs(got[i] - refF[i]));
    }
    expect(dq).toBeLessThanOrEqual(1e-3);
    // drift from quantisation: measured at export time, allow float noise on top
    expect(df).toBeLessThanOrEqual(meta.quant_vs_fp32_max_abs_diff + 1e-3);
    expect(h * w).toBe(got.length / 3);
  });

  it('render() returns RGBA bytes', async () => {
    const [h, w] = gen.config.size;
    const { width, height, rgba } = await gen.render(new Uint8Array(h * w), new Float32Array(gen.config.zDim));
    expect([width, height]).toEqual([w, h]);
    expect(rgba.length).toBe(h * w * 4);
  });
});
