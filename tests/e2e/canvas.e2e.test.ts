import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createRoom } from '../helpers/server';
import { browserSuite } from '../helpers/browserSuite';
import { colorAt, mapHash, openRoom } from '../helpers/roomPage';
import { loadLandscape } from '../bench/raster';

const palette = loadLandscape().labels;
const rgb = (name: string) => palette.find((l) => l.name === name)!.color;
const [SKY, SEA, TREE, SAND] = ['sky', 'sea', 'tree', 'sand'].map(rgb);

type Px = [number, number];

/** Drags the mouse through screen points. */
async function drag(page: Page, points: Px[], button: 'left' | 'middle' = 'left') {
  await page.mouse.move(...points[0]);
  await page.mouse.down({ button });
  for (const p of points.slice(1)) await page.mouse.move(...p, { steps: 6 });
  await page.mouse.up({ button });
}

/**
 * Canvas fractions under a screen point, measured from where the label map's canvas element is
 * drawn on screen (its box includes the zoom transform): independent of the page's own mapping.
 */
async function canvasFractionAt(page: Page, [x, y]: Px): Promise<Px> {
  const box = (await page.getByTestId('label-map').boundingBox())!;
  return [(x - box.x) / box.width, (y - box.y) / box.height];
}

const frameBox = async (page: Page) => (await page.getByTestId('paint-canvas').boundingBox())!;

