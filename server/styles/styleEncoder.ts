import sharp from 'sharp';
import type * as ort from 'onnxruntime-node';
import type { ModelEntry } from '../models/modelRegistry';
import { openSession, type SessionOptions } from '../models/onnxSession';
import type { Logger } from '../log';
import { HttpError } from '../http/json';

/** Formats sharp must detect in the bytes (the Content-Type header alone is not trusted). */
const DECODABLE = new Set(['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff', 'heif']);
const ENCODER_SIZE = 256;

/**
 * Uploaded image -> style z through the model's VAE style encoder (ONNX: `image` float32
 * [1,3,256,256] in [-1,1] -> `mu`, `logvar`). mu is the style code: deterministic, unlike a sample.
 * Sessions open lazily, one per model, so a server that nobody uploads to pays nothing.
 */
export class StyleEncoder {
  private readonly sessions = new Map<string, Promise<ort.InferenceSession>>();
  /** One encode at a time: the renderer shares these cores. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly options: SessionOptions,
    private readonly log: Logger,
  ) {}

  private session(model: ModelEntry): Promise<ort.InferenceSession> {
    if (!model.encoderPath) throw new HttpError(409, `model "${model.id}" has no style encoder, so only presets are available`);
    let pending = this.sessions.get(model.id);
    if (!pending) {
      pending = openSession(model.encoderPath, this.options, this.log).then((s) => s.session);
      pending.catch(() => this.sessions.delete(model.id));
      this.sessions.set(model.id, pending);
    }
    return pending;
  }

  /** Decodes and checks an upload; returns 256x256 RGB pixels and a small WebP thumbnail. */
  static async decode(bytes: Buffer): Promise<{ rgb: Buffer; thumbnail: Buffer }> {
    let format: string | undefined;
    try {
      const meta = await sharp(bytes, { limitInputPixels: 50_000_000 }).metadata();
      format = meta.format;
    } catch {
      throw new HttpError(415, 'the file is not an image we can read (use PNG, JPEG, WebP or GIF)');
    }
    if (!format || !DECODABLE.has(format))
      throw new HttpError(415, `unsupported image format "${format ?? 'unknown'}" (use PNG, JPEG, WebP or GIF)`);
    try {
      const base = sharp(bytes, { limitInputPixels: 50_000_000, animated: false }).rotate().flatten({ background: '#ffffff' });
      const rgb = await base.clone().resize(ENCODER_SIZE, ENCODER_SIZE, { fit: 'cover' }).removeAlpha().raw().toBuffer();
      const thumbnail = await base.clone().resize(128, 128, { fit: 'cover' }).webp({ quality: 80 }).toBuffer();
      return { rgb, thumbnail };
    } catch (error) {
      throw new HttpError(400, `the image could not be decoded: ${(error as Error).message}`);
    }
  }

  /** Runs the encoder on 256x256 RGB bytes; returns mu (length model.zDim). */
  async encode(model: ModelEntry, rgb: Buffer): Promise<Float32Array> {
    const session = await this.session(model);
    const run = async () => {
      const { Tensor } = await import('onnxruntime-node');
      const n = ENCODER_SIZE * ENCODER_SIZE;
      const input = new Float32Array(3 * n);
      for (let i = 0; i < n; i++) {
        // HWC uint8 -> CHW float in [-1, 1], as the encoder was trained.
        input[i] = rgb[i * 3] / 127.5 - 1;
        input[n + i] = rgb[i * 3 + 1] / 127.5 - 1;
        input[2 * n + i] = rgb[i * 3 + 2] / 127.5 - 1;
      }
      const out = await session.run({
        [session.inputNames[0] ?? 'image']: new Tensor('float32', input, [1, 3, ENCODER_SIZE, ENCODER_SIZE]),
      });
      const mu = out.mu ?? out[session.outputNames[0]];
      const z = Float32Array.from(mu.data as Float32Array);
      if (z.length !== model.zDim) throw new Error(`style encoder gave ${z.length} values, model wants ${model.zDim}`);
      if (!z.every(Number.isFinite)) throw new Error('style encoder produced non-finite values');
      return z;
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    for (const pending of this.sessions.values()) {
      try {
        await (await pending).release();
      } catch {
        // already failed to open
      }
    }
  }
}
