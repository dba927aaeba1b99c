'use client';

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type * as Y from 'yjs';
import type { ModelInfo, PresenceState } from '@/lib/protocol';
import { labelIds } from '@/lib/labels';
import { IncrementalRasterizer } from '@/lib/raster';
import { docVersion } from '@/lib/docVersion';
import { checkStroke, type Stroke } from '@/lib/strokes';
import type { BackendTimings, FromWorker, PreviewBackend, ToWorker } from '../preview/protocol';
import { sameBytes } from '@/lib/bytes';

export type PreviewState =
  | { status: 'none'; reason: string }
  | { status: 'loading'; progress: number }
  | {
      status: 'ready';
      backend: PreviewBackend;
      timings: BackendTimings;
      loadMs: number;
      bytes: number;
      lastMs: number | null;
      /** false while the other backends are still being timed */
      settled: boolean;
    }
  | { status: 'error'; reason: string };

export interface PreviewFrame {
  image: ImageData;
  /** docVersion the label map was taken at. */
  version: number;
  /** Time from the change being seen to the picture being ready, ms. */
  latencyMs: number;
  /** Of which the worker's run (model forward + readback), ms. */
  runMs: number;
  /** Includes strokes still being drawn, here or by others (newer than any frame of `version`). */
  live: boolean;
}

type LiveStroke = Omit<Stroke, 'id' | 'by'>;

/** A run starts at once when none started within this long, else on the next animation frame. */
const FRAME_MS = 1000 / 60;

/**
 * The Preview loop: on every local or remote change (at most once per animation frame) rasterise
 * the strokes at the preview resolution with the shared rasteriser and run the tfjs model in a
 * worker with the room's style z. A run in flight is never queued behind: the newest map waits
 * and goes next (latest wins). Strokes being drawn are painted on top while the pointers move
 * (setLiveStroke for this user's, setPeerDrawings for the others' from presence), so the picture
 * follows every brush in the room before its stroke is committed. A map equal
 * to the one last drawn (the stroke just released is the live one already shown) is not run
 * again: the picture is re-issued for the new version.
 */
export function usePreview(model: ModelInfo, strokes: Y.Array<Stroke> | null, doc: Y.Doc | null, z: Float32Array | null) {
  const [state, setState] = useState<PreviewState>(() =>
    model.preview ? { status: 'loading', progress: 0 } : { status: 'none', reason: 'this model has no preview' },
  );
  const [frame, setFrame] = useState<PreviewFrame | null>(null);
  const zRef = useRef(z);
  zRef.current = z;
  const kick = useRef<() => void>(() => undefined);
  const liveSink = useRef<(stroke: LiveStroke | null) => void>(() => undefined);
  const setLiveStroke = useCallback((stroke: LiveStroke | null) => liveSink.current(stroke), []);
  const peerSink = useRef<(drawings: Stroke[]) => void>(() => undefined);
  // the names the server accepts in strokes (labels and aliases), once per model
  const labelNames = useMemo(() => new Set(labelIds(model.labels).keys()), [model]);
  // Peers' presence is untrusted: only drawings that pass the stroke schema are painted.
  const setPeerDrawings = useCallback(
    (drawings: ReadonlyArray<PresenceState['drawing']>) => {
      const valid: Stroke[] = [];
      for (const d of drawings) {
        const checked = d && checkStroke({ ...d, id: 'peer-live' }, labelNames);
        if (checked && checked.ok) valid.push(checked.stroke);
      }
      peerSink.current(valid);
    },
    [labelNames],
  );

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
    type Made = { version: number; seenAt: number; live: boolean; labels: Uint8Array; z: Float32Array | null };
    const inFlight = new Map<number, Made>();
    let dirtySince = performance.now();
    let live: LiveStroke | null = null;
    let peerDrawings: Stroke[] = [];
    let shown: { frame: PreviewFrame; labels: Uint8Array; z: Float32Array | null } | null = null;

    const run = () => {
      raf = null;
      if (!ready || busy || !dirty) return;
      dirty = false;
      const { map } = rasterizer.update(strokes.toArray());
      const drawing = live ? [...peerDrawings, { ...live, id: 'live' }] : peerDrawings;
      const labels = drawing.length > 0 ? rasterizer.withStrokes(drawing) : map.slice();
      const made: Made = { version: docVersion(doc), seenAt: dirtySince, live: drawing.length > 0, labels, z: zRef.current };
      if (shown && shown.z === made.z && sameBytes(shown.labels, labels)) {
        if (shown.frame.version !== made.version || shown.frame.live !== made.live) {
          shown.frame = { ...shown.frame, version: made.version, live: made.live, latencyMs: performance.now() - made.seenAt };
          setFrame(shown.frame);
        }
        return;
      }
      busy = true;
      lastRunAt = performance.now();
      const style = made.z ?? new Float32Array(model.zDim);
      const id = nextId++;
      inFlight.set(id, made);
      send({ type: 'run', id, labels: labels.slice(), z: style.slice() });
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
    liveSink.current = (stroke) => {
      live = stroke;
      schedule();
    };
    peerSink.current = (drawings) => {
      if (drawings.length === 0 && peerDrawings.length === 0) return; // presence moved, nobody draws
      peerDrawings = drawings;
      schedule();
    };

    worker.onmessage = (event: MessageEvent<FromWorker>) => {
      const m = event.data;
      if (m.type === 'progress') setState({ status: 'loading', progress: m.total ? m.loaded / m.total : 0 });
      else if (m.type === 'ready') {
        ready = true;
        setState((s) => ({
          status: 'ready',
          backend: m.backend,
          timings: m.timings,
          loadMs: m.loadMs,
          bytes: m.bytes,
          lastMs: s.status === 'ready' ? s.lastMs : null,
          settled: m.settled,
        }));
        schedule();
      } else if (m.type === 'frame') {
        busy = false;
        const info = inFlight.get(m.id);
        inFlight.delete(m.id);
        if (info) {
          // the worker transferred the buffer: no copy
          const f: PreviewFrame = {
            image: new ImageData(m.rgba, m.width, m.height),
            version: info.version,
            latencyMs: performance.now() - info.seenAt,
            runMs: m.ms,
            live: info.live,
          };
          shown = { frame: f, labels: info.labels, z: info.z };
          setFrame(f);
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
    // diagnostics and benchmarks: ?previewBackend=wasm&previewReuse=0
    const query = new URLSearchParams(location.search);
    const force = query.get('previewBackend');
    send({
      type: 'load',
      url: preview.url,
      wasmPath: '/vendor/tfjs-wasm/',
      ...(force === 'wasm' || force === 'webgl' || force === 'webgpu' ? { force } : {}),
      ...(query.get('previewReuse') === '0' ? { reuse: false } : {}),
    });
    return () => {
      strokes.unobserve(schedule);
      if (raf !== null) cancelAnimationFrame(raf);
      kick.current = () => undefined;
      liveSink.current = () => undefined;
      peerSink.current = () => undefined;
      worker.terminate();
    };
  }, [model, strokes, doc]);

  return { state, frame, setLiveStroke, setPeerDrawings };
}
