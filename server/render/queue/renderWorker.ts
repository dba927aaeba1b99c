import os from 'node:os';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { ModelRegistry } from '../../models/modelRegistry';
import type { Logger } from '../../log';
import type { FrameRenderer } from '../renderer';
import { closeWithin } from './closing';
import { decodeJob, encodeResult, type RenderJobData, type RenderJobResult } from './jobs';

/** Long enough for the jobs in hand to finish (a frame takes well under a second on a GPU, a few on a CPU). */
const CLOSE_GRACE_MS = 10_000;

export interface RenderWorkerOptions {
  url: string;
  queueName: string;
  /** Jobs this process renders at once. */
  concurrency: number;
  /**
   * How long a job's lock lasts without renewal (renewed every half of it while rendering). A
   * worker that dies leaves its job locked this long; other workers check for such stalled jobs
   * as often and put them back in the queue, so another worker renders it within about twice this.
   */
  lockMs: number;
}

/**
 * A render worker: takes render jobs from the queue, renders them with its own generators
 * (its own RENDER_PROVIDERS) and returns the encoded frame as the job's result.
 */
export class RenderWorker {
  private readonly worker: Worker<RenderJobData, RenderJobResult>;
  /** This process as jobs' processedBy names it. */
  readonly name = `${os.hostname()}/${process.pid}`;

  constructor(
    private readonly deps: { models: ModelRegistry; renderer: FrameRenderer; log: Logger },
    options: RenderWorkerOptions,
  ) {
    this.worker = new Worker<RenderJobData, RenderJobResult>(options.queueName, (job) => this.process(job), {
      connection: { url: options.url },
      // processedBy on each job: which worker process holds it.
      name: this.name,
      concurrency: options.concurrency,
      lockDuration: options.lockMs,
      stalledInterval: options.lockMs,
      // A job whose worker died is retried once more; a second stall fails it (a job that
      // kills every worker it reaches must not go round forever).
      maxStalledCount: 1,
      autorun: false,
    });
    this.worker.on('failed', (job, error) =>
      deps.log.warn({ job: job?.id, room: job?.data.roomId, reason: error.message }, 'render job failed'),
    );
    this.worker.on('stalled', (jobId) => deps.log.warn({ job: jobId }, 'render job stalled (its worker stopped); queued again'));
    this.worker.on('error', (error) => deps.log.error({ err: error }, 'render worker error'));
  }

  /** Starts taking jobs once the models are loaded. */
  async start(): Promise<void> {
    await this.deps.renderer.start(this.deps.models.list());
    void this.worker.run().catch((error: unknown) => this.deps.log.error({ err: error }, 'render worker stopped'));
    await this.worker.waitUntilReady();
    this.deps.log.info({ worker: this.name, queue: this.worker.name }, 'render worker taking jobs');
  }

  private async process(job: Job<RenderJobData, RenderJobResult>): Promise<RenderJobResult> {
    let request;
    try {
      request = decodeJob(job.data);
    } catch (error) {
      // A malformed job fails for good: retrying cannot make it valid.
      throw new UnrecoverableError(`malformed render job: ${(error as Error).message}`);
    }
    const model = this.deps.models.get(request.modelId);
    if (!model) throw new UnrecoverableError(`this worker has no model ${request.modelId}`);
    const [width, height] = model.size;
    if (request.labels.length !== width * height) {
      throw new UnrecoverableError(`label map is ${request.labels.length} bytes, model ${model.id} wants ${width}x${height}`);
    }
    const maxId = Math.max(...model.labels.labels.map((l) => l.id));
    if (request.labels.some((id) => id > maxId)) throw new UnrecoverableError(`label map has ids beyond ${model.id}'s labels`);
    if (request.z.length !== model.zDim)
      throw new UnrecoverableError(`style has ${request.z.length} values, ${model.id} wants ${model.zDim}`);
    const started = performance.now();
    const frame = await this.deps.renderer.render(request);
    this.deps.log.debug(
      { job: job.id, room: request.roomId, quality: frame.quality, ms: Math.round(performance.now() - started) },
      'rendered',
    );
    return encodeResult(frame);
  }

  /** Finishes the jobs in hand (their frames still go out), then stops; with Redis gone, after CLOSE_GRACE_MS. */
  async close(): Promise<void> {
    await closeWithin(this.worker.close(), CLOSE_GRACE_MS, () => this.worker.disconnect());
    await this.deps.renderer.close();
  }
}
