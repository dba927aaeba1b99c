// One Yjs per JavaScript realm. A second copy (Next's server bundle next to the tsx-loaded server
// code, or two builds in one browser bundle) breaks Yjs's `instanceof` checks between documents
// and updates made by different copies, which can corrupt sync without any error. Yjs itself
// detects a second copy in a realm and prints this message: the test asserts it never appears.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../helpers/browser';
import { createRoom, startServer, type TestServer } from '../helpers/server';

const DUPLICATE = 'Yjs was already imported';

describe('one copy of Yjs', () => {
  let server: TestServer;
  let browser: Browser | null = null;
  beforeAll(async () => {
    server = await startServer({ ui: true });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('installed: every dependent shares one node_modules/yjs', () => {
    const cwd = path.resolve(import.meta.dirname, '..', '..');
    const copies = execFileSync('npm', ['ls', 'yjs', '--all', '--parseable'], { cwd, encoding: 'utf8' }).trim().split('\n');
    expect(copies).toEqual([path.join(cwd, 'node_modules', 'yjs')]);
  });

  it('in the server process when a room page is rendered by URL', async () => {
    const room = await createRoom(server.url);
    // Server-side rendering of the room page loads the page's client components (which use Yjs)
    // in the process that already runs the sync server on Yjs.
    const res = await fetch(`${server.url}/r/${room}`);
    expect(res.status).toBe(200);
    await res.text();
    // The child's stderr arrives through a pipe: give it a moment before asserting its absence.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(server.output()).not.toContain(DUPLICATE);
  });

  it('in the browser on the room page', async (ctx) => {
    if (!browser) return ctx.skip();
    const room = await createRoom(server.url);
    const context = await browser.newContext();
    const page = await context.newPage();
    const messages: string[] = [];
    page.on('console', (m) => messages.push(m.text()));
    await page.goto(`${server.url}/r/${room}`);
    await page.locator('[data-testid="sync-status"][data-synced="true"]').waitFor({ timeout: 30_000 });
    await context.close();
    expect(messages.filter((m) => m.includes(DUPLICATE))).toEqual([]);
  });
});
