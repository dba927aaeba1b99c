'use client';

import { useEffect, useRef, useState } from 'react';
import type * as Y from 'yjs';
import type { ModelInfo } from '@/lib/protocol';
import { IncrementalRasterizer } from '@/lib/raster';
import { docVersion } from '@/lib/docVersion';
import type { Stroke } from '@/lib/strokes';
import type { BackendTimings, FromWorker, PreviewBackend, ToWorker } from '../preview/protocol';

export type PreviewState =
  | { status: 'none'; reason: string }
  | { status: 'loading'; progress: number }
  | { status: 'ready'; backend: PreviewBackend; timings: BackendTimings; loadMs: number; bytes: number; lastMs: number | null }
  | { status: 'error'; reason: string };

export interface PreviewFrame {
  image: ImageData;
  /** docVersion the label map was taken at. */
  version: number;
  /** Time from the change being seen to the picture being ready, ms. */
  latencyMs: number;
  /** Of which the worker's run (model forward + readback), ms. */
  runMs: number;
}

/** A run starts at once when none started within this long, else on the next animation frame. */
const FRAME_MS = 1000 / 60;

/**
 * The Preview loop: on every local or remote change (at most once per animation frame) rasterise
 * the strokes at the preview resolution with the shared rasteriser and run the tfjs model in a
 * worker with the room's style z. A run in flight is never queued behind: the newest map waits
 * and goes next (latest wins).
 */
export function usePreview(model: ModelInfo, strokes: Y.Array<Stroke> | null, doc: Y.Doc | null, z: Float32Array | null) {
  const [state, setState] = useState<PreviewState>(() =>
    model.preview ? { status: 'loading', progress: 0 } : { status: 'none', reason: 'this model has no preview' },
  );
  const [frame, setFrame] = useState<PreviewFrame | null>(null);
  const zRef = useRef(z);
  zRef.current = z;
  const kick = useRef<() => void>(() => undefined);

  useEffect(() => {
    kick.current();
  }, [z]);

  useEffect(() => {
    const preview = model.preview;
    if (!preview || !strokes || !doc) return;
    if (typeof Worker === 'undefined') {
      setState({ status: 'error', reason: 'this browser has no Web Workers' });
      return;
    }
    const worker = new Worker(new URL('../preview/preview.worker.ts', import.meta.url), { type: 'module' });
    const send = (m: ToWorker, transfer: Transferable[] = []) => worker.postMessage(m, transfer);
    const [w, h] = preview.size;
    const rasterizer = new IncrementalRasterizer(w, h, model.labels);
    let ready = false;
    let busy = false;
    let dirty = true;
    let raf: number | null = null;
    let soon = false;
    let lastRunAt = -Infinity;
    let nextId = 0;
    const inFlight = new Map<number, { version: number; seenAt: number }>();
    let dirtySince = performance.now();

    const run = () => {
      raf = null;
      if (!ready || busy || !dirty) return;
      dirty = false;
      busy = true;
      lastRunAt = performance.now();
      const labels = rasterizer.update(strokes.toArray()).map.slice();
      const style = zRef.current ?? new Float32Array(model.zDim);
      const id = nextId++;
      inFlight.set(id, { version: docVersion(doc), seenAt: dirtySince });
      send({ type: 'run', id, labels, z: style.slice() }, [labels.buffer]);
    };
    // Waiting for the next animation frame adds up to a frame (~8 ms on average) to a stroke:
    // when no run started within the last frame, start in a microtask instead (changes made in
    // the same task still coalesce); bursts still get at most one run per animation frame.
    const start = () => {
      if (raf !== null || soon) return;
      if (performance.now() - lastRunAt >= FRAME_MS) {
        soon = true;
        queueMicrotask(() => {
          soon = false;
          run();
        });
      } else raf = requestAnimationFrame(run);
    };
    const schedule = () => {
      if (!dirty) dirtySince = performance.now();
      dirty = true;
      if (!busy) start(); // else the frame's arrival starts the next run
    };
    kick.current = schedule;

    worker.onmessage = (event: MessageEvent<FromWorker>) => {
      const m = event.data;
      if (m.type === 'progress') setState({ status: 'loading', progress: m.total ? m.loaded / m.total : 0 });
      else if (m.type === 'ready') {
        ready = true;
        setState((s) => ({ status: 'ready', backend: m.backend, timings: m.timings, loadMs: m.loadMs, bytes: m.bytes, lastMs: s.status === 'ready' ? s.lastMs : null }));
        schedule();
      } else if (m.type === 'frame') {
        busy = false;
        const info = inFlight.get(m.id);
        inFlight.delete(m.id);
        if (info) {
          // the worker transferred the buffer: no copy
          setFrame({ image: new ImageData(m.rgba, m.width, m.height), version: info.version, latencyMs: performance.now() - info.seenAt, runMs: m.ms });
          setState((s) => (s.status === 'ready' ? { ...s, lastMs: Math.round(m.ms * 10) / 10 } : s));
        }
        if (dirty) start();
      } else if (m.type === 'error') {
        busy = false;
        if (dirty) start();
        if (!ready) setState({ status: 'error', reason: m.message });
      }
    };
    worker.onerror = (e) => setState({ status: 'error', reason: e.message || 'the preview worker failed to start' });
    strokes.observe(schedule);
    const force = new URLSearchParams(location.search).get('previewBackend');
    send({ type: 'load', url: preview.url, wasmPath: '/vendor/tfjs-wasm/', ...(force === 'wasm' || force === 'webgl' || force === 'webgpu' ? { force } : {}) });
    return () => {
      strokes.unobserve(schedule);
      if (raf !== null) cancelAnimationFrame(raf);
      kick.current = () => undefined;
      worker.terminate();
    };
  }, [model, strokes, doc]);

  return { state, frame };
}

