import { loadConfig } from './config';
import { startServer } from './app';
import { log } from './log';

const config = loadConfig();
process.env.DATABASE_URL = config.DATABASE_URL;
const server = await startServer(config);

// SIGTERM/SIGINT: disconnect clients and write every pending stroke before exiting.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    log.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