describe('the canvas: zoom, pan, border strokes, hover, eyedropper', () => {
  const suite = browserSuite();

  it('a stroke painted while zoomed or panned lands where it was drawn, on both pages', async (ctx) => {
    const ready = suite.ready();
    if (!ready) return ctx.skip();
    const { browser, server } = ready;
    const room = await createRoom(server.url, false);
    const a = await openRoom(browser, `${server.url}/r/${room}`);
    const b = await openRoom(browser, `${server.url}/r/${room}`);
    const f = await frameBox(a);
    const at = (fx: number, fy: number): Px => [f.x + fx * f.width, f.y + fy * f.height];

    // Wheel up over the lower right quarter: zooms in about the pointer.
    await a.mouse.move(...at(0.75, 0.75));
    for (let i = 0; i < 5; i++) await a.mouse.wheel(0, -200);
    await expect.poll(async () => Number(await a.getByTestId('paint-canvas').getAttribute('data-scale'))).toBeGreaterThan(2.5);
    const zoomed = await a.getByTestId('label-map').boundingBox();
    expect(zoomed!.width).toBeGreaterThan(f.width * 2.5);

    await a.locator('[data-label="sea"]').click();
    const seaPath: Px[] = [at(0.3, 0.4), at(0.5, 0.45), at(0.7, 0.4)];
    await drag(a, seaPath);
    const seaAt = await canvasFractionAt(a, at(0.5, 0.45));
    // the zoomed view shows a region near the lower right: the stroke lands there, not at (0.5, 0.45)
    expect(seaAt[0]).toBeGreaterThan(0.55);
    expect(seaAt[1]).toBeGreaterThan(0.55);
    for (const page of [a, b]) await expect.poll(() => colorAt(page, ...seaAt), { timeout: 10_000 }).toEqual(SEA);
    expect(await colorAt(b, 0.5, 0.45)).toEqual(SKY);

    // Space-drag pans: the map moves with the pointer by the same screen distance.
    const before = (await a.getByTestId('label-map').boundingBox())!;
    const hash = await mapHash(a);
    await a.mouse.move(...at(0.5, 0.5));
    await a.keyboard.down('Space');
    await drag(a, [at(0.5, 0.5), at(0.7, 0.6)]);
    await a.keyboard.up('Space');
    // The view re-renders after the last pointer event (a React update): poll, a loaded machine lags.
    const mapBox = async () => (await a.getByTestId('label-map').boundingBox())!;
    await expect.poll(async () => (await mapBox()).x - before.x).toBeCloseTo(0.2 * f.width, 0);
    const after = await mapBox();
    expect(after.y - before.y).toBeCloseTo(0.1 * f.height, 0);
    // ...and painted nothing
    expect(await mapHash(a)).toBe(hash);

    // Middle-drag pans too.
    await drag(a, [at(0.5, 0.5), at(0.4, 0.45)], 'middle');
    await expect.poll(async () => (await mapBox()).x - after.x).toBeCloseTo(-0.1 * f.width, 0);

    // A stroke after panning lands under the pointer as well.
    await a.keyboard.press('0'); // tree
    await drag(a, [at(0.2, 0.8), at(0.3, 0.82)]);
    const treeAt = await canvasFractionAt(a, at(0.25, 0.81));
    for (const page of [a, b]) await expect.poll(() => colorAt(page, ...treeAt), { timeout: 10_000 }).toEqual(TREE);

    // Fit (button and Shift+0) shows the whole canvas again.
    await a.getByTestId('zoom-fit').click();
    await expect.poll(() => a.getByTestId('paint-canvas').getAttribute('data-scale')).toBe('1.000');
    await a.keyboard.press('+');
    await expect.poll(() => a.getByTestId('zoom-level').textContent()).toBe('150%');
    await a.keyboard.press('Shift+Digit0');
    await expect.poll(() => a.getByTestId('zoom-level').textContent()).toBe('100%');
    const fitted = (await a.getByTestId('label-map').boundingBox())!;
    expect(fitted.width).toBeCloseTo(f.width - 2, 0); // the frame minus its 1 px border
  });

  it('strokes that start on the 1 px border paint, edge to edge', async (ctx) => {
    const ready = suite.ready();
    if (!ready) return ctx.skip();
    const { browser, server } = ready;
    const room = await createRoom(server.url, false);
    const a = await openRoom(browser, `${server.url}/r/${room}`);
    const f = await frameBox(a);
    await a.locator('[data-label="sand"]').click();
    // five strokes from the left border (x = 0 of the frame box) across to the right border
    const rows = [0.1, 0.3, 0.5, 0.7, 0.9];
    for (const fy of rows)
      await drag(a, [
        [f.x + 0.5, f.y + fy * f.height],
        [f.x + f.width - 0.5, f.y + fy * f.height],
      ]);
    // and one down from the top border
    await drag(a, [
      [f.x + 0.2 * f.width, f.y + 0.5],
      [f.x + 0.2 * f.width, f.y + 0.05 * f.height],
    ]);
    for (const fy of rows) {
      await expect.poll(() => colorAt(a, 0.001, fy), { timeout: 10_000 }).toEqual(SAND);
      expect(await colorAt(a, 0.999, fy)).toEqual(SAND);
    }
    expect(await colorAt(a, 0.2, 0.001)).toEqual(SAND);
  });

  it('shows the label under the pointer and a brush circle; Alt-click picks the label', async (ctx) => {
    const ready = suite.ready();
    if (!ready) return ctx.skip();
    const { browser, server } = ready;
    const room = await createRoom(server.url, false);
    const a = await openRoom(browser, `${server.url}/r/${room}`);
    const f = await frameBox(a);
    await a.locator('[data-label="sea"]').click();
    await drag(a, [
      [f.x + 0.1 * f.width, f.y + 0.8 * f.height],
      [f.x + 0.9 * f.width, f.y + 0.8 * f.height],
    ]);
    await expect.poll(() => colorAt(a, 0.5, 0.8), { timeout: 10_000 }).toEqual(SEA);

    await a.mouse.move(f.x + 0.5 * f.width, f.y + 0.8 * f.height);
    await expect.poll(() => a.getByTestId('hover-label').textContent()).toBe('sea');
    await a.mouse.move(f.x + 0.5 * f.width, f.y + 0.2 * f.height);
    await expect.poll(() => a.getByTestId('hover-label').textContent()).toBe('sky');
    // the circle has the brush's diameter on screen (size 40 of 1024 canvas units)
    const ring = (await a.locator('.brush-ring').boundingBox())!;
    expect(ring.width).toBeCloseTo((40 / 1024) * (f.width - 2), 0);
    await a.keyboard.press(']');
    await expect.poll(async () => (await a.locator('.brush-ring').boundingBox())!.width).toBeCloseTo((44 / 1024) * (f.width - 2), 0);

    // Alt-click on the sea with "tree" selected picks "sea" and paints nothing.
    await a.keyboard.press('0');
    await expect.poll(() => a.locator('[data-label="tree"]').getAttribute('aria-checked')).toBe('true');
    const hash = await a.getByTestId('map-hash').getAttribute('data-hash');
    await a.keyboard.down('Alt');
    await a.mouse.move(f.x + 0.3 * f.width, f.y + 0.8 * f.height);
    await expect.poll(() => a.getByTestId('hover-label').textContent()).toBe('Pick sea');
    await a.mouse.click(f.x + 0.3 * f.width, f.y + 0.8 * f.height);
    await a.keyboard.up('Alt');
    await expect.poll(() => a.locator('[data-label="sea"]').getAttribute('aria-checked')).toBe('true');
    expect(await a.getByTestId('map-hash').getAttribute('data-hash')).toBe(hash);
  });

  it('every label has a shortcut, shown in the palette: 1-0, then Shift+1-6', async (ctx) => {
    const ready = suite.ready();
    if (!ready) return ctx.skip();
    const { browser, server } = ready;
    const room = await createRoom(server.url, false);
    const a = await openRoom(browser, `${server.url}/r/${room}`);
    const badges = await a.locator('.palette kbd').allTextContents();
    expect(badges).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '⇧1', '⇧2', '⇧3', '⇧4', '⇧5', '⇧6']);
    await a.keyboard.press('Shift+Digit6');
    await expect.poll(() => a.locator('[data-label="fog"]').getAttribute('aria-checked')).toBe('true');
    await a.keyboard.press('Shift+Digit1');
    await expect.poll(() => a.locator('[data-label="bush"]').getAttribute('aria-checked')).toBe('true');
    await a.keyboard.press('Digit3');
    await expect.poll(() => a.locator('[data-label="sea"]').getAttribute('aria-checked')).toBe('true');
  });
});
