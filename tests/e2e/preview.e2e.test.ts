import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createRoom } from '../helpers/server';
import { browserSuite } from '../helpers/browserSuite';
import { openRoom } from '../helpers/roomPage';

const previewVersion = async (page: Page) => Number((await page.getByTestId('preview-canvas').getAttribute('data-version')) ?? -1);

const previewPixels = (page: Page) =>
  page
    .getByTestId('preview-canvas')
    .evaluate((c: HTMLCanvasElement) => Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data));

describe('instant preview in the browser', () => {
  const suite = browserSuite();

  it('loads the model on a measured backend and follows strokes, locally and in a second page', async (ctx) => {
    const ready = suite.ready();
    if (!ready) return ctx.skip();
    const { browser, server } = ready;
    const room = await createRoom(server.url, false);
    const a = await openRoom(browser, `${server.url}/r/${room}`);
    await a.getByRole('tab', { name: 'Preview' }).click();
    const diagnostics = a.getByTestId('preview-diagnostics');
    await expect.poll(() => diagnostics.getAttribute('data-backend'), { timeout: 60_000 }).toMatch(/^(wasm|webgl|webgpu)$/);
    await a.getByTestId('preview-canvas').waitFor();
    const before = await previewPixels(a);
    const v0 = await previewVersion(a);

    // While the brush is down the preview already shows the stroke (nothing committed yet).
    await a.locator('[data-label="sea"]').click();
    const box = (await a.getByTestId('paint-canvas').boundingBox())!;
    await a.mouse.move(box.x + 0.05 * box.width, box.y + 0.75 * box.height);
    await a.mouse.down();
    await a.mouse.move(box.x + 0.95 * box.width, box.y + 0.8 * box.height, { steps: 8 });
    await expect.poll(() => a.getByTestId('preview-canvas').getAttribute('data-live'), { timeout: 5000 }).toBe('true');
    expect(await previewVersion(a)).toBe(v0);
    // the last live run (the whole stroke so far) may still be in the worker: wait until it lands
    let live = await previewPixels(a);
    await expect
      .poll(
        async () => {
          const prev = live;
          await new Promise((r) => setTimeout(r, 250));
          live = await previewPixels(a);
          return live.every((v, i) => v === prev[i]);
        },
        { timeout: 5000 },
      )
      .toBe(true);
    expect(live).not.toEqual(before);
    await a.mouse.up();
    // the committed stroke gets its own (non-live) preview: the same picture as the last live one
    await expect.poll(() => previewVersion(a), { timeout: 5000 }).toBeGreaterThan(v0);
    await expect.poll(() => a.getByTestId('preview-canvas').getAttribute('data-live'), { timeout: 5000 }).toBe('false');
    expect(await previewPixels(a)).toEqual(live);

    // A second page sees the preview follow the first page's strokes.
    const b = await openRoom(browser, `${server.url}/r/${room}`);
    await b.getByRole('tab', { name: 'Preview' }).click();
    await expect
      .poll(() => b.getByTestId('preview-diagnostics').getAttribute('data-backend'), { timeout: 60_000 })
      .toMatch(/^(wasm|webgl|webgpu)$/);
    await expect.poll(() => previewVersion(b), { timeout: 10_000 }).toBe(await previewVersion(a));
    const bBefore = await previewPixels(b);
    const aBefore = await previewVersion(a);
    await a.locator('[data-label="tree"]').click();
    // B's preview follows A's brush while A is still drawing (A's stroke in progress, via presence)
    await a.mouse.move(box.x + 0.2 * box.width, box.y + 0.2 * box.height);
    await a.mouse.down();
    await a.mouse.move(box.x + 0.4 * box.width, box.y + 0.5 * box.height, { steps: 8 });
    await expect.poll(() => b.getByTestId('preview-canvas').getAttribute('data-live'), { timeout: 10_000 }).toBe('true');
    expect(await previewVersion(b)).toBe(aBefore);
    expect(await previewPixels(b)).not.toEqual(bBefore);
    await a.mouse.up();
    await expect.poll(() => previewVersion(a), { timeout: 10_000 }).toBeGreaterThan(aBefore);
    await expect.poll(() => previewVersion(b), { timeout: 10_000 }).toBe(await previewVersion(a));
    expect(await previewPixels(b)).not.toEqual(bBefore);
  });
});
