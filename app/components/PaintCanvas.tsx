'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import type { Awareness } from 'y-protocols/awareness';
import { CANVAS_SIZE } from '@/lib/canvas';
import { labelMapToRGBA, type LabelSet } from '@/lib/labels';
import { IncrementalRasterizer } from '@/lib/raster';
import { newStrokeId, STROKE_LIMITS, type Stroke, type Tool } from '@/lib/strokes';
import { MAX_LIVE_POINTS } from '@/lib/presence';
import { docVersion } from '@/lib/docVersion';
import { LOCAL_ORIGIN, type Peer, type RoomSync } from '../hooks/useRoomSync';
import { clampView, FIT, panBy, pinch, toCanvas, zoomAt, type View } from '../lib/viewport';
import { useCanvasView, ZOOM_STEP } from '../hooks/useCanvasView';

/** Resolution of the on-screen label map; CSS scales it to the available space. */
export const DISPLAY_RES = 512;
/** Pointer moves closer than this (canvas units) to the last point add nothing. */
const MIN_STEP = 3;

export type PaintTool = Exclude<Tool, 'clear'>;

interface Props {
  sync: RoomSync;
  labels: LabelSet;
  tool: PaintTool;
  label: string;
  size: number;
  userId: string;
  peers: Peer[];
  /** Called with the label map after each repaint (preview and tests read it). */
  onLabelMap?: (map: Uint8Array, version: number) => void;
  /** Called as the local stroke being drawn changes (null when it ends): the live preview. */
  onLiveStroke?: (stroke: Omit<Stroke, 'id' | 'by'> | null) => void;
  /** Alt-click (the eyedropper) picked the label under the pointer. */
  onPickLabel?: (name: string) => void;
  /** Follow mode: the followed person and their view, shown as it changes (null: my own view). */
  follow?: { name: string; color: string; view: View | null } | null;
  /** I moved the view myself while following: follow mode ends. */
  onUnfollow?: () => void;
}

type Point = [number, number];

/** What the pointers are doing besides painting: moving the view. */
type Gesture =
  { kind: 'pan'; pointerId: number; last: Point } | { kind: 'pinch'; ids: [number, number]; start: View; a0: Point; b0: Point };

/** Where the mouse or pen hovers (frame fractions) and whether Alt (the eyedropper) is held. */
interface Hover {
  at: Point;
  canvas: Point;
  alt: boolean;
}

interface Draft {
  tool: PaintTool;
  label: string;
  size: number;
  points: number[];
}

function colorOf(labels: LabelSet, name: string): string {
  const l = labels.labels.find((x) => x.name === name);
  return l ? `rgb(${l.color.join(',')})` : '#000';
}

function drawDraft(ctx: CanvasRenderingContext2D, labels: LabelSet, d: Draft | Peer['drawing'], outline?: string) {
  if (!d || d.points.length < 2) return;
  const k = DISPLAY_RES / CANVAS_SIZE;
  ctx.save();
  ctx.strokeStyle = colorOf(labels, d.label);
  ctx.fillStyle = ctx.strokeStyle;
  ctx.lineWidth = Math.max(1, d.size * k);
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  if (outline) {
    ctx.shadowColor = outline;
    ctx.shadowBlur = 4;
  }
  ctx.beginPath();
  ctx.moveTo(d.points[0] * k, d.points[1] * k);
  if (d.points.length === 2) ctx.lineTo(d.points[0] * k + 0.01, d.points[1] * k);
  for (let i = 2; i < d.points.length; i += 2) ctx.lineTo(d.points[i] * k, d.points[i + 1] * k);
  ctx.stroke();
  ctx.restore();
}

/**
 * The shared label map: strokes from the Y.Array rasterised (lib/raster, the same bytes the
 * server renders from) plus an overlay for strokes in progress, ours and our peers'. The frame
 * takes every pointer (its 1 px border included, where strokes used to start unseen) and maps
 * it through the view (zoom and pan: wheel, pinch, space- or middle-drag, + - and Shift+0).
 */
