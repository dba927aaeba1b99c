import type { Worker } from 'node:worker_threads';
import type { SessionOptions } from '../models/onnxSession';
import { tsWorker } from '../workers/tsWorker';

export interface SegmenterThreadData {
  path: string;
  options: SessionOptions;
  nice: number;
}
export type ToSegmenterThread = { id: number; rgb: Uint8Array; width: number; height: number };
export type FromSegmenterThread =
  | { type: 'ready'; provider: string }
  | { type: 'failed'; reason: string }
  | { type: 'labels'; id: number; labels: Uint8Array; ms: number }
  | { type: 'error'; id: number; message: string };

const workerUrl = new URL('./segmenterThread.worker.ts', import.meta.url);

/** A model's segmenter graph on a worker thread: RGB frame -> label ids, requests served in order. */
export class SegmenterThread {
  private readonly pending = new Map<number, { resolve(v: { labels: Uint8Array; ms: number }): void; reject(e: Error): void }>();
  private nextId = 1;
  private exited: Error | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (message: FromSegmenterThread | null) => {
      if (typeof message !== 'object' || message === null || (message.type !== 'labels' && message.type !== 'error')) return;
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.type === 'error') waiter?.reject(new Error(String(message.message)));
      else waiter?.resolve({ labels: message.labels, ms: message.ms });
    });
    const fail = (error: Error) => {
      this.exited ??= error;
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`segmenter thread exited (code ${code})`)));
  }

  /** Starts the thread and waits until its session is open (or failed). */
  static async open(data: SegmenterThreadData): Promise<SegmenterThread> {
    const worker = tsWorker(workerUrl, { workerData: data });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (message: FromSegmenterThread) => {
        if (message.type === 'ready') settle(resolve);
        else if (message.type === 'failed') settle(() => reject(new Error(message.reason)));
      };
      const onError = (error: Error) => settle(() => reject(error));
      const onExit = (code: number) => settle(() => reject(new Error(`segmenter thread exited during start (code ${code})`)));
      const settle = (done: () => void) => {
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        done();
      };
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    }).catch(async (error: unknown) => {
      await worker.terminate();
      throw error;
    });
    return new SegmenterThread(worker);
  }

  segment(rgb: Uint8Array, width: number, height: number): Promise<{ labels: Uint8Array; ms: number }> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, rgb, width, height } satisfies ToSegmenterThread, [rgb.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    this.exited ??= new Error('segmenter thread closed');
    await this.worker.terminate();
  }
}
