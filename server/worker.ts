// `npm run worker`: a render worker process. It takes render jobs from the queue on REDIS_URL
// and renders them with its own generators (RENDER_PROVIDERS, e.g. cuda,cpu on a GPU host).
import { loadConfig } from './config';
import { log } from './log';
import { ModelRegistry } from './models/modelRegistry';
import { renderWorker } from './render/queue/setup';

const config = loadConfig();
const url = config.REDIS_URL;
if (!url) {
  log.fatal('a render worker takes its jobs from Redis: set REDIS_URL (e.g. redis://127.0.0.1:6379)');
  process.exit(1);
}
const worker = renderWorker({ ...config, REDIS_URL: url }, new ModelRegistry(config.MODELS_DIR, log), log);
await worker.start();

// SIGTERM/SIGINT: finish the jobs in hand (their frames still reach the rooms), then exit.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    log.info({ signal }, 'render worker shutting down');
    worker.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'render worker shutdown failed');
        process.exit(1);
      },
    );
  });
}
