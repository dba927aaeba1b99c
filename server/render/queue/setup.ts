import { renderProviders, type Config } from '../../config';
import type { Logger } from '../../log';
import type { ModelRegistry } from '../../models/modelRegistry';
import { LocalRenderer } from '../localRenderer';
import { QueueRenderer } from './queueRenderer';
import { RenderWorker } from './renderWorker';

type QueueConfig = Pick<
  Config,
  | 'REDIS_URL'
  | 'ROLE'
  | 'RENDER_QUEUE'
  | 'RENDER_LOCK_MS'
  | 'RENDER_JOB_TIMEOUT_MS'
  | 'RENDER_CONCURRENCY'
  | 'RENDER_PROVIDERS'
  | 'RENDER_THREADS'
  | 'RENDER_NICE'
>;

/**
 * A sync instance's rendering with REDIS_URL: frames come from the queue, and with ROLE=both
 * this process also runs a render worker (started after RenderService, closed after it).
 */
export function renderQueue(
  config: QueueConfig & { REDIS_URL: string },
  models: ModelRegistry,
  log: Logger,
): { renderer: QueueRenderer; worker: RenderWorker | null } {
  const renderer = new QueueRenderer(
    { url: config.REDIS_URL, queueName: config.RENDER_QUEUE, timeoutMs: config.RENDER_JOB_TIMEOUT_MS },
    log,
  );
  return { renderer, worker: config.ROLE === 'both' ? renderWorker(config, models, log) : null };
}

/** A render worker over this process's generators (its own RENDER_PROVIDERS, threads and nice). */
export function renderWorker(config: QueueConfig & { REDIS_URL: string }, models: ModelRegistry, log: Logger): RenderWorker {
  const renderer = new LocalRenderer({ providers: renderProviders(config), threads: config.RENDER_THREADS, nice: config.RENDER_NICE }, log);
  return new RenderWorker(
    { models, renderer, log },
    { url: config.REDIS_URL, queueName: config.RENDER_QUEUE, concurrency: config.RENDER_CONCURRENCY, lockMs: config.RENDER_LOCK_MS },
  );
}
