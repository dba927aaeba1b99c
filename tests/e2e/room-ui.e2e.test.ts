import { describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createRoom } from '../helpers/server';
import { browserSuite } from '../helpers/browserSuite';
import { colorAt, mapHash } from '../helpers/roomPage';
import { loadLandscape } from '../bench/raster';

const palette = loadLandscape().labels;
const rgb = (name: string) => palette.find((l) => l.name === name)!.color;

async function open(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  await page.locator('[data-testid="sync-status"][data-synced="true"]').waitFor({ timeout: 30_000 });
  return page;
}

/** A context whose pages lack the Clipboard API (a plain-http origin) or have one that refuses. */
async function contextWithClipboard(browser: Browser, clipboard: 'missing' | 'refusing', legacyCopy: boolean): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await context.addInitScript(
    ([mode, legacy]) => {
      if (mode === 'missing') Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined });
      else navigator.clipboard.writeText = () => Promise.reject(new DOMException('Write permission denied.', 'NotAllowedError'));
      if (!legacy) document.execCommand = () => false;
    },
    [clipboard, legacyCopy] as const,
  );
  return context;
}

describe('room page: copy link, not-found pages, phone layout, console', () => {
  const suite = browserSuite();

  it('"Copy room link" says what happened: copied, or the link to copy by hand', async (ctx) => {
    const ready = suite.ready();
    if (!ready) return ctx.skip();
    const { browser, server } = ready;
    const url = `${server.url}/r/${await createRoom(server.url, false)}`;

    // A working clipboard: the link is on it, and the button says so.
    const ok = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await ok.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    const page = await open(ok, url);
    await page.getByTestId('copy-link').click();
    await expect.poll(() => page.getByTestId('copy-link').textContent()).toBe('Link copied ✓');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);
    await ok.close();

    // No Clipboard API and no legacy copy, or a refused write: never "Link copied"; the link is shown selected.
    for (const mode of ['missing', 'refusing'] as const) {
      const context = await contextWithClipboard(browser, mode, false);
      const p = await open(context, url);
      await p.getByTestId('copy-link').click();
      const manual = p.getByTestId('copy-link-manual');
      await manual.waitFor();
      expect(await manual.textContent()).toMatch(/did not let the page copy.*Ctrl\+C/);
      const field = manual.getByRole('textbox', { name: 'Room link' });
      expect(await field.inputValue()).toBe(url);
      expect(await field.evaluate((el: HTMLInputElement) => el.selectionStart === 0 && el.selectionEnd === el.value.length)).toBe(true);
      expect(await p.getByTestId('copy-link').textContent()).toBe('Copy room link');
      await context.close();
    }

    // No Clipboard API, but the legacy copy works (plain http in a real browser): copied.
    const legacy = await contextWithClipboard(browser, 'missing', true);
    const p = await open(legacy, url);
    await p.getByTestId('copy-link').click();
    await expect.poll(() => p.getByTestId('copy-link').textContent()).toBe('Link copied ✓');
    expect(await p.getByTestId('copy-link-manual').count()).toBe(0);
    await legacy.close();
  });

  it('unknown scene, room and page URLs get a friendly not-found page with a way back', async (ctx) => {
    const ready = suite.ready();
    if (!ready) return ctx.skip();
    const { browser, server } = ready;
    const page = await (await browser.newContext()).newPage();
    for (const path of ['/scenes/not-a-scene', '/r/NOT_A_ROOM!', '/no/such/page']) {
      const res = await page.goto(`${server.url}${path}`);
      expect(res!.status()).toBe(404);
      await page.getByTestId('not-found').waitFor();
      expect(await page.getByRole('heading', { name: 'Nothing here' }).count()).toBe(1);
      expect(await page.getByTestId('not-found').getByRole('link', { name: 'Start page' }).getAttribute('href')).toBe('/');
      expect(await page.getByTestId('not-found').getByRole('link', { name: 'Gallery' }).getAttribute('href')).toBe('/gallery');
    }
    await page.context().close();
  });

  it('phone: the canvas is within the first screen, no key badges, tap paints, pinch zooms', async (ctx) => {
    const ready = suite.ready();
    if (!ready) return ctx.skip();
    const { browser, server } = ready;
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 2,
    });
    const page = await open(context, `${server.url}/r/${await createRoom(server.url, true)}`);
    const frame = (await page.getByTestId('paint-canvas').boundingBox())!;
    expect(frame.y).toBeGreaterThan(0);
    expect(frame.y + frame.height).toBeLessThanOrEqual(844);
    expect(frame.width).toBeGreaterThan(330);
    expect(await page.locator('kbd:visible').count()).toBe(0);
    expect(await page.locator('.palette .swatch:visible').count()).toBe(16);

    await page.locator('[data-label="snow"]').tap();
    await page.touchscreen.tap(frame.x + frame.width * 0.5, frame.y + frame.height * 0.1);
    await expect.poll(() => colorAt(page, 0.5, 0.1), { timeout: 10_000 }).toEqual(rgb('snow'));

    // Two fingers spreading apart zoom in and paint nothing.
    const hash = await mapHash(page);
    const cdp = await context.newCDPSession(page);
    const cx = frame.x + frame.width / 2;
    const cy = frame.y + frame.height / 2;
    const fingers = (d: number) => [
      { x: cx - d, y: cy, id: 0 },
      { x: cx + d, y: cy, id: 1 },
    ];
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: fingers(40) });
    for (const d of [60, 80, 100, 120]) await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: fingers(d) });
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await expect.poll(async () => Number(await page.getByTestId('paint-canvas').getAttribute('data-scale'))).toBeCloseTo(3, 1);
    expect(await mapHash(page)).toBe(hash);
    await context.close();
  });

  it('the picture opens in a large view (P or the button) and closes with Escape', async (ctx) => {
    const ready = suite.ready();
    if (!ready) return ctx.skip();
    const { browser, server } = ready;
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await open(context, `${server.url}/r/${await createRoom(server.url, true)}`);
    const picture = page.getByTestId('picture');
    const small = (await picture.locator('.render-frame').boundingBox())!;
    await expect
      .poll(async () => {
        await page.keyboard.press('p');
        return picture.getAttribute('data-large');
      })
      .toBe('true');
    const large = (await picture.locator('.render-frame').boundingBox())!;
    expect(large.width).toBeGreaterThan(1.5 * small.width);
    expect(large.width).toBeGreaterThan(700);
    expect(large.y + large.height).toBeLessThanOrEqual(900);
    await page.keyboard.press('Escape');
    await expect.poll(() => picture.getAttribute('data-large')).toBe('false');
    await page.getByTestId('large-view').click();
    await expect.poll(() => picture.getAttribute('data-large')).toBe('true');
    await page.getByTestId('large-view').click();
    await expect.poll(() => picture.getAttribute('data-large')).toBe('false');
    await context.close();
  });

  it('a room loads without WebGPU initialisation errors where there is no GPU adapter', async (ctx) => {
    const ready = suite.ready();
    if (!ready) return ctx.skip();
    const { browser, server } = ready;
    const context = await browser.newContext();
    const logs: string[] = [];
    context.on('page', (p) => {
      p.on('console', (m) => logs.push(m.text()));
      p.on('worker', (w) => w.on('console', (m) => logs.push(m.text())));
    });
    const page = await open(context, `${server.url}/r/${await createRoom(server.url, false)}`);
    // the preview worker has finished choosing its backend (it tried webgpu on the way; the first
    // ready message comes with wasm alone, before the GPU backends are timed)
    await expect.poll(() => page.getByTestId('preview-diagnostics').getAttribute('data-settled'), { timeout: 60_000 }).toBe('true');
    expect(await page.getByTestId('preview-diagnostics').textContent()).toMatch(/webgpu: unavailable/);
    expect(logs.filter((l) => /webgpu/i.test(l))).toEqual([]);
    await context.close();
  });
});
