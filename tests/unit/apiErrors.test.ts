import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { Prisma } from '../../generated/prisma/client';
import { createApi, type ApiDeps, type Handler } from '../../server/http/api';
import type { Logger } from '../../server/log';

/** The API with one extra route, `GET /api/probe`, running `handler`; the status, headers and body it answered. */
async function answer(handler: Handler): Promise<{ status: number; headers: Record<string, string>; body: unknown; logged: string[] }> {
  const logged: string[] = [];
  const log = {
    warn: (_: unknown, msg: string) => logged.push(`warn ${msg}`),
    error: (_: unknown, msg: string) => logged.push(`error ${msg}`),
  };
  const api = createApi({ log: log as unknown as Logger, routes: [['GET', /^\/api\/probe$/, handler]] } as unknown as ApiDeps);
  const headers: Record<string, string> = {};
  let status = 0;
  let text = '';
  const res = {
    headersSent: false,
    setHeader: (name: string, value: string) => void (headers[name] = value),
    writeHead(code: number, more: Record<string, string>) {
      status = code;
      Object.assign(headers, more);
      return this;
    },
    end: (chunk: string) => void (text = chunk),
  } as unknown as ServerResponse;
  await api({ method: 'GET', url: '/api/probe', headers: {} } as IncomingMessage, res);
  return { status, headers, body: JSON.parse(text), logged };
}

const prismaError = (code: string) => new Prisma.PrismaClientKnownRequestError('Operation has timed out', { code, clientVersion: 'test' });

describe('API errors', () => {
  it('answer a database past its busy timeout with 503 and Retry-After, logged as a warning', async () => {
    for (const code of ['P1008', 'P2024']) {
      const { status, headers, body, logged } = await answer(async () => {
        throw prismaError(code);
      });
      expect(status).toBe(503);
      expect(headers['retry-after']).toBe('1');
      expect(body).toEqual({ error: 'the database is busy: try again in a moment' });
      expect(logged).toEqual(['warn database busy']);
    }
  });

  it('answer other failures with 500, logged as errors', async () => {
    for (const error of [prismaError('P2002'), new Error('boom')]) {
      const { status, body, logged } = await answer(async () => {
        throw error;
      });
      expect(status).toBe(500);
      expect(body).toEqual({ error: 'internal error' });
      expect(logged).toEqual(['error api error']);
    }
  });
});
