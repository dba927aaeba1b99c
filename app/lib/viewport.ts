/**
 * Zoom and pan of the canvas inside its square frame. Positions are fractions of the frame's side
 * (0..1), so a view survives the frame being resized: a canvas point u (0..1) shows at
 * u * scale + offset. At scale 1 the whole canvas fills the frame ("fit").
 */
export interface View {
  scale: number;
  x: number;
  y: number;
}

export const FIT: View = { scale: 1, x: 0, y: 0 };
export const MAX_SCALE = 16;

/** Keeps the scale in [1, MAX_SCALE] and the canvas covering the whole frame (no empty margins). */
export function clampView(v: View): View {
  const scale = Math.min(MAX_SCALE, Math.max(1, v.scale));
  const clamp = (o: number) => Math.min(0, Math.max(1 - scale, o));
  return { scale, x: clamp(v.x), y: clamp(v.y) };
}

/** Zooms by `factor` keeping the canvas point under frame position (fx, fy) where it is. */
export function zoomAt(v: View, factor: number, fx: number, fy: number): View {
  const scale = Math.min(MAX_SCALE, Math.max(1, v.scale * factor));
  const k = scale / v.scale;
  return clampView({ scale, x: fx - (fx - v.x) * k, y: fy - (fy - v.y) * k });
}

export function panBy(v: View, dx: number, dy: number): View {
  return clampView({ scale: v.scale, x: v.x + dx, y: v.y + dy });
}

/** Canvas point (0..1 each way, clamped to the canvas) under frame position (fx, fy). */
export function toCanvas(v: View, fx: number, fy: number): [number, number] {
  const c = (f: number, o: number) => Math.min(1, Math.max(0, (f - o) / v.scale));
  return [c(fx, v.x), c(fy, v.y)];
}

type Point = readonly [number, number];

/**
 * Two-finger pinch: from the view when the fingers landed at a0, b0 to the fingers at a, b. The
 * scale follows the fingers' distance and the canvas point under their first midpoint follows
 * their midpoint (so the gesture also pans).
 */
export function pinch(start: View, a0: Point, b0: Point, a: Point, b: Point): View {
  const d0 = Math.hypot(b0[0] - a0[0], b0[1] - a0[1]);
  const d = Math.hypot(b[0] - a[0], b[1] - a[1]);
  const scale = Math.min(MAX_SCALE, Math.max(1, start.scale * (d0 > 0 ? d / d0 : 1)));
  const m0 = [(a0[0] + b0[0]) / 2, (a0[1] + b0[1]) / 2];
  const m = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
  const k = scale / start.scale;
  return clampView({ scale, x: m[0] - (m0[0] - start.x) * k, y: m[1] - (m0[1] - start.y) * k });
}

/** Wheel delta -> zoom factor: a notch (100 px) zooms by ~1.2; trackpad pinches (ctrl + wheel) send small deltas, so they count more. */
export function wheelFactor(deltaY: number, deltaMode: number, pinchGesture: boolean): number {
  const px = deltaMode === 1 ? deltaY * 33 : deltaMode === 2 ? deltaY * 800 : deltaY;
  return Math.exp(-px * (pinchGesture ? 0.01 : 0.0018));
}
