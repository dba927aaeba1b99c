import type { FrameQuality } from '../../lib/protocol';

export interface SchedulerOptions {
  /**
   * Renders allowed in the generator at once across all rooms (sized to the ONNX sessions'
   * capacity). A render that reports its generator done (`generated`) frees its place while its
   * frame is still being encoded, so the next room's inference starts at once.
   */
  concurrency: number;
  /** Rooms nobody is watching are not rendered. */
  isWatched(roomId: string): boolean;
  /**
   * Renders the room's latest state at the asked quality. Resolves with the quality actually
   * rendered (a model without a draft graph renders 'full' when asked for 'draft'), or null
   * when nothing was rendered; may call `generated` once only the encoding is left.
   */
  render(roomId: string, quality: FrameQuality, generated: () => void): Promise<FrameQuality | null>;
  onError?(roomId: string, error: unknown): void;
  /**
   * A room renders a draft when at least this many other rooms are queued behind it (or another
   * render is running). Default 2: one waiting room can afford one full frame's wait; from two
   * on, full frames in turn would keep each room waiting several frames.
   */
  draftWhenQueued?: number;
}

/**
 * Decides which room renders next, and at which quality. A change marks a room dirty; each room
 * has at most one render in flight and at most one place in the queue, so edits during a render
 * coalesce into a single follow-up render of the latest state (latest wins; the queue is bounded
 * by the number of rooms). Rooms are served round-robin: a room that rendered goes to the back.
 *
 * Progressive rendering: while other rooms compete for the renderer (`draftWhenQueued` of them
 * queued dirty, or another rendering), a dirty room is rendered as a cheap draft, so every busy
 * room sees its edit quickly instead of waiting for several full frames. A room whose draft was not followed by new edits owes a full
 * frame: that refresh yields to dirty rooms, but once it has been passed over for one round of
 * the rooms that were queued when it became due, it goes first, so it cannot starve.
 */
export class RenderScheduler {
  private readonly dirty = new Set<string>();
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly inFlight = new Set<string>();
  /** Renders of `inFlight` still in the generator (not yet reported generated). */
  private generating = 0;
  /** Rooms owing a full frame, oldest first, with how many more dirty renders may pass them. */
  private readonly refresh = new Map<string, { passes: number }>();
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: SchedulerOptions) {}

  markDirty(roomId: string): void {
    this.dirty.add(roomId);
    // The next render takes the latest state anyway; a refresh of the old one would be wasted.
    this.refresh.delete(roomId);
    if (!this.inFlight.has(roomId)) this.enqueue(roomId);
    this.pump();
  }

  /** Forgets a room (unloaded): it leaves the queue; a render in flight finishes harmlessly. */
  forget(roomId: string): void {
    this.dirty.delete(roomId);
    this.refresh.delete(roomId);
    if (this.queued.delete(roomId)) this.queue.splice(this.queue.indexOf(roomId), 1);
  }

  /** Rooms waiting to render: dirty ones and those owing a full frame after a draft. */
  get pending(): number {
    return this.queue.length + this.refresh.size;
  }

  get running(): number {
    return this.inFlight.size;
  }

  /** Resolves when nothing is queued, owed or running (tests, shutdown). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    return this.queue.length === 0 && this.refresh.size === 0 && this.inFlight.size === 0;
  }

  private enqueue(roomId: string): void {
    if (this.queued.has(roomId)) return;
    this.queued.add(roomId);
    this.queue.push(roomId);
  }

  private pump(): void {
    while (this.generating < this.options.concurrency) {
      const next = this.next();
      if (!next) break;
      void this.run(next.roomId, next.quality);
    }
    if (this.isIdle()) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** The next watched room to render and its quality, or null when nothing can start. */
  private next(): { roomId: string; quality: FrameQuality } | null {
    this.dropUnwatched();
    const [owed] = this.refresh;
    if (owed && (this.queue.length === 0 || owed[1].passes <= 0)) {
      this.refresh.delete(owed[0]);
      return { roomId: owed[0], quality: 'full' };
    }
    const roomId = this.queue.shift();
    if (roomId === undefined) return null;
    this.queued.delete(roomId);
    for (const entry of this.refresh.values()) entry.passes -= 1;
    // Others queued or in the generator share it with this room: draft now, full later.
    const contended = this.queue.length >= (this.options.draftWhenQueued ?? 2) || this.generating > 0;
    return { roomId, quality: contended ? 'draft' : 'full' };
  }

  /**
   * Unwatched rooms leave the queue but stay dirty, so they render when someone looks again
   * (markDirty on join); an owed full frame nobody would see is dropped (a join re-renders).
   */
  private dropUnwatched(): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const roomId = this.queue[i];
      if (this.options.isWatched(roomId)) continue;
      this.queue.splice(i, 1);
      this.queued.delete(roomId);
    }
    for (const roomId of this.refresh.keys()) {
      if (!this.options.isWatched(roomId)) this.refresh.delete(roomId);
    }
  }

  private async run(roomId: string, quality: FrameQuality): Promise<void> {
    this.inFlight.add(roomId);
    this.generating += 1;
    this.dirty.delete(roomId);
    let inGenerator = true;
    /** Frees this render's place in the generator, once; whether it did. */
    const leave = () => {
      if (!inGenerator) return false;
      inGenerator = false;
      this.generating -= 1;
      return true;
    };
    const generated = () => {
      if (leave()) this.pump();
    };
    let rendered: FrameQuality | null = null;
    try {
      rendered = await this.options.render(roomId, quality, generated);
    } catch (error) {
      this.options.onError?.(roomId, error);
    } finally {
      leave();
      this.inFlight.delete(roomId);
      if (this.dirty.has(roomId)) this.enqueue(roomId);
      // A full frame is owed after one round of the rooms waiting now (at least one render).
      else if (rendered === 'draft') this.refresh.set(roomId, { passes: Math.max(1, this.queue.length) });
      this.pump();
    }
  }
}
