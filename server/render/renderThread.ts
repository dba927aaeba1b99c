import type { Worker } from 'node:worker_threads';
import type { FrameQuality } from '../../lib/protocol';
import type { Stroke } from '../../lib/strokes';
import type { ModelEntry } from '../models/modelRegistry';
import type { SessionOptions } from '../models/onnxSession';
import { tsWorker } from '../workers/tsWorker';
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
  private readonly pending = new Map<number, { resolve(v: { rgb: Uint8Array; quality: FrameQuality }): void; reject(e: Error): void }>();
  private nextId = 1;
  private exited: Error | null = null;

  private constructor(
    readonly model: ModelEntry,
    readonly provider: string,
    private readonly worker: Worker,
  ) {
    worker.on('message', (message: FromRenderThread | null) => {
      // A reply this side cannot read fails its run only; a listener that threw here would be
      // an uncaught exception in the main thread.
      if (typeof message !== 'object' || message === null || (message.type !== 'frame' && message.type !== 'error')) return;
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.type === 'error') waiter?.reject(new Error(String(message.message)));
      else if (!(message.rgb instanceof Uint8Array)) waiter?.reject(new Error('render thread sent a frame without pixels'));
      else waiter?.resolve({ rgb: message.rgb, quality: message.quality });
    });
    const fail = (error: Error) => {
      this.exited ??= error;
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`render thread for ${model.id} exited (code ${code})`)));
  }

  /** Starts the thread and waits until its generator is open and warmed up (or failed). */
  static async open(model: ModelEntry, options: RenderThreadOptions, hires: RenderThreadData['hires'] = null): Promise<RenderThread> {
    const { nice, ...session } = options;
    const data: RenderThreadData = { model, options: session, nice, hires };
    const worker = tsWorker(workerUrl, { workerData: data });
    const provider = await new Promise<string>((resolve, reject) => {
      const settle = (done: () => void) => {
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        done();
      };
      const onMessage = (message: FromRenderThread) => {
        if (message.type === 'ready') settle(() => resolve(message.provider));
        else if (message.type === 'failed') settle(() => reject(new Error(message.reason)));
      };
      const onError = (error: Error) => settle(() => reject(error));
      const onExit = (code: number) => settle(() => reject(new Error(`render thread for ${model.id} exited during start (code ${code})`)));
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    }).catch(async (error: unknown) => {
      await worker.terminate();
      throw error;
    });
    return new RenderThread(model, provider, worker);
  }

  /** Why the thread can no longer render (it crashed or was closed), or null while it can. */
  get failure(): string | null {
    return this.exited?.message ?? null;
  }

  run(labels: Uint8Array, z: Float32Array, quality: FrameQuality): Promise<{ rgb: Uint8Array; quality: FrameQuality }> {
    return this.post({ type: 'run', id: this.nextId++, labels, z, quality });
  }

  /** Hi-res threads (opened with the model's any-size graph): strokes at width x height -> RGB. */
  async render(strokes: Stroke[], z: Float32Array, width: number, height: number): Promise<Uint8Array> {
    return (await this.post({ type: 'render', id: this.nextId++, strokes, z, width, height })).rgb;
  }

  private post(message: ToRenderThread): Promise<{ rgb: Uint8Array; quality: FrameQuality }> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      this.pending.set(message.id, { resolve, reject });
      this.worker.postMessage(message);
    });
  }

  async close(): Promise<void> {
    this.exited ??= new Error('render thread closed');
    await this.worker.terminate();
  }
}
