import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { createRoom } from '../helpers/server';
import { browserSuite } from '../helpers/browserSuite';
import { mapHash, openRoom, paint } from '../helpers/roomPage';

describe('style votes and the gallery in the browser', () => {
  const suite = browserSuite(process.env.TEST_MODELS_DIR ? { MODELS_DIR: process.env.TEST_MODELS_DIR } : {});

  it('two pages vote on a style and both see the result', async (ctx) => {
    const ready = suite.ready();
    if (!ready) return ctx.skip();
    const { browser, server } = ready;
    const room = await createRoom(server.url, true);
    const a = await openRoom(browser, `${server.url}/r/${room}`);
    const b = await openRoom(browser, `${server.url}/r/${room}`);
    await expect.poll(() => a.getByTestId('style-panel').textContent(), { timeout: 15_000 }).toMatch(/2 people here/);

    // A proposes an uploaded picture (works with any model that ships a style encoder).
    await a.getByTestId('propose-open').click();
    const picture = await sharp({ create: { width: 120, height: 90, channels: 3, background: { r: 250, g: 140, b: 40 } } })
      .png()
      .toBuffer();
    await a.getByTestId('style-upload').setInputFiles({ name: 'Orange dusk.png', mimeType: 'image/png', buffer: picture });

    // B sees the open round with A's vote already counted, and votes for it.
    const candidate = b.getByTestId('candidate').filter({ hasText: 'Orange dusk' });
    await candidate.waitFor({ timeout: 20_000 });
    const styleId = (await candidate.getAttribute('data-style-id'))!;
    expect(styleId).toMatch(/^custom:/);
    await expect.poll(() => candidate.getByTestId('votes').textContent()).toBe('1/2');
    await candidate.getByTestId('vote').click();

    for (const page of [a, b]) {
      await page.locator(`[data-testid="current-style"][data-style-id="${styleId}"]`).waitFor({ timeout: 10_000 });
      await page.locator(`[data-testid="history-item"][data-winner="${styleId}"]`).waitFor();
      await expect.poll(() => page.getByTestId('vote-round').count()).toBe(0);
    }
    // Rendering carries on (the integration test checks the frame's style is the winner).
    await expect.poll(() => b.getByTestId('render-image').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await a.context().close();
    await b.context().close();
  });

  it('saves a scene, finds it in the gallery, forks it, and the fork has the same label map', async (ctx) => {
    const ready = suite.ready();
    if (!ready) return ctx.skip();
    const { browser, server } = ready;
    const room = await createRoom(server.url, true);
    const page = await openRoom(browser, `${server.url}/r/${room}`);
    await expect.poll(() => mapHash(page), { timeout: 10_000 }).not.toBe('');
    const starter = await mapHash(page);

    // Rename (stored server-side), then paint: the credits name this person.
    const name = page.getByLabel('Your name');
    await name.fill('Painter Pat');
    await name.press('Enter');
    await expect
      .poll(() =>
        page.request
          .get(`${server.url}/api/me`)
          .then((r) => r.json())
          .then((m: { name: string }) => m.name),
      )
      .toBe('Painter Pat');
    await page.locator('[data-label="tree"]').click();
    await paint(page, [
      [0.2, 0.6],
      [0.5, 0.65],
      [0.8, 0.6],
    ]);
    await expect.poll(() => mapHash(page), { timeout: 10_000 }).not.toBe(starter);
    const original = await mapHash(page);

    const title = `Fjord ${Date.now()}`;
    await page.getByTestId('save-scene').click();
    await page.getByTestId('scene-title').fill(title);
    await page.getByTestId('scene-save-confirm').click();
    await page.getByTestId('scene-saved').waitFor({ timeout: 10_000 });

    await page.goto(`${server.url}/gallery`);
    const card = page.getByTestId('scene-card').filter({ hasText: title });
    await card.waitFor({ timeout: 10_000 });
    // Newest first: the scene just saved is the first card.
    expect(await page.getByTestId('scene-card').first().textContent()).toContain(title);
    await card.click();

    await page.getByTestId('scene-title-heading').filter({ hasText: title }).waitFor({ timeout: 10_000 });
    await expect
      .poll(() => page.getByTestId('scene-labels').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), {
        timeout: 10_000,
      })
      .toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('timelapse-canvas').getAttribute('data-step')).not.toBe('0');
    expect(await page.getByTestId('delete-scene').count()).toBe(1);
    expect(await page.getByTestId('credits').textContent()).toContain('Painter Pat');

    await page.getByTestId('fork-scene').click();
    await page.waitForURL((url) => url.pathname.startsWith('/r/') && !url.pathname.endsWith(room), { timeout: 15_000 });
    await page.locator('[data-testid="sync-status"][data-synced="true"]').waitFor({ timeout: 30_000 });
    await expect.poll(() => mapHash(page), { timeout: 10_000 }).toBe(original);
    await page.context().close();
  });
});
