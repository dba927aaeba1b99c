/** Messages between the room page and the preview worker. */
export type PreviewBackend = 'webgpu' | 'webgl' | 'wasm';

/** Median ms per preview on each backend tried, or why it was not tried. */
export type BackendTimings = Partial<Record<PreviewBackend, number | string>>;

export type ToWorker =
  /**
   * Benchmarks and diagnostics: `force` skips the measurement and uses one backend; `reuse:
   * false` runs every picture from scratch (no coarse blocks kept from the last one).
   */
  | { type: 'load'; url: string; wasmPath: string; force?: PreviewBackend; reuse?: boolean }
  | { type: 'run'; id: number; labels: Uint8Array; z: Float32Array };

export type FromWorker =
  | { type: 'progress'; loaded: number; total: number }
  /** Sent when the first backend is ready, and again once the others are timed (`settled`: the choice is final). */
  | {
      type: 'ready';
      backend: PreviewBackend;
      timings: BackendTimings;
      loadMs: number;
      bytes: number;
      size: [number, number];
      settled: boolean;
    }
  | { type: 'frame'; id: number; rgba: Uint8ClampedArray<ArrayBuffer>; width: number; height: number; ms: number }
  | { type: 'error'; message: string };
