export interface SchedulerOptions {
  /** Renders allowed at once across all rooms (sized to the ONNX sessions' capacity). */
  concurrency: number;
  /** Rooms nobody is watching are not rendered. */
  isWatched(roomId: string): boolean;
  /** Renders the room's latest state. */
  render(roomId: string): Promise<void>;
  onError?(roomId: string, error: unknown): void;
}

/**
 * Decides which room renders next. A change marks a room dirty; each room has at most one render
 * in flight and at most one place in the queue, so edits during a render coalesce into a single
 * follow-up render of the latest state (latest wins; the queue is bounded by the number of
 * rooms). Rooms are served round-robin: a room that rendered goes to the back of the queue.
 */
export class RenderScheduler {
  private readonly dirty = new Set<string>();
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly inFlight = new Set<string>();
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: SchedulerOptions) {}

  markDirty(roomId: string): void {
    this.dirty.add(roomId);
    if (!this.inFlight.has(roomId)) this.enqueue(roomId);
    this.pump();
  }

  /** Forgets a room (unloaded): it leaves the queue; a render in flight finishes harmlessly. */
  forget(roomId: string): void {
    this.dirty.delete(roomId);
    if (this.queued.delete(roomId)) this.queue.splice(this.queue.indexOf(roomId), 1);
  }

  get pending(): number {
    return this.queue.length;
  }

  get running(): number {
    return this.inFlight.size;
  }

  /** Resolves when nothing is queued or running (tests, shutdown). */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private enqueue(roomId: string): void {
    if (this.queued.has(roomId)) return;
    this.queued.add(roomId);
    this.queue.push(roomId);
  }

  private pump(): void {
    while (this.inFlight.size < this.options.concurrency && this.queue.length > 0) {
      const roomId = this.queue.shift()!;
      this.queued.delete(roomId);
      // Unwatched rooms stay dirty, so they render when someone looks again (markDirty on join).
      if (!this.options.isWatched(roomId)) continue;
      void this.run(roomId);
    }
    if (this.queue.length === 0 && this.inFlight.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private async run(roomId: string): Promise<void> {
    this.inFlight.add(roomId);
    this.dirty.delete(roomId);
    try {
      await this.options.render(roomId);
    } catch (error) {
      this.options.onError?.(roomId, error);
    } finally {
      this.inFlight.delete(roomId);
      if (this.dirty.has(roomId)) this.enqueue(roomId);
      this.pump();
    }
  }
}
