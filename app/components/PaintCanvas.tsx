'use client';

import { useCallback, useEffect, useRef } from 'react';
import type { Awareness } from 'y-protocols/awareness';
import { CANVAS_SIZE } from '@/lib/canvas';
import { labelMapToRGBA, type LabelSet } from '@/lib/labels';
import { IncrementalRasterizer } from '@/lib/raster';
import { newStrokeId, STROKE_LIMITS, type Stroke, type Tool } from '@/lib/strokes';
import { MAX_LIVE_POINTS } from '@/lib/presence';
import { docVersion } from '@/lib/docVersion';
import { LOCAL_ORIGIN, type Peer, type RoomSync } from '../hooks/useRoomSync';

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
 * server renders from) plus an overlay for strokes in progress, ours and our peers'.
 */
export function PaintCanvas({ sync, labels, tool, label, size, userId, peers, onLabelMap, onLiveStroke }: Props) {
  const mapRef = useRef<HTMLCanvasElement>(null);
  const overlayRef = useRef<HTMLCanvasElement>(null);
  const draft = useRef<Draft | null>(null);
  const frame = useRef<number | null>(null);
  const peersRef = useRef(peers);
  peersRef.current = peers;
  const onLabelMapRef = useRef(onLabelMap);
  onLabelMapRef.current = onLabelMap;
  const awareness: Awareness = sync.provider.awareness;

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

  const toCanvas = (e: React.PointerEvent): [number, number] => {
    const rect = overlayRef.current!.getBoundingClientRect();
    const clamp = (v: number) => Math.min(CANVAS_SIZE, Math.max(0, Math.round(v)));
    return [clamp(((e.clientX - rect.left) / rect.width) * CANVAS_SIZE), clamp(((e.clientY - rect.top) / rect.height) * CANVAS_SIZE)];
  };

  const publish = (d: Draft | null) => {
    awareness.setLocalStateField('drawing', d && { ...d, points: d.points.slice(-MAX_LIVE_POINTS * 2) });
    onLiveStroke?.(d && { ...d, points: d.points.slice() });
  };

  const commit = (stroke: Omit<Stroke, 'id' | 'by'>) => {
    sync.doc.transact(() => sync.strokes.push([{ ...stroke, id: newStrokeId(), by: userId }]), LOCAL_ORIGIN);
  };

  const onPointerDown = (e: React.PointerEvent) => {
    if (e.button !== 0) return;
    const [x, y] = toCanvas(e);
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
    const [x, y] = toCanvas(e);
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

  return (
    <div className="canvas-frame" data-testid="paint-canvas">
      <canvas ref={mapRef} width={DISPLAY_RES} height={DISPLAY_RES} className="label-map" data-testid="label-map" />
      <canvas
        ref={overlayRef}
        width={DISPLAY_RES}
        height={DISPLAY_RES}
        className={`overlay tool-${tool}`}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={finish}
        onPointerCancel={finish}
        onPointerLeave={() => awareness.setLocalStateField('cursor', null)}
      />
      {peers.map(
        (p) =>
          p.cursor && (
            <div
              key={p.clientId}
              className="cursor"
              data-testid="remote-cursor"
              style={{ left: `${(p.cursor.x / CANVAS_SIZE) * 100}%`, top: `${(p.cursor.y / CANVAS_SIZE) * 100}%`, color: p.user.color }}
            >
              <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden>
                <path d="M1 1 L14 7 L8 8 L6 14 Z" fill="currentColor" stroke="#fff" strokeWidth="1" />
              </svg>
              <span style={{ background: p.user.color }}>{p.user.name}</span>
            </div>
          ),
      )}
    </div>
  );
}
