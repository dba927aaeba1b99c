// The segmenter graph the room page's understanding check runs (models/export/segmenter_onnx.py)
// against PyTorch's labels for the same image, stored beside it in parity/segmenter/.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import * as ort from 'onnxruntime-node';

const dir = path.resolve(__dirname, '../../models/landscape');
const manifest = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));

describe('landscape segmenter ONNX export', () => {
  it('labels the parity image as PyTorch does', async () => {
    const { data: rgb, info } = await sharp(path.join(dir, 'parity/segmenter/image.png')).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const { data: reference } = await sharp(path.join(dir, 'parity/segmenter/labels.png')).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    const n = info.width * info.height;
    const x = new Float32Array(3 * n);
    for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) x[c * n + i] = rgb[i * 3 + c] / 127.5 - 1;
    const session = await ort.InferenceSession.create(path.join(dir, manifest.segmenter), { executionProviders: ['cpu'] });
    const out = await session.run({ image: new ort.Tensor('float32', x, [1, 3, info.height, info.width]) });
    const labels = out.labels.data as Uint8Array;
    expect(labels.length).toBe(n);
    let same = 0;
    for (let i = 0; i < n; i++) if (labels[i] === reference[i]) same++;
    // fp32 in both; only pixels where two classes tie within rounding may differ
    expect(same / n).toBeGreaterThan(0.999);
    expect(new Set(reference).size).toBeGreaterThan(3); // a real scene, not one label everywhere
  });
});
