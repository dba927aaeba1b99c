import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createRoom } from '../helpers/server';
import { browserSuite } from '../helpers/browserSuite';
import { mapHash, openRoom, paint } from '../helpers/roomPage';

/** RGB of the label map at a canvas-relative position. */
const colorAt = (page: Page, fx: number, fy: number) =>
  page.getByTestId('label-map').evaluate(
    (canvas: HTMLCanvasElement, [x, y]) => {
      const d = canvas.getContext('2d')!.getImageData(Math.floor(x * canvas.width), Math.floor(y * canvas.height), 1, 1).data;
      return [d[0], d[1], d[2]];
    },
    [fx, fy],
  );

const SKY = [118, 183, 236];
const SEA = [28, 84, 168];
const TREE = [28, 108, 46];

/** Hash of the label map's pixels, read back from the canvas itself. */
const pixelHash = (page: Page) =>
  page.getByTestId('label-map').evaluate((canvas: HTMLCanvasElement) => {
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let h = 0x811c9dc5;
    for (let i = 0; i < data.length; i++) h = Math.imul(h ^ data[i], 0x01000193);
    return h >>> 0;
  });

describe('two browsers paint in one room', () => {
  const suite = browserSuite();

  it("shows each other's strokes and cursors, with byte-identical label maps", async (ctx) => {
    const ready = suite.ready();
    if (!ready) return ctx.skip();
    const { browser, server } = ready;
    const room = await createRoom(server.url, false);
    const a = await openRoom(browser, `${server.url}/r/${room}`);
    const b = await openRoom(browser, `${server.url}/r/${room}`);
    const blank = await mapHash(a);

    await a.locator('[data-label="sea"]').click();
    await paint(a, [
      [0.1, 0.8],
      [0.5, 0.85],
      [0.9, 0.8],
    ]);
    // the shortcut picks the label (pressed again until the page's key handler is attached)
    await expect
      .poll(
        async () => {
          await b.keyboard.press('0'); // tree
          return b.locator('[data-label="tree"]').getAttribute('aria-checked');
        },
        { timeout: 10_000 },
      )
      .toBe('true');
    await paint(b, [
      [0.2, 0.3],
      [0.3, 0.5],
      [0.4, 0.3],
    ]);

    // each page shows the other's stroke (equal hashes alone can be met while both still lack one)
    await expect.poll(() => colorAt(b, 0.5, 0.85), { timeout: 10_000 }).toEqual(SEA);
    await expect.poll(() => colorAt(a, 0.3, 0.5), { timeout: 10_000 }).toEqual(TREE);
    await expect
      .poll(async () => (await mapHash(a)) === (await mapHash(b)) && (await mapHash(a)) !== blank, { timeout: 10_000 })
      .toBe(true);
    expect(await pixelHash(a)).toBe(await pixelHash(b));

    // The server's render of this state reaches both pages (same document version on both).
    for (const page of [a, b]) await page.getByRole('tab', { name: 'Full' }).click();
    const rendered = async (page: Page) =>
      Number((await page.getByTestId('render-image').getAttribute('data-version', { timeout: 30_000 })) ?? -1);
    await expect.poll(async () => (await rendered(a)) > 0 && (await rendered(a)) === (await rendered(b)), { timeout: 30_000 }).toBe(true);
    await expect.poll(() => a.getByTestId('render-status').textContent(), { timeout: 30_000 }).toBe('Up to date');

    // B hovers: A sees B's cursor with B's name, and both see two people.
    const box = (await b.getByTestId('paint-canvas').boundingBox())!;
    await b.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await a.getByTestId('remote-cursor').first().waitFor({ timeout: 10_000 });
    await expect.poll(() => a.getByTestId('people-count').textContent()).toBe('2');

    // Undo is per user: A's undo removes A's sea stroke, not B's tree.
    await a.keyboard.press('Control+z');
    await expect.poll(() => colorAt(b, 0.5, 0.85), { timeout: 10_000 }).toEqual(SKY);
    expect(await colorAt(b, 0.3, 0.5)).toEqual(TREE);
    await expect.poll(async () => (await mapHash(a)) === (await mapHash(b))).toBe(true);

    // A closes the page: B no longer lists A.
    await a.context().close();
    await expect.poll(() => b.getByTestId('people-count').textContent(), { timeout: 40_000 }).toBe('1');
  });
});
