import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { createRoom } from '../helpers/server';
import { browserSuite } from '../helpers/browserSuite';
import { openRoom, paint } from '../helpers/roomPage';
import { loadLandscape } from '../bench/raster';

const palette = new Set(loadLandscape().labels.map((l) => l.color.join(',')));

/** Hash of the on-screen label map's pixels. */
const pixelHash = (page: Page) =>
  page.getByTestId('label-map').evaluate((canvas: HTMLCanvasElement) => {
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let h = 0x811c9dc5;
    for (let i = 0; i < data.length; i++) h = Math.imul(h ^ data[i], 0x01000193);
    return h >>> 0;
  });

async function exportMap(page: Page): Promise<{ name: string; path: string }> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-map').click()]);
  return { name: download.suggestedFilename(), path: await download.path() };
}

describe('label map PNG export and import', () => {
  const suite = browserSuite();

  it('exports the map in the palette colours and imports it into another room pixel for pixel, as one undo step', async (ctx) => {
    const ready = suite.ready();
    if (!ready) return ctx.skip();
    const { browser, server } = ready;
    const source = await createRoom(server.url, true);
    const a = await openRoom(browser, `${server.url}/r/${source}`);
    await a.locator('[data-label="tree"]').click();
    await paint(a, [
      [0.1, 0.7],
      [0.4, 0.9],
      [0.8, 0.75],
    ]);
    await a.locator('[data-label="fog"]').click();
    await paint(a, [
      [0.0, 0.2],
      [1.0, 0.25],
    ]);
    const exported = await exportMap(a);
    expect(exported.name).toBe(`spade-canvas-${source}-labels.png`);
    const { data, info } = await sharp(exported.path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([512, 512]);
    const colours = new Set<string>();
    for (let i = 0; i < data.length; i += 3) colours.add(`${data[i]},${data[i + 1]},${data[i + 2]}`);
    expect([...colours].filter((c) => !palette.has(c))).toEqual([]);
    expect(colours.size).toBeGreaterThan(4);

    // Another room (with its own starter scene) imports the file: both people there see the same map as the source.
    const target = await createRoom(server.url, true);
    const b = await openRoom(browser, `${server.url}/r/${target}`);
    const c = await openRoom(browser, `${server.url}/r/${target}`);
    const starter = await pixelHash(b);
    await b.getByTestId('import-map').setInputFiles(exported.path);
    await expect
      .poll(() => b.getByTestId('import-message').textContent())
      .toMatch(/^Imported as \d+ strokes on a 512 px grid\. Ctrl\+Z undoes it\.$/);
    const want = await pixelHash(a);
    await expect.poll(() => pixelHash(b), { timeout: 10_000 }).toBe(want);
    await expect.poll(() => pixelHash(c), { timeout: 15_000 }).toBe(want);

    // Exporting the imported map gives the same pixels back.
    const again = await sharp((await exportMap(b)).path)
      .removeAlpha()
      .raw()
      .toBuffer();
    expect(Buffer.compare(again, data)).toBe(0);

    // One undo takes the whole import back, for everyone.
    await b.keyboard.press('Control+z');
    await expect.poll(() => pixelHash(b), { timeout: 10_000 }).toBe(starter);
    await expect.poll(() => pixelHash(c), { timeout: 15_000 }).toBe(starter);
  });

  it('snaps off-palette colours to the nearest label and samples other sizes onto the grid', async (ctx) => {
    const ready = suite.ready();
    if (!ready) return ctx.skip();
    const { browser, server } = ready;
    // 300 x 200: the top half sea-ish blue (28, 84, 168 +- a little), the bottom sand-ish
    const width = 300;
    const height = 200;
    const raw = Buffer.alloc(width * height * 3);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) raw.set(y < height / 2 ? [30, 80, 170] : [240, 210, 140], (y * width + x) * 3);
    const png = await sharp(raw, { raw: { width, height, channels: 3 } })
      .png()
      .toBuffer();
    const page = await openRoom(browser, `${server.url}/r/${await createRoom(server.url, false)}`);
    await page.getByTestId('import-map').setInputFiles({ name: 'map.png', mimeType: 'image/png', buffer: png });
    await expect.poll(() => page.getByTestId('import-message').textContent()).toMatch(/on a 512 px grid \(300×200 sampled onto it\)/);
    const at = (fx: number, fy: number) =>
      page.getByTestId('label-map').evaluate(
        (canvas: HTMLCanvasElement, [x, y]) => [
          ...canvas
            .getContext('2d')!
            .getImageData(x * canvas.width, y * canvas.height, 1, 1)
            .data.slice(0, 3),
        ],
        [fx, fy],
      );
    await expect.poll(() => at(0.5, 0.25)).toEqual([28, 84, 168]);
    expect(await at(0.5, 0.75)).toEqual([236, 212, 142]);
  });
});
