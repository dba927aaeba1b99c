import type { SessionOptions } from '../models/onnxSession';
import { ThreadClient, type ReadReply, type ThreadStart } from '../workers/threadClient';

export interface SegmenterThreadData {
  path: string;
  options: SessionOptions;
  nice: number;
}
export type ToSegmenterThread = { id: number; rgb: Uint8Array; width: number; height: number };
export type FromSegmenterThread =
  ThreadStart | { type: 'labels'; id: number; labels: Uint8Array; ms: number } | { type: 'error'; id: number; message: string };

const workerUrl = new URL('./segmenterThread.worker.ts', import.meta.url);

type Segmented = { labels: Uint8Array; ms: number };

const readReply: ReadReply<Segmented> = (message) => {
  const m = message as FromSegmenterThread | null;
  if (typeof m !== 'object' || m === null || (m.type !== 'labels' && m.type !== 'error')) return null;
  if (m.type === 'error') return { id: m.id, error: new Error(String(m.message)) };
  return { id: m.id, value: { labels: m.labels, ms: m.ms } };
};

/** A model's segmenter graph on a worker thread: RGB frame -> label ids, requests served in order. */
export class SegmenterThread {
  private constructor(private readonly thread: ThreadClient<ToSegmenterThread, Segmented>) {}

  /** Starts the thread and waits until its session is open (or failed). */
  static async open(data: SegmenterThreadData): Promise<SegmenterThread> {
    return new SegmenterThread(await ThreadClient.open(workerUrl, data, 'segmenter thread', readReply));
  }

  segment(rgb: Uint8Array, width: number, height: number): Promise<Segmented> {
    return this.thread.request((id) => ({ id, rgb, width, height }), [rgb.buffer as ArrayBuffer]);
  }

  close(): Promise<void> {
    return this.thread.close();
  }
}
