import sharp from 'sharp';
import { compareLabels, type UnderstandingReport } from '../../lib/understanding';
import type { ModelRegistry } from '../models/modelRegistry';
import type { SessionOptions } from '../models/onnxSession';
import type { LatestFrame } from '../render/renderService';
import type { RoomRegistry } from '../sync/roomRegistry';
import type { Logger } from '../log';
import { SegmenterThread } from './segmenterThread';

/** Why a check cannot be made: an HTTP status and a sentence for the page. */
export class NotCheckable extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * "Did the model understand you?": the evaluation segmenter labels a room's latest full frame and
 * the result is compared with the label map that frame was rendered from. One segmenter thread
 * per model, opened on first use and shared by every room.
 */
export class Understanding {
  private readonly threads = new Map<string, Promise<SegmenterThread>>();

  constructor(
    private readonly deps: {
      models: ModelRegistry;
      registry: RoomRegistry;
      latestFrame: (roomId: string) => LatestFrame | null;
      options: SessionOptions & { nice: number };
      log: Logger;
    },
  ) {}

  async check(roomId: string): Promise<UnderstandingReport> {
    const started = performance.now();
    const room = this.deps.registry.get(roomId);
    if (!room) throw new NotCheckable(409, 'nobody is in this room: open it to render a picture first');
    const model = room.model;
    if (!model.segmenterPath) throw new NotCheckable(404, `the ${model.name} model has no segmenter to check with`);
    const frame = this.deps.latestFrame(roomId);
    if (!frame || frame.meta.quality !== 'full') throw new NotCheckable(409, 'no full picture yet: wait for the full render');
    const { width, height } = frame.meta;
    const rgb = await sharp(frame.bytes).removeAlpha().raw().toBuffer();
    if (rgb.length !== width * height * 3 || frame.labels.length !== width * height)
      throw new NotCheckable(500, 'the frame and its label map differ in size');
    const thread = await this.thread(model.id, model.segmenterPath);
    const seen = await thread.segment(new Uint8Array(rgb), width, height);
    const { agreement, labels, overlay } = compareLabels(frame.labels, seen.labels, model.labels);
    const png = await sharp(Buffer.from(overlay.buffer, overlay.byteOffset, overlay.byteLength), {
      raw: { width, height, channels: 4 },
    })
      .png({ compressionLevel: 6 })
      .toBuffer();
    return {
      roomId,
      version: frame.meta.version,
      model: model.id,
      width,
      height,
      agreement,
      labels,
      overlay: `data:image/png;base64,${png.toString('base64')}`,
      ms: { segmenter: Math.round(seen.ms * 10) / 10, total: Math.round((performance.now() - started) * 10) / 10 },
    };
  }

  private thread(modelId: string, path: string): Promise<SegmenterThread> {
    let thread = this.threads.get(modelId);
    if (!thread) {
      const { nice, ...options } = this.deps.options;
      thread = SegmenterThread.open({ path, options, nice });
      // A thread that failed to open is forgotten, so the next check tries again.
      thread.catch((error: unknown) => {
        this.threads.delete(modelId);
        this.deps.log.warn({ model: modelId, reason: (error as Error).message }, 'segmenter unavailable');
      });
      this.threads.set(modelId, thread);
    }
    return thread;
  }

  async close(): Promise<void> {
    const threads = [...this.threads.values()];
    this.threads.clear();
    await Promise.all(threads.map((t) => t.then((thread) => thread.close()).catch(() => undefined)));
  }
}
