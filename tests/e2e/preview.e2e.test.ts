import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createRoom, startServer, type TestServer } from '../helpers/server';
import { launchBrowser } from '../helpers/browser';
import { openRoom, paint } from '../helpers/roomPage';

const previewVersion = async (page: Page) => Number((await page.getByTestId('preview-canvas').getAttribute('data-version')) ?? -1);

const previewPixels = (page: Page) =>
  page.getByTestId('preview-canvas').evaluate((c: HTMLCanvasElement) => Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data));

describe('instant preview in the browser', () => {
  let server: TestServer;
  let browser: Browser | null;

  beforeAll(async () => {
    browser = await launchBrowser();
    if (browser) server = await startServer({ ui: true });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('loads the model on a measured backend and follows strokes, locally and in a second page', async (ctx) => {
    if (!browser) return ctx.skip();
    const room = await createRoom(server.url, false);
    const a = await openRoom(browser, `${server.url}/r/${room}`);
    await a.getByRole('tab', { name: 'Preview' }).click();
    const diagnostics = a.getByTestId('preview-diagnostics');
    await expect.poll(() => diagnostics.getAttribute('data-backend'), { timeout: 60_000 }).toMatch(/^(wasm|webgl|webgpu)$/);
    await a.getByTestId('preview-canvas').waitFor();
    const before = await previewPixels(a);
    const v0 = await previewVersion(a);

    await a.locator('[data-label="sea"]').click();
    await paint(a, [[0.05, 0.75], [0.95, 0.8]]);
    await expect.poll(() => previewVersion(a), { timeout: 5000 }).toBeGreaterThan(v0);
    expect(await previewPixels(a)).not.toEqual(before);

    // A second page sees the preview follow the first page's strokes.
    const b = await openRoom(browser, `${server.url}/r/${room}`);
    await b.getByRole('tab', { name: 'Preview' }).click();
    await expect.poll(() => b.getByTestId('preview-diagnostics').getAttribute('data-backend'), { timeout: 60_000 }).toMatch(/^(wasm|webgl|webgpu)$/);
    await expect.poll(() => previewVersion(b), { timeout: 10_000 }).toBe(await previewVersion(a));
    const bBefore = await previewPixels(b);
    const aBefore = await previewVersion(a);
    await a.locator('[data-label="tree"]').click();
    await paint(a, [[0.2, 0.2], [0.4, 0.5]]);
    await expect.poll(() => previewVersion(a), { timeout: 10_000 }).toBeGreaterThan(aBefore);
    await expect.poll(() => previewVersion(b), { timeout: 10_000 }).toBe(await previewVersion(a));
    expect(await previewPixels(b)).not.toEqual(bBefore);
  });
});
