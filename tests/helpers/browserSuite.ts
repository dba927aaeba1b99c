import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser } from './browser';
import { startServer, type TestServer } from './server';

/**
 * Chromium and an app server (with the UI) for the enclosing describe block. ready() gives both,
 * or null where Chromium is missing outside CI, and the test skips (under CI launchBrowser throws).
 */
export function browserSuite(env: Record<string, string> = {}): { ready(): { browser: Browser; server: TestServer } | null } {
  let browser: Browser | null = null;
  let server: TestServer | null = null;
  beforeAll(async () => {
    browser = await launchBrowser();
    if (browser) server = await startServer({ ui: true, env });
  });
  afterEach((ctx) => {
    // A page that never syncs says little by itself: the server's side of it goes with the failure.
    if (ctx.task.result?.state === 'fail' && server) console.error(`server output (last 4000 chars):\n${server.output().slice(-4000)}`);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });
  return { ready: () => (browser && server ? { browser, server } : null) };
}
