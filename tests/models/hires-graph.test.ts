// The hi-res graph (models/export/hires_graph.py): generator.onnx with its start grid resized to
// the label map, any size, the same weights file. At 256 px it must be the shipped generator; at
// 512 px it must take a 512 px map; and it must not carry weights of its own.
import { describe, it, expect } from 'vitest';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';

const dir = path.resolve(__dirname, '../../models/landscape');
const hires = JSON.parse(readFileSync(path.join(dir, 'hires.json'), 'utf8')) as { graph: string; multipleOf: number; sizes: number[] };
const parity = (name: string) => readFileSync(path.join(dir, 'parity', name));
const labels = new Uint8Array(parity('labels.u8'));
const zBytes = parity('z.f32');
const z = new Float32Array(zBytes.buffer.slice(zBytes.byteOffset, zBytes.byteOffset + zBytes.byteLength));
const feeds = (map: Uint8Array, size: number) => ({
  labels: new ort.Tensor('uint8', map, [1, size, size]),
  z: new ort.Tensor('float32', z, [1, z.length]),
});

describe('hi-res generator graph', () => {
  it('keeps only the graph: its weights are generator.weights', () => {
    expect(statSync(path.join(dir, hires.graph)).size).toBeLessThan(200 * 1024);
    expect(hires).toMatchObject({ multipleOf: 32, sizes: [512, 1024] });
  });

  it('renders what generator.onnx renders at 256 px, and a 512 px map at 512 px', async () => {
    const shipped = await ort.InferenceSession.create(path.join(dir, 'generator.onnx'));
    const dynamic = await ort.InferenceSession.create(path.join(dir, hires.graph));
    const a = (await shipped.run(feeds(labels, 256))).image.data as Float32Array;
    const b = (await dynamic.run(feeds(labels, 256))).image.data as Float32Array;
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
    expect(diff).toBeLessThan(1e-4);

    const big = new Uint8Array(512 * 512);
    for (let y = 0; y < 512; y++) for (let x = 0; x < 512; x++) big[y * 512 + x] = labels[(y >> 1) * 256 + (x >> 1)];
    const image = (await dynamic.run(feeds(big, 512))).image;
    expect(image.dims).toEqual([1, 3, 512, 512]);
    // The same scene at twice the size: its mean colour stays close to the 256 px render's.
    const mean = (d: Float32Array) => d.reduce((s, v) => s + v, 0) / d.length;
    expect(Math.abs(mean(image.data as Float32Array) - mean(a))).toBeLessThan(0.1);
  });
});
