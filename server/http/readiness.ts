import type { ApiRoute } from './api';
import { sendJson } from './json';

/** A dependency check: resolves when the dependency answers. */
export type ReadinessCheck = () => Promise<unknown>;

const CHECK_TIMEOUT_MS = 2000;

/**
 * GET /api/ready: 200 when every dependency this process needs answers (the database, and Redis
 * where REDIS_URL is set), else 503 with what failed, so a load balancer sends no traffic to an
 * instance that cannot serve it. GET /api/health stays the liveness check (the process answers).
 */
export function readinessRoutes(checks: Record<string, ReadinessCheck>): ApiRoute[] {
  return [
    [
      'GET',
      /^\/api\/ready$/,
      async (_req, res) => {
        const results = await Promise.all(Object.entries(checks).map(async ([name, check]) => [name, await outcome(check)] as const));
        const ok = results.every(([, result]) => result === 'ok');
        sendJson(res, ok ? 200 : 503, { ok, checks: Object.fromEntries(results) });
      },
    ],
  ];
}

async function outcome(check: ReadinessCheck): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return 'ok';
  } catch (error) {
    return (error as Error).message || 'failed';
  } finally {
    clearTimeout(timer);
  }
}
