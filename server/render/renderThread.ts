import type { FrameQuality } from '../../lib/protocol';
import type { Stroke } from '../../lib/strokes';
import type { ModelEntry } from '../models/modelRegistry';
import type { SessionOptions } from '../models/onnxSession';
import { ThreadClient, type ReadReply } from '../workers/threadClient';
import type { FromRenderThread, RenderThreadData, ToRenderThread } from './renderThreadProtocol';

export interface RenderThreadOptions extends SessionOptions {
  /** Nice value of the render threads (0 = same priority as the sync loop). */
  nice: number;
}

const workerUrl = new URL('./renderThread.worker.ts', import.meta.url);

/**
 * A model's generator (full and draft sessions, or its any-size graph for hi-res) on a worker thread: run() has the same contract
 * as Generator.run, but the event loop stays free while the model runs. Runs are served in order.
 */
export class RenderThread {
  private constructor(
    readonly model: ModelEntry,
    private readonly thread: ThreadClient<ToRenderThread, Rendered>,
  ) {}

  /** Starts the thread and waits until its generator is open and warmed up (or failed). */
  static async open(model: ModelEntry, options: RenderThreadOptions, hires: RenderThreadData['hires'] = null): Promise<RenderThread> {
    const { nice, ...session } = options;
    const data: RenderThreadData = { model, options: session, nice, hires };
    return new RenderThread(model, await ThreadClient.open(workerUrl, data, `render thread for ${model.id}`, readReply));
  }

  get provider(): string {
    return this.thread.provider;
  }

  /** Why the thread can no longer render (it crashed or was closed), or null while it can. */
  get failure(): string | null {
    return this.thread.failure;
  }

  run(labels: Uint8Array, z: Float32Array, quality: FrameQuality): Promise<Rendered> {
    return this.thread.request((id) => ({ type: 'run', id, labels, z, quality }));
  }

  /** Hi-res threads (opened with the model's any-size graph): strokes at width x height -> RGB. */
  async render(strokes: Stroke[], z: Float32Array, width: number, height: number): Promise<Uint8Array> {
    return (await this.thread.request((id) => ({ type: 'render', id, strokes, z, width, height }))).rgb;
  }

  close(): Promise<void> {
    return this.thread.close();
  }
}

type Rendered = { rgb: Uint8Array; quality: FrameQuality };

const readReply: ReadReply<Rendered> = (message) => {
  const m = message as FromRenderThread | null;
  if (typeof m !== 'object' || m === null || (m.type !== 'frame' && m.type !== 'error')) return null;
  if (m.type === 'error') return { id: m.id, error: new Error(String(m.message)) };
  if (!(m.rgb instanceof Uint8Array)) return { id: m.id, error: new Error('render thread sent a frame without pixels') };
  return { id: m.id, value: { rgb: m.rgb, quality: m.quality } };
};
