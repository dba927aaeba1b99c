// Reusing the coarse blocks between pictures (BlockCache in lib/preview/forward.ts) must give the
// picture a run from scratch gives, byte for byte, and run fewer kernels when only fine detail
// changed. Tiny random-weight CLADE student (fixtures/preview-clade), cpu backend.
import { describe, it, expect, beforeAll } from 'vitest';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { BlockCache, type PreviewGenerator } from '../../lib/preview/forward';
import { loadPreview } from '../helpers/previewModel';

const dir = path.resolve(__dirname, 'fixtures/preview-clade');

describe('preview block reuse', () => {
  let gen: PreviewGenerator;
  let size: number;
  let zDim: number;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    const { gen: g, json } = await loadPreview(dir);
    gen = g;
    size = json.config.size[0];
    zDim = json.config.zDim;
  });

  /** A striped map with a square of class 3 painted at (x, y), side s. */
  const map = (x: number, y: number, s: number) => {
    const m = new Uint8Array(size * size).map((_, i) => (i % size < size / 2 ? 0 : 5));
    for (let r = y; r < y + s; r++) for (let c = x; c < x + s; c++) m[r * size + c] = 3;
    return m;
  };
  const kernels = async (labels: Uint8Array, z: Float32Array, cache?: BlockCache) =>
    (
      await tf.profile(async () => {
        await gen.render(labels, z, cache);
        return [];
      })
    ).kernels.length;

  it('gives the same pictures as runs from scratch, over strokes, a new style and back', async () => {
    const cache = new BlockCache();
    const z1 = new Float32Array(zDim).fill(0.2);
    const z2 = new Float32Array(zDim).map((_, i) => Math.sin(i));
    const steps: Array<[Uint8Array, Float32Array]> = [
      [map(1, 1, 2), z1], // only the 64 px map differs from the stripes' ...
      [map(1, 1, 2), z1], // nothing changed
      [map(10, 20, 12), z1], // every map down to 8 px changes
      [map(10, 20, 12), z2], // the style changes: nothing reusable
      [map(10, 20, 13), z2],
      [map(1, 1, 2), z1],
    ];
    for (const [labels, z] of steps) {
      const fresh = await gen.render(labels, z);
      const reused = await gen.render(labels, z, cache);
      expect(reused.rgba).toEqual(fresh.rgba);
    }
    const before = tf.memory().numTensors;
    await gen.render(map(30, 30, 5), z1, cache);
    expect(tf.memory().numTensors).toBe(before); // replaced blocks are disposed, not leaked
    cache.dispose();
  });

  it('runs only the blocks whose label map changed', async () => {
    const cache = new BlockCache();
    const z = new Float32Array(zDim).fill(0.1);
    const scratch = await kernels(map(1, 1, 1), z);
    await gen.render(map(1, 1, 1), z, cache);
    // odd rows and columns are sampled by the 64 px map only: the 2..32 px blocks come from the cache
    const fine = await kernels(map(3, 3, 1), z, cache);
    expect(fine).toBeLessThan(scratch / 3);
    // (0,0) is in every map: everything runs again
    expect(await kernels(map(0, 0, 1), z, cache)).toBe(scratch);
    cache.dispose();
  });
});
