import * as ort from 'onnxruntime-node';
import type { ModelEntry } from '../models/modelRegistry';
import { openSession, type SessionOptions } from '../models/onnxSession';
import type { Logger } from '../log';
import type { FrameQuality } from '../../lib/protocol';

/**
 * One model's SPADE generator behind onnxruntime-node: uint8 label map + style z in, RGB bytes
 * out. Opened once and warmed up, so the first user does not pay for graph initialisation. A
 * model may ship a draft graph (same weights and inputs/outputs, rendered at a lower internal
 * resolution) for frames under load; without one, or if it cannot be opened, every frame is full.
 */
export class Generator {
  private constructor(
    readonly model: ModelEntry,
    private readonly full: ort.InferenceSession,
    private readonly draft: ort.InferenceSession | null,
    readonly provider: string,
  ) {}

  static async open(model: ModelEntry, options: SessionOptions, log: Logger): Promise<Generator> {
    const started = performance.now();
    const { session, provider } = await openSession(model.generatorPath, options, log);
    const generator = new Generator(model, session, null, provider);
    await generator.warmUp('full');
    const draft = model.draftPath ? await Generator.openDraft(generator, model.draftPath, options, log) : null;
    log.info(
      { model: model.id, provider, draft: draft !== null, ms: Math.round(performance.now() - started) },
      'generator loaded and warmed up',
    );
    return draft ?? generator;
  }

  /** The same generator with its draft session, or null (logged) when the draft is unusable. */
  private static async openDraft(full: Generator, draftPath: string, options: SessionOptions, log: Logger): Promise<Generator | null> {
    try {
      const { session } = await openSession(draftPath, { ...options, providers: [full.provider] }, log);
      const generator = new Generator(full.model, full.full, session, full.provider);
      await generator.warmUp('draft');
      return generator;
    } catch (error) {
      log.warn(
        { model: full.model.id, draft: draftPath, reason: (error as Error).message },
        'draft generator unusable; this model renders full frames only',
      );
      return null;
    }
  }

  private async warmUp(quality: FrameQuality): Promise<void> {
    const [w, h] = this.model.size;
    await this.run(new Uint8Array(w * h), new Float32Array(this.model.zDim), quality);
  }

  /** Renders at the asked quality where the model has a draft graph, else full. */
  async run(labels: Uint8Array, z: Float32Array, quality: FrameQuality): Promise<{ rgb: Uint8Array; quality: FrameQuality }> {
    const [w, h] = this.model.size;
    if (labels.length !== w * h) throw new Error(`label map is ${labels.length} bytes, model wants ${w}x${h}`);
    if (z.length !== this.model.zDim) throw new Error(`style has ${z.length} values, model wants ${this.model.zDim}`);
    const feeds: Record<string, ort.Tensor> = { labels: new ort.Tensor('uint8', labels, [1, h, w]) };
    if (this.model.zDim > 0) feeds.z = new ort.Tensor('float32', z, [1, this.model.zDim]);
    const used = quality === 'draft' && this.draft ? 'draft' : 'full';
    const session = used === 'draft' ? this.draft! : this.full;
    const out = await session.run(feeds);
    const image = out[session.outputNames[0]].data as Float32Array;
    if (image.length !== 3 * w * h) throw new Error(`${used} generator returned ${image.length} values, want 3x${w}x${h}`);
    return { rgb: toRgb(image, w, h), quality: used };
  }

  async close(): Promise<void> {
    await this.full.release();
    await this.draft?.release();
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

/**
 * The model's generator at any size that is a multiple of `multipleOf` (models/export/hires_graph.py:
 * generator.onnx with its start grid resized to the label map, same weights file): hi-res renders.
 * Warmed up at the smallest size, which opens the session without paying for a large frame.
 */
export class HiresGenerator {
  private constructor(
    readonly model: ModelEntry,
    private readonly session: ort.InferenceSession,
    readonly provider: string,
    private readonly multipleOf: number,
  ) {}

  static async open(
    model: ModelEntry,
    graph: { path: string; multipleOf: number },
    options: SessionOptions,
    log: Logger,
  ): Promise<HiresGenerator> {
    const started = performance.now();
    const { session, provider } = await openSession(graph.path, options, log);
    const generator = new HiresGenerator(model, session, provider, graph.multipleOf);
    const s = graph.multipleOf;
    await generator.run(new Uint8Array(s * s), new Float32Array(model.zDim), s, s);
    log.info({ model: model.id, provider, ms: Math.round(performance.now() - started) }, 'hi-res generator loaded');
    return generator;
  }

  async run(labels: Uint8Array, z: Float32Array, width: number, height: number): Promise<Uint8Array> {
    if (width % this.multipleOf !== 0 || height % this.multipleOf !== 0)
      throw new Error(`size ${width}x${height} is not a multiple of ${this.multipleOf}`);
    if (labels.length !== width * height) throw new Error(`label map is ${labels.length} bytes, want ${width}x${height}`);
    if (z.length !== this.model.zDim) throw new Error(`style has ${z.length} values, model wants ${this.model.zDim}`);
    const feeds: Record<string, ort.Tensor> = { labels: new ort.Tensor('uint8', labels, [1, height, width]) };
    if (this.model.zDim > 0) feeds.z = new ort.Tensor('float32', z, [1, this.model.zDim]);
    const out = await this.session.run(feeds);
    const image = out[this.session.outputNames[0]].data as Float32Array;
    if (image.length !== 3 * width * height) throw new Error(`hi-res generator returned ${image.length} values, want 3x${width}x${height}`);
    return toRgb(image, width, height);
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
