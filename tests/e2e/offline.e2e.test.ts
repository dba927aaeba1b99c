import { describe, expect, it } from 'vitest';
import type { Page, WebSocketRoute } from 'playwright-core';
import { createRoom } from '../helpers/server';
import { browserSuite } from '../helpers/browserSuite';
import { paint } from '../helpers/roomPage';
import { connect, synced } from '../helpers/yclient';

/** Whether the page has kept acknowledged clocks in the room's IndexedDB database (useSaveState). */
const storedKept = (page: Page, room: string) =>
  page.evaluate(
    (name) =>
      new Promise<boolean>((resolve) => {
        const open = indexedDB.open(name);
        open.onerror = () => resolve(false);
        open.onsuccess = () => {
          const keys = open.result.transaction(['custom'], 'readonly').objectStore('custom').getAllKeys();
          keys.onsuccess = () => {
            open.result.close();
            resolve(keys.result.includes('stored'));
          };
          keys.onerror = () => resolve(false);
        };
      }),
    `spade-room-${room}`,
  );

describe('strokes painted offline', () => {
  const suite = browserSuite();

  it('survive a reload in IndexedDB and reach the room when the connection is back', async (ctx) => {
    const ready = suite.ready();
    if (!ready) return ctx.skip();
    const { browser, server } = ready;
    const room = await createRoom(server.url, false);
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    // The Yjs socket goes through this route: cut, it is refused at once (the page stays served).
    let offline = false;
    const live: WebSocketRoute[] = [];
    await context.routeWebSocket(/\/yjs\//, (ws) => {
      if (offline) return ws.close({ code: 1001, reason: 'offline (test)' });
      ws.connectToServer();
      live.push(ws);
    });
    const page = await context.newPage();
    const saveStatus = page.getByTestId('save-status');
    await page.goto(`${server.url}/r/${room}`);
    await page.locator('[data-testid="sync-status"][data-synced="true"]').waitFor({ timeout: 30_000 });
    await paint(page, [
      [0.1, 0.1],
      [0.3, 0.2],
    ]);
    // Acknowledged: the stored clocks are kept in IndexedDB (the count alone lags by its recount).
    await expect.poll(() => storedKept(page, room), { timeout: 10_000 }).toBe(true);
    await expect.poll(() => saveStatus.textContent()).toBe('Saved');

    offline = true;
    for (const ws of live.splice(0)) await ws.close({ code: 1001, reason: 'offline (test)' });
    await page.locator('[data-testid="sync-status"]:not([data-synced="true"])').waitFor({ timeout: 10_000 });
    await paint(page, [
      [0.5, 0.5],
      [0.7, 0.6],
    ]);
    await paint(page, [
      [0.2, 0.8],
      [0.4, 0.9],
    ]);
    await expect.poll(() => saveStatus.textContent(), { timeout: 10_000 }).toBe('Offline – 2 unsaved strokes');

    // Reloaded while still offline: the strokes, and what the server had acknowledged, come from IndexedDB.
    await page.reload();
    await expect.poll(() => saveStatus.getAttribute('data-unsaved'), { timeout: 15_000 }).toBe('2');
    await expect.poll(() => saveStatus.textContent()).toBe('Offline – 2 unsaved strokes');

    offline = false;
    await expect.poll(() => saveStatus.textContent(), { timeout: 20_000 }).toBe('Saved');
    const reader = connect(server.wsUrl, room);
    try {
      await synced(reader);
      expect(reader.strokes.length).toBe(3);
    } finally {
      reader.destroy();
      await context.close();
    }
  });
});
