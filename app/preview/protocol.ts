/** Messages between the room page and the preview worker. */
export type PreviewBackend = 'webgpu' | 'webgl' | 'wasm';

export type ToWorker =
  | { type: 'load'; url: string; wasmPath: string }
  | { type: 'run'; id: number; labels: Uint8Array; z: Float32Array };

export type FromWorker =
  | { type: 'progress'; loaded: number; total: number }
  | { type: 'ready'; backend: PreviewBackend; timings: Partial<Record<PreviewBackend, number>>; loadMs: number; bytes: number; size: [number, number] }
  | { type: 'frame'; id: number; rgba: Uint8ClampedArray; width: number; height: number; ms: number }
  | { type: 'error'; message: string };
