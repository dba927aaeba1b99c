import { io, type Socket } from 'socket.io-client';
import type * as Y from 'yjs';
import { docVersion } from '../../lib/docVersion';
import type { FrameMeta } from '../../lib/protocol';
import { EVENTS } from '../../lib/events';
import type { Stroke } from '../../lib/strokes';
import { percentile } from './procStats';

interface Sent {
  version: number;
  at: number;
}

/**
 * Stroke -> frame latency at one watcher per room, as bench:render and bench:queue measure it.
 * `measuring` gates the latencies, `counting` the frame counts (frames/s cover only the painting,
 * latencies also the drain after it).
 */
export class FrameWatch {
  measuring = false;
  counting = false;
  frames = 0;
  drafts = 0;
  readonly toFrame: number[] = [];
  readonly toFull: number[] = [];
  private readonly sockets: Socket[] = [];
  /** Per room: strokes not yet in any frame, and strokes not yet in a full-quality frame. */
  private readonly pending: Array<{ any: Sent[]; full: Sent[] }> = [];

  /** Joins `room` as a watcher (rooms are numbered in the order they are watched); `onCounted` sees each counted frame. */
  async watch(url: string, room: string, onCounted?: (meta: FrameMeta) => void): Promise<void> {
    const waiting = { any: [] as Sent[], full: [] as Sent[] };
    this.pending.push(waiting);
    // The room in the handshake, as the page opens it: a sync instance forwards it to the room's owner.
    const socket = io(url, { transports: ['websocket'], forceNew: true, query: { room } });
    this.sockets.push(socket);
    socket.on(EVENTS.frame, (meta: FrameMeta) => {
      const now = performance.now();
      if (!this.measuring) return;
      if (this.counting) {
        this.frames += 1;
        if (meta.quality === 'draft') this.drafts += 1;
        onCounted?.(meta);
      }
      // Every stroke this frame includes is now visible at the watcher (at full quality if full).
      const seen = (queue: Sent[], into: number[]) => {
        while (queue.length > 0 && queue[0].version <= meta.version) into.push(now - queue.shift()!.at);
      };
      seen(waiting.any, this.toFrame);
      if (meta.quality === 'full') seen(waiting.full, this.toFull);
    });
    await new Promise<void>((resolve) => socket.on('connect', () => socket.emit(EVENTS.join, room, () => resolve())));
  }

  /** Call right after room `r`'s painter pushed a stroke: its frames are waited for from now. */
  painted(r: number, doc: Y.Doc): void {
    const stroke = { version: docVersion(doc), at: performance.now() };
    this.pending[r].any.push(stroke);
    this.pending[r].full.push(stroke);
  }

  /**
   * After every room's first frame, calls `paint(r, i)` for each room every `everyMs` for
   * `seconds` (frames counted), then keeps measuring latencies for `drainMs`. Returns the seconds
   * painted, for frames/s.
   */
  async measure(
    opts: { rooms: number; everyMs: number; seconds: number; drainMs: number },
    paint: (r: number, i: number) => void,
  ): Promise<number> {
    await new Promise((r) => setTimeout(r, 1500)); // every room's first frame
    this.measuring = true;
    this.counting = true;
    const t0 = performance.now();
    const stop = paintStaggered(opts.rooms, opts.everyMs, paint);
    await new Promise((r) => setTimeout(r, opts.seconds * 1000));
    stop();
    const wall = (performance.now() - t0) / 1000;
    this.counting = false;
    await new Promise((r) => setTimeout(r, opts.drainMs));
    this.measuring = false;
    return wall;
  }

  /** Strokes no full-quality frame has shown yet. */
  unanswered(): number {
    return this.pending.reduce((n, p) => n + p.full.length, 0);
  }

  close(): void {
    for (const s of this.sockets) s.disconnect();
  }
}

/**
 * Calls `paint(r, i)` for each of `rooms` rooms every `everyMs`, the rooms spread evenly over the
 * period; `i` counts strokes across all rooms. Returns what stops it.
 */
function paintStaggered(rooms: number, everyMs: number, paint: (r: number, i: number) => void): () => void {
  let i = 0;
  const timers = Array.from({ length: rooms }, (_, r) =>
    setTimeout(
      () => {
        const once = () => {
          i += 1;
          paint(r, i);
        };
        once();
        timers[r] = setInterval(once, everyMs);
      },
      (r * everyMs) / rooms,
    ),
  );
  return () => {
    for (const t of timers) clearInterval(t);
  };
}

/** The benches' stroke `i`: a wide brush band across the canvas, tree and grass in turn. */
export function bandStroke(id: string, i: number): Stroke {
  const y = 100 + ((i * 53) % 800);
  return { id, tool: 'brush', label: i % 2 ? 'tree' : 'grass', size: 60, points: [100, y, 500, y + 40, 900, y] };
}

const f = (n: number) => n.toFixed(0);
/** `p50 / p95` in whole ms, or `-` with no values. */
export const p50p95 = (values: number[]) => (values.length > 0 ? `${f(percentile(values, 50))} / ${f(percentile(values, 95))}` : '-');