export function PaintCanvas({
  sync,
  labels,
  tool,
  label,
  size,
  userId,
  peers,
  onLabelMap,
  onLiveStroke,
  onPickLabel,
  follow,
  onUnfollow,
}: Props) {
  const frameRef = useRef<HTMLDivElement>(null);
  const mapRef = useRef<HTMLCanvasElement>(null);
  const overlayRef = useRef<HTMLCanvasElement>(null);
  const mapIds = useRef<Uint8Array | null>(null);
  const draft = useRef<Draft | null>(null);
  const { view, viewRef, setView, showView, framePos, hovering, spaceHeld } = useCanvasView(frameRef, onUnfollow);
  const gesture = useRef<Gesture | null>(null);
  const touches = useRef(new Map<number, Point>());
  const [hover, setHover] = useState<Hover | null>(null);
  const frame = useRef<number | null>(null);
  const peersRef = useRef(peers);
  peersRef.current = peers;
  const onLabelMapRef = useRef(onLabelMap);
  onLabelMapRef.current = onLabelMap;
  const awareness: Awareness = sync.provider.awareness;

  // Follow mode: show the followed person's view as it changes.
  const followScale = follow?.view?.scale;
  const followX = follow?.view?.x;
  const followY = follow?.view?.y;
  useEffect(() => {
    if (followScale !== undefined && followX !== undefined && followY !== undefined)
      showView(clampView({ scale: followScale, x: followX, y: followY }));
  }, [followScale, followX, followY, showView]);

  // My view in presence, so others can follow it; at most every 100 ms while zooming or panning.
  const published = useRef<{ at: number; timer: ReturnType<typeof setTimeout> | null }>({ at: 0, timer: null });
  useEffect(() => {
    const p = published.current;
    const publish = () => {
      p.timer = null;
      p.at = performance.now();
      awareness.setLocalStateField('view', { ...viewRef.current });
    };
    if (p.timer !== null) return;
    const wait = 100 - (performance.now() - p.at);
    if (wait <= 0) publish();
    else p.timer = setTimeout(publish, wait);
  }, [view, awareness, viewRef]);
  useEffect(() => () => void (published.current.timer !== null && clearTimeout(published.current.timer)), []);

  const paintOverlay = useCallback(() => {
    const ctx = overlayRef.current?.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, DISPLAY_RES, DISPLAY_RES);
    for (const p of peersRef.current) drawDraft(ctx, labels, p.drawing, p.user.color);
    drawDraft(ctx, labels, draft.current);
  }, [labels]);

  // Repaint the label map whenever the shared stroke list changes (coalesced per frame).
  useEffect(() => {
    const rasterizer = new IncrementalRasterizer(DISPLAY_RES, DISPLAY_RES, labels);
    const image = new ImageData(DISPLAY_RES, DISPLAY_RES);
    const repaint = () => {
      frame.current = null;
      const { map } = rasterizer.update(sync.strokes.toArray());
      mapIds.current = map;
      labelMapToRGBA(map, labels, image.data);
      mapRef.current?.getContext('2d')?.putImageData(image, 0, 0);
      onLabelMapRef.current?.(map, docVersion(sync.doc));
    };
    const schedule = () => {
      frame.current ??= requestAnimationFrame(repaint);
    };
    sync.strokes.observe(schedule);
    repaint();
    return () => {
      sync.strokes.unobserve(schedule);
      if (frame.current !== null) cancelAnimationFrame(frame.current);
      frame.current = null;
    };
  }, [sync, labels]);

  useEffect(paintOverlay, [peers, paintOverlay]);

  /** Integer canvas coordinates under a frame position, through the current view. */
  const canvasAt = (p: Point): Point => {
    const [u, v] = toCanvas(viewRef.current, p[0], p[1]);
    return [Math.round(u * CANVAS_SIZE), Math.round(v * CANVAS_SIZE)];
  };

  const labelAt = (c: Point): string | null => {
    const ids = mapIds.current;
    if (!ids) return null;
    const px = Math.min(DISPLAY_RES - 1, Math.floor((c[0] / CANVAS_SIZE) * DISPLAY_RES));
    const py = Math.min(DISPLAY_RES - 1, Math.floor((c[1] / CANVAS_SIZE) * DISPLAY_RES));
    const id = ids[py * DISPLAY_RES + px];
    return labels.labels.find((l) => l.id === id)?.name ?? null;
  };

  const publish = (d: Draft | null) => {
    awareness.setLocalStateField('drawing', d && { ...d, points: d.points.slice(-MAX_LIVE_POINTS * 2) });
    onLiveStroke?.(d && { ...d, points: d.points.slice() });
  };

  const commit = (stroke: Omit<Stroke, 'id' | 'by'>) => {
    sync.doc.transact(() => sync.strokes.push([{ ...stroke, id: newStrokeId(), by: userId }]), LOCAL_ORIGIN);
  };

  /** Drops the stroke in progress without committing it (a second finger turned it into a pinch). */
  const discard = () => {
    if (!draft.current) return;
    draft.current = null;
    publish(null);
    paintOverlay();
  };

  const onPointerDown = (e: React.PointerEvent) => {
    if (e.target instanceof Element && e.target.closest('button')) return; // the zoom controls
    const at = framePos(e);
    if (e.pointerType === 'touch') {
      touches.current.set(e.pointerId, at);
      if (touches.current.size === 2) {
        discard();
        const [[ia, a0], [ib, b0]] = [...touches.current];
        gesture.current = { kind: 'pinch', ids: [ia, ib], start: viewRef.current, a0, b0 };
        e.currentTarget.setPointerCapture(e.pointerId);
        return;
      }
      if (touches.current.size > 2) return;
    }
    if (e.button === 1 || (e.button === 0 && spaceHeld)) {
      e.preventDefault();
      e.currentTarget.setPointerCapture(e.pointerId);
      gesture.current = { kind: 'pan', pointerId: e.pointerId, last: at };
      return;
    }
    if (e.button !== 0 || gesture.current) return;
    const [x, y] = canvasAt(at);
    if (e.altKey) {
      const picked = labelAt([x, y]);
      if (picked) onPickLabel?.(picked);
      return;
    }
    if (tool === 'fill') {
      commit({ tool: 'fill', label, size: 1, points: [x, y] });
      return;
    }
    e.currentTarget.setPointerCapture(e.pointerId);
    draft.current = { tool, label: tool === 'erase' ? labels.background : label, size, points: [x, y] };
    publish(draft.current);
    paintOverlay();
  };

  const onPointerMove = (e: React.PointerEvent) => {
    const at = framePos(e);
    if (e.pointerType === 'touch' && touches.current.has(e.pointerId)) touches.current.set(e.pointerId, at);
    const g = gesture.current;
    if (g?.kind === 'pinch') {
      const a = touches.current.get(g.ids[0]);
      const b = touches.current.get(g.ids[1]);
      if (a && b) setView(pinch(g.start, g.a0, g.b0, a, b));
      return;
    }
    if (g?.kind === 'pan') {
      if (g.pointerId === e.pointerId) {
        setView((v) => panBy(v, at[0] - g.last[0], at[1] - g.last[1]));
        g.last = at;
      }
      return;
    }
    const [x, y] = canvasAt(at);
    if (e.pointerType !== 'touch') setHover({ at, canvas: [x, y], alt: e.altKey });
    awareness.setLocalStateField('cursor', { x, y });
    const d = draft.current;
    if (!d) return;
    if (d.tool === 'line') {
      d.points = [d.points[0], d.points[1], x, y];
    } else {
      const n = d.points.length;
      const dx = x - d.points[n - 2];
      const dy = y - d.points[n - 1];
      if (dx * dx + dy * dy < MIN_STEP * MIN_STEP) return;
      d.points.push(x, y);
      // A very long stroke is committed in pieces so no record exceeds the point limit.
      if (d.points.length >= STROKE_LIMITS.maxPoints * 2) {
        commit({ tool: d.tool, label: d.label, size: d.size, points: d.points });
        d.points = [x, y];
      }
    }
    publish(d);
    paintOverlay();
  };

  const onPointerEnd = (e: React.PointerEvent) => {
    touches.current.delete(e.pointerId);
    const g = gesture.current;
    if (g) {
      // A pinch ends when a finger lifts (the other one does not start painting); a pan with its pointer.
      if (g.kind === 'pinch' ? g.ids.includes(e.pointerId) : g.pointerId === e.pointerId) gesture.current = null;
      return;
    }
    finish();
  };

  const finish = () => {
    const d = draft.current;
    draft.current = null;
    if (d) {
      const points = d.tool === 'line' && d.points.length === 2 ? [...d.points, ...d.points] : d.points;
      commit({ tool: d.tool, label: d.label, size: d.size, points });
    }
    publish(null);
    paintOverlay();
  };

  // Frame position (percent) of a canvas point under the current view.
  const onScreen = (x: number, y: number) => [
    ((x / CANVAS_SIZE) * view.scale + view.x) * 100,
    ((y / CANVAS_SIZE) * view.scale + view.y) * 100,
  ];
  const hoverLabel = hover && labelAt(hover.canvas);
  const panning = spaceHeld || gesture.current?.kind === 'pan';
  const mode = panning ? 'mode-pan' : hover?.alt ? 'mode-pick' : `tool-${tool}`;

  return (
    <div
      ref={frameRef}
      className={`canvas-frame ${mode}${view.scale > 1 ? ' zoomed' : ''}`}
      data-testid="paint-canvas"
      data-scale={view.scale.toFixed(3)}
      data-view={`${view.x.toFixed(3)},${view.y.toFixed(3)}`}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerEnd}
      onPointerCancel={onPointerEnd}
      onPointerEnter={() => (hovering.current = true)}
      onPointerLeave={() => {
        hovering.current = false;
        setHover(null);
        awareness.setLocalStateField('cursor', null);
      }}
    >
      <div className="canvas-world" style={{ transform: `translate(${view.x * 100}%, ${view.y * 100}%) scale(${view.scale})` }}>
        <canvas ref={mapRef} width={DISPLAY_RES} height={DISPLAY_RES} className="label-map" data-testid="label-map" />
        <canvas ref={overlayRef} width={DISPLAY_RES} height={DISPLAY_RES} className="overlay" />
      </div>
      {hover && !panning && tool !== 'fill' && !hover.alt && (
        <div
          className="brush-ring"
          aria-hidden
          style={{
            left: `${hover.at[0] * 100}%`,
            top: `${hover.at[1] * 100}%`,
            width: `${(size / CANVAS_SIZE) * view.scale * 100}%`,
            height: `${(size / CANVAS_SIZE) * view.scale * 100}%`,
          }}
        />
      )}
      {hover && hoverLabel && !panning && (
        <div className="hover-label" data-testid="hover-label" style={{ left: `${hover.at[0] * 100}%`, top: `${hover.at[1] * 100}%` }}>
          {hover.alt ? `Pick ${hoverLabel}` : hoverLabel}
        </div>
      )}
      {peers.map((p) => {
        if (!p.cursor) return null;
        const [left, top] = onScreen(p.cursor.x, p.cursor.y);
        if (left < 0 || left > 100 || top < 0 || top > 100) return null;
        return (
          <div
            key={p.clientId}
            className="cursor"
            data-testid="remote-cursor"
            style={{ left: `${left}%`, top: `${top}%`, color: p.user.color }}
          >
            <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden>
              <path d="M1 1 L14 7 L8 8 L6 14 Z" fill="currentColor" stroke="#fff" strokeWidth="1" />
            </svg>
            <span style={{ background: p.user.color }}>{p.user.name}</span>
          </div>
        );
      })}
      {follow && (
        <div className="follow-banner" data-testid="follow-banner" style={{ borderColor: follow.color }}>
          Following {follow.name} · Esc or zoom to stop{' '}
          <button className="small-button" onClick={onUnfollow} data-testid="stop-follow">
            Stop
          </button>
        </div>
      )}
      <div className="zoom-controls" role="group" aria-label="Zoom">
        <button
          onClick={() => setView((v) => zoomAt(v, 1 / ZOOM_STEP, 0.5, 0.5))}
          disabled={view.scale <= 1}
          title="Zoom out (-)"
          aria-label="Zoom out"
        >
          −
        </button>
        <output data-testid="zoom-level" aria-label="Zoom level">
          {Math.round(view.scale * 100)}%
        </output>
        <button onClick={() => setView((v) => zoomAt(v, ZOOM_STEP, 0.5, 0.5))} title="Zoom in (+, wheel, pinch)" aria-label="Zoom in">
          +
        </button>
        <button onClick={() => setView(FIT)} disabled={view.scale === 1} title="Fit the canvas (Shift+0)" data-testid="zoom-fit">
          Fit
        </button>
      </div>
    </div>
  );
}
