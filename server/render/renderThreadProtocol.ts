import type { FrameQuality } from '../../lib/protocol';
import type { ModelEntry } from '../models/modelRegistry';
import type { SessionOptions } from '../models/onnxSession';

/** What the render thread is started with (worker_threads' workerData). */
export interface RenderThreadData {
  model: ModelEntry;
  options: SessionOptions;
  /** Nice value for the thread and the onnxruntime threads it starts (Linux: per thread). */
  nice: number;
}

export type ToRenderThread = { type: 'run'; id: number; labels: Uint8Array; z: Float32Array; quality: FrameQuality };

export type FromRenderThread =
  | { type: 'ready'; provider: string }
  | { type: 'failed'; reason: string }
  | { type: 'frame'; id: number; rgb: Uint8Array; quality: FrameQuality }
  | { type: 'error'; id: number; message: string };
