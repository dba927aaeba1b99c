import * as ort from 'onnxruntime-node';
import type { ModelEntry } from '../models/modelRegistry';
import { openSession, type SessionOptions } from './onnxSession';
import type { Logger } from '../log';

/**
 * One model's SPADE generator behind onnxruntime-node: uint8 label map + style z in, RGB bytes
 * out. Opened once and warmed up, so the first user does not pay for graph initialisation.
 */
export class Generator {
  private constructor(
    readonly model: ModelEntry,
    private readonly session: ort.InferenceSession,
    readonly provider: string,
  ) {}

  static async open(model: ModelEntry, options: SessionOptions, log: Logger): Promise<Generator> {
    const started = performance.now();
    const { session, provider } = await openSession(model.generatorPath, options, log);
    const generator = new Generator(model, session, provider);
    const [w, h] = model.size;
    await generator.run(new Uint8Array(w * h), new Float32Array(model.zDim));
    log.info({ model: model.id, provider, ms: Math.round(performance.now() - started) }, 'generator loaded and warmed up');
    return generator;
  }

  /** Returns interleaved RGB bytes (width x height x 3). */
  async run(labels: Uint8Array, z: Float32Array): Promise<Uint8Array> {
    const [w, h] = this.model.size;
    if (labels.length !== w * h) throw new Error(`label map is ${labels.length} bytes, model wants ${w}x${h}`);
    if (z.length !== this.model.zDim) throw new Error(`style has ${z.length} values, model wants ${this.model.zDim}`);
    const feeds: Record<string, ort.Tensor> = { labels: new ort.Tensor('uint8', labels, [1, h, w]) };
    if (this.model.zDim > 0) feeds.z = new ort.Tensor('float32', z, [1, this.model.zDim]);
    const out = await this.session.run(feeds);
    const image = out[this.session.outputNames[0]].data as Float32Array;
    return toRgb(image, w, h);
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/** Planar [-1, 1] floats (3 x H x W) -> interleaved RGB bytes. */
export function toRgb(planar: Float32Array, width: number, height: number): Uint8Array {
  const n = width * height;
  const rgb = new Uint8Array(n * 3);
  for (let c = 0; c < 3; c++) {
    const offset = c * n;
    for (let i = 0; i < n; i++) {
      const v = (planar[offset + i] + 1) * 127.5;
      rgb[i * 3 + c] = v < 0 ? 0 : v > 255 ? 255 : v + 0.5;
    }
  }
  return rgb;
}
