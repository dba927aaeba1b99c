import type { Browser, Page } from 'playwright-core';

/** Opens a room in a fresh browser context (its own identity cookie: a different person) and waits for sync. */
export async function openRoom(browser: Browser, url: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(url);
  await page.locator('[data-testid="sync-status"][data-synced="true"]').waitFor({ timeout: 30_000 });
  return page;
}

/** A new person (a fresh context) makes a room from the start page's API with their own cookie, so owns it, then opens it. */
export async function ownRoom(browser: Browser, url: string): Promise<{ page: Page; roomId: string }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(url);
  const roomId = await page.evaluate(async () => {
    const res = await fetch('/api/rooms', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"starter":false}' });
    return ((await res.json()) as { id: string }).id;
  });
  await page.goto(`${url}/r/${roomId}`);
  await page.locator('[data-testid="sync-status"][data-synced="true"]').waitFor({ timeout: 30_000 });
  return { page, roomId };
}

/** Drags the mouse across the canvas along canvas-relative fractions. */
export async function paint(page: Page, path: Array<[number, number]>): Promise<void> {
  const box = (await page.getByTestId('paint-canvas').boundingBox())!;
  const at = ([fx, fy]: [number, number]) => [box.x + fx * box.width, box.y + fy * box.height] as const;
  await page.mouse.move(...at(path[0]));
  await page.mouse.down();
  for (const p of path.slice(1)) await page.mouse.move(...at(p), { steps: 8 });
  await page.mouse.up();
}

/** FNV-1a hash of the label map, as the room page publishes it. */
export const mapHash = (page: Page) => page.getByTestId('map-hash').getAttribute('data-hash');

/** RGB of the label map (the canvas's pixels, whatever the zoom) at canvas fractions (fx, fy). */
export const colorAt = (page: Page, fx: number, fy: number) =>
  page.getByTestId('label-map').evaluate(
    (canvas: HTMLCanvasElement, [x, y]) => {
      const px = Math.min(canvas.width - 1, Math.floor(x * canvas.width));
      const py = Math.min(canvas.height - 1, Math.floor(y * canvas.height));
      const d = canvas.getContext('2d')!.getImageData(px, py, 1, 1).data;
      return [d[0], d[1], d[2]];
    },
    [fx, fy],
  );
