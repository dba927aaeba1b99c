import type { FrameQuality } from '../../lib/protocol';
import type { Stroke } from '../../lib/strokes';
import type { ModelEntry } from '../models/modelRegistry';
import type { SessionOptions } from '../models/onnxSession';
import type { ThreadStart } from '../workers/threadClient';

/** What the render thread is started with (worker_threads' workerData). */
export interface RenderThreadData {
  model: ModelEntry;
  options: SessionOptions;
  /** Nice value for the thread and the onnxruntime threads it starts (Linux: per thread). */
  nice: number;
  /**
   * A hi-res thread: the model's any-size graph (hires.json) instead of its frame sessions; it
   * serves 'render' messages.
   */
  hires: { path: string; multipleOf: number } | null;
}

export type ToRenderThread =
  | { type: 'run'; id: number; labels: Uint8Array; z: Float32Array; quality: FrameQuality }
  /** Hi-res threads: rasterise the strokes at width x height there (off the sync loop), then render. */
  | { type: 'render'; id: number; strokes: Stroke[]; z: Float32Array; width: number; height: number };

export type FromRenderThread =
  ThreadStart | { type: 'frame'; id: number; rgb: Uint8Array; quality: FrameQuality } | { type: 'error'; id: number; message: string };
