import fs from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { createRoom } from '../helpers/server';
import { browserSuite } from '../helpers/browserSuite';
import { openRoom, paint } from '../helpers/roomPage';

const view = async (page: Page) => {
  const canvas = page.getByTestId('paint-canvas');
  return `${await canvas.getAttribute('data-scale')} ${await canvas.getAttribute('data-view')}`;
};

async function wheelAt(page: Page, fx: number, fy: number, notches: number) {
  const box = (await page.getByTestId('paint-canvas').boundingBox())!;
  await page.mouse.move(box.x + fx * box.width, box.y + fy * box.height);
  for (let i = 0; i < notches; i++) await page.mouse.wheel(0, -200);
}

describe('follow mode, hi-res export, another take', () => {
  const suite = browserSuite();

  it("follows a collaborator's zoom and pan from the people list until the follower moves", async (ctx) => {
    const ready = suite.ready();
    if (!ready) return ctx.skip();
    const { browser, server } = ready;
    const url = `${server.url}/r/${await createRoom(server.url, false)}`;
    const [a, b] = [await openRoom(browser, url), await openRoom(browser, url)];

    const follow = b.getByTestId('follow');
    await expect.poll(() => follow.isEnabled(), { timeout: 10_000 }).toBe(true);
    await follow.click();
    expect(await b.getByTestId('follow-banner').textContent()).toMatch(/^Following /);

    await wheelAt(a, 0.8, 0.3, 4);
    await expect.poll(async () => Number(await a.getByTestId('paint-canvas').getAttribute('data-scale'))).toBeGreaterThan(1.5);
    const zoomed = await view(a);
    await expect.poll(() => view(b), { timeout: 5000 }).toBe(zoomed);
    // Panning is followed too (space-drag on A).
    const box = (await a.getByTestId('paint-canvas').boundingBox())!;
    await a.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
    await a.keyboard.down('Space');
    await a.mouse.down();
    await a.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.6, { steps: 6 });
    await a.mouse.up();
    await a.keyboard.up('Space');
    const panned = await view(a);
    expect(panned).not.toBe(zoomed);
    await expect.poll(() => view(b), { timeout: 5000 }).toBe(panned);

    // B zooms itself: following ends, and A's next moves stay on A.
    await b.getByRole('button', { name: 'Zoom in' }).click();
    await expect.poll(() => b.getByTestId('follow-banner').count()).toBe(0);
    expect(await b.getByTestId('unfollow').count()).toBe(0);
    const own = await view(b);
    await a.getByTestId('zoom-fit').click();
    await expect.poll(() => a.getByTestId('zoom-level').textContent()).toBe('100%');
    await b.waitForTimeout(500);
    expect(await view(b)).toBe(own);

    // Following again, then Esc ends it.
    await b.getByTestId('follow').click();
    await expect.poll(() => view(b), { timeout: 5000 }).toBe(await view(a));
    await b.keyboard.press('Escape');
    await expect.poll(() => b.getByTestId('follow-banner').count()).toBe(0);
    await a.context().close();
    await b.context().close();
  });

  it('downloads hi-res PNGs of the painting that decode at 512 and 1024 px', async (ctx) => {
    const ready = suite.ready();
    if (!ready) return ctx.skip();
    const { browser, server } = ready;
    const page = await openRoom(browser, `${server.url}/r/${await createRoom(server.url, true)}`);
    await page.locator('[data-label="tree"]').click();
    await paint(page, [
      [0.3, 0.6],
      [0.5, 0.7],
    ]);
    for (const size of [512, 1024]) {
      const download = page.waitForEvent('download', { timeout: 60_000 });
      await page.getByTestId(`hires-${size}`).click();
      const file = await download;
      expect(file.suggestedFilename()).toMatch(new RegExp(`-${size}px\\.png$`));
      const bytes = await fs.readFile((await file.path())!);
      const decoded = await sharp(bytes).metadata();
      expect([decoded.format, decoded.width, decoded.height]).toEqual(['png', size, size]);
      const done = page.getByTestId('hires-done');
      expect(await done.getAttribute('data-width')).toBe(String(size));
    }
    await page.context().close();
  });

  it('shows another take to the one who asked only, a new one each time, and applies it when alone', async (ctx) => {
    const ready = suite.ready();
    if (!ready) return ctx.skip();
    const { browser, server } = ready;
    const url = `${server.url}/r/${await createRoom(server.url, true)}`;
    const [a, b] = [await openRoom(browser, url), await openRoom(browser, url)];
    for (const page of [a, b]) {
      await page.getByRole('tab', { name: 'Full' }).click();
      await page.getByTestId('render-image').waitFor({ timeout: 30_000 });
    }
    await a.getByTestId('another-take').click();
    const take = a.getByTestId('take-image');
    await take.waitFor({ timeout: 30_000 });
    const first = await take.getAttribute('data-seed');
    const firstSrc = await take.getAttribute('src');
    expect(Number(first)).toBeGreaterThan(0);
    // B still sees the room's picture.
    expect(await b.getByTestId('take-image').count()).toBe(0);
    expect(await b.getByTestId('render-image').count()).toBe(1);

    await a.getByTestId('another-take').click();
    await expect
      .poll(async () => (await take.getAttribute('data-seed')) !== first && (await take.getAttribute('src')) !== firstSrc, {
        timeout: 30_000,
      })
      .toBe(true);

    // Painting while a take is shown: the take follows the new version.
    const before = Number(await take.getAttribute('data-version'));
    await a.locator('[data-label="sea"]').click();
    await paint(a, [
      [0.1, 0.9],
      [0.9, 0.9],
    ]);
    await expect.poll(async () => Number(await take.getAttribute('data-version')), { timeout: 30_000 }).toBeGreaterThan(before);

    // With two people here a take is proposed to a vote; alone, it becomes the room's style.
    expect(await a.getByTestId('propose-take').textContent()).toBe('Propose this take');
    await b.context().close();
    await expect.poll(() => a.getByTestId('propose-take').textContent(), { timeout: 10_000 }).toBe('Use this take');
    const seed = await take.getAttribute('data-seed');
    await a.getByTestId('propose-take').click();
    await expect
      .poll(() => a.getByTestId('current-style').getAttribute('data-style-id'), { timeout: 10_000 })
      .toMatch(new RegExp(`^take:.+:${seed}$`));
    await a.getByTestId('end-take').click();
    expect(await a.getByTestId('take-image').count()).toBe(0);
    await a.context().close();
  });
});
