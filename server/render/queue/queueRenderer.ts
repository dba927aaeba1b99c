import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents } from 'bullmq';
import type { Logger } from '../../log';
import type { FrameRenderer, RenderedFrame, RenderRequest } from '../renderer';
import { closeWithin } from './closing';
import { decodeResult, encodeJob, EVENTS_MAX_LEN, RENDER_JOB, type RenderJobData } from './jobs';

export interface QueueRendererOptions {
  url: string;
  queueName: string;
  /** How long a render may wait for a worker before it counts as failed. */
  timeoutMs: number;
}

type Outcome = { ok: true; value: unknown } | { ok: false; reason: string };

const TIMED_OUT = (ms: number) => `no render worker finished it within ${ms} ms`;

/** Closing with Redis gone: how long to wait before dropping the connections. */
const CLOSE_GRACE_MS = 2000;

function frameOf(outcome: Outcome): RenderedFrame {
  if (!outcome.ok) throw new Error(`render job failed: ${outcome.reason}`);
  return decodeResult(outcome.value);
}

/**
 * Renders through render workers (`npm run worker`): each render is a BullMQ job carrying the
 * label map and style; the frame comes back as the job's result on the queue's events stream.
 *
 * One job per room at a time: jobs are deduplicated by room id, so while a job of a room exists
 * (waiting or active, from this instance or another) no second one is added. RenderService's
 * scheduler already keeps one render per room in flight; when a job is still there anyway (an
 * earlier render's wait timed out while no worker ran, or another instance queued it), this one
 * waits for it to finish and then queues its own, newer state, so the latest state is what
 * renders last.
 */
export class QueueRenderer implements FrameRenderer {
  private readonly queue: Queue<RenderJobData>;
  private readonly events: QueueEvents;
  private readonly waiters = new Map<string, Set<(outcome: Outcome) => void>>();

  constructor(
    private readonly options: QueueRendererOptions,
    private readonly log: Logger,
  ) {
    const connection = { url: options.url };
    this.queue = new Queue<RenderJobData>(options.queueName, {
      connection,
      streams: { events: { maxLen: EVENTS_MAX_LEN } },
      // A render that throws is not retried: the next edit renders the room again. A worker that
      // dies mid-job is another matter: the job stalls and another worker takes it (RenderWorker).
      defaultJobOptions: { attempts: 1, removeOnComplete: true, removeOnFail: { count: 100 } },
    });
    this.events = new QueueEvents(options.queueName, { connection, autorun: false });
    this.events.on('completed', ({ jobId, returnvalue }) => this.settle(jobId, { ok: true, value: returnvalue }));
    this.events.on('failed', ({ jobId, failedReason }) => this.settle(jobId, { ok: false, reason: failedReason }));
    // Redis going away is logged; the connections reconnect on their own and renders time out meanwhile.
    this.queue.on('error', (error) => log.error({ err: error }, 'render queue error'));
    this.events.on('error', (error) => log.error({ err: error }, 'render queue events error'));
  }

  async start(): Promise<void> {
    void this.events.run().catch((error: unknown) => this.log.error({ err: error }, 'render queue events stopped'));
    await Promise.all([this.queue.waitUntilReady(), this.events.waitUntilReady()]);
    this.log.info({ queue: this.options.queueName }, 'rendering through the render queue');
  }

  /** Resolves when Redis answers (readiness): a read of the queue's counts. */
  async ping(): Promise<void> {
    await this.queue.getJobCounts('wait');
  }

  /** Workers load the models; what they cannot render fails its job. */
  failure(): null {
    return null;
  }

  async render(request: RenderRequest): Promise<RenderedFrame> {
    const deadline = Date.now() + this.options.timeoutMs;
    const data = encodeJob(request);
    for (;;) {
      const jobId = randomUUID();
      // Listening before adding: a fast worker's result cannot arrive unheard.
      const outcome = this.outcome(jobId, deadline);
      // While Redis is unreachable a command waits for the reconnection; the deadline does not.
      const adding = this.queue.add(RENDER_JOB, data, { jobId, deduplication: { id: request.roomId } });
      adding.catch(() => undefined);
      const first = await Promise.race([adding, outcome.promise]).catch((error: unknown) => {
        outcome.cancel();
        throw error;
      });
      if ('ok' in first) return frameOf(first);
      if (first.id === jobId) return frameOf(await outcome.promise);
      outcome.cancel();
      // Deduplicated: another job of this room holds it. Its frame (an older state) goes to its
      // own waiter, if any; this render queues the current state once it has finished.
      const holder = first.id!;
      this.log.debug({ room: request.roomId, holder }, 'render waits for the room job in the queue');
      const other = this.outcome(holder, deadline);
      const reading = this.queue.getJobState(holder);
      reading.catch(() => undefined);
      const state = await Promise.race([reading, other.promise]);
      if (state === 'completed' || state === 'failed' || state === 'unknown') other.cancel();
      else if (typeof state === 'string') await other.promise;
      if (Date.now() >= deadline) throw new Error(`render job failed: ${TIMED_OUT(this.options.timeoutMs)}`);
    }
  }

  /** The outcome of a job as its finished event reports it; times out at the deadline. */
  private outcome(jobId: string, deadline: number): { promise: Promise<Outcome>; cancel(): void } {
    let listener: (outcome: Outcome) => void = () => undefined;
    let timer: NodeJS.Timeout | undefined;
    const remove = () => {
      clearTimeout(timer);
      const set = this.waiters.get(jobId);
      set?.delete(listener);
      if (set?.size === 0) this.waiters.delete(jobId);
    };
    const promise = new Promise<Outcome>((resolve) => {
      listener = (outcome) => {
        remove();
        resolve(outcome);
      };
      timer = setTimeout(() => listener({ ok: false, reason: TIMED_OUT(this.options.timeoutMs) }), Math.max(0, deadline - Date.now()));
    });
    const set = this.waiters.get(jobId) ?? new Set();
    set.add(listener);
    this.waiters.set(jobId, set);
    return { promise, cancel: remove };
  }

  private settle(jobId: string, outcome: Outcome): void {
    for (const listener of this.waiters.get(jobId) ?? []) listener(outcome);
  }

  async close(): Promise<void> {
    for (const jobId of [...this.waiters.keys()]) this.settle(jobId, { ok: false, reason: 'renderer closed' });
    await closeWithin(Promise.all([this.events.close(), this.queue.close()]), CLOSE_GRACE_MS, () =>
      Promise.all([this.events.disconnect(), this.queue.disconnect()]),
    );
  }
}
