/**
 * Screenshots of the product as a user sees it, from a real server and headless Chromium: the
 * room (desktop, both views, zoomed in, a follower with their own take, the large picture, tablet and phone), the landing page and the gallery. Needs a
 * production build (`npx next build`). README images come from here (docs/images).
 *   npm run screenshots -- [output dir, default a new temporary dir]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRoom, startServer } from '../helpers/server';
import { launchBrowser } from '../helpers/browser';
import { openRoom, paint } from '../helpers/roomPage';

const out = process.argv[2] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'spade-shots-'));
fs.mkdirSync(out, { recursive: true });
const browser = await launchBrowser();
if (!browser) throw new Error('Chromium is needed: apt-get install chromium');
const server = await startServer({ ui: true });
try {
  const room = await createRoom(server.url, true);
  const page = await openRoom(browser, `${server.url}/r/${room}`);
  // a grassy shore in the foreground with a few trees on it
  for (let i = 0; i < 6; i++) await page.keyboard.press(']');
  await page.locator('[data-label="grass"]').click();
  await paint(page, [
    [0.02, 0.93],
    [0.3, 0.86],
    [0.55, 0.95],
    [0.02, 0.98],
  ]);
  for (let i = 0; i < 4; i++) await page.keyboard.press('[');
  await page.locator('[data-label="tree"]').click();
  await paint(page, [
    [0.08, 0.86],
    [0.1, 0.9],
  ]);
  await paint(page, [
    [0.22, 0.84],
    [0.24, 0.88],
  ]);
  await page.waitForTimeout(2500);
  // the pointer over the canvas: its label and the brush circle show
  const frame = (await page.getByTestId('paint-canvas').boundingBox())!;
  await page.mouse.move(frame.x + frame.width * 0.62, frame.y + frame.height * 0.7);
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${out}/room.png` });
  await page.getByTestId('save-scene').click();
  await page.getByTestId('scene-title').fill('Lake with pines');
  await page.keyboard.press('Enter');
  await page.getByTestId('scene-saved').waitFor();
  await page.getByTestId('save-scene').click();
  await page.getByRole('tab', { name: 'Both' }).click();
  await page.waitForTimeout(500);
  await page.screenshot({ path: `${out}/room-both.png` });
  await page.keyboard.press('p');
  await page.waitForTimeout(500);
  await page.screenshot({ path: `${out}/picture-large.png` });
  await page.keyboard.press('Escape');
  await page.getByRole('tab', { name: 'Auto' }).click();
  await page.mouse.move(frame.x + frame.width * 0.15, frame.y + frame.height * 0.88);
  for (let i = 0; i < 6; i++) await page.mouse.wheel(0, -200);
  await page.waitForTimeout(500);
  await page.screenshot({ path: `${out}/room-zoomed.png` });
  // a second person follows the first one's zoomed view and looks at their own take
  const follower = await openRoom(browser, `${server.url}/r/${room}`);
  await follower.getByTestId('follow').click();
  await follower.getByTestId('follow-banner').waitFor();
  await follower.getByRole('tab', { name: 'Full' }).click();
  await follower.getByTestId('another-take').click();
  await follower.getByTestId('take-image').waitFor({ timeout: 30_000 });
  await follower.waitForTimeout(800);
  await follower.screenshot({ path: `${out}/room-follow-take.png` });
  await follower.context().close();
  await page.getByTestId('zoom-fit').click();
  await page.mouse.move(0, 0);
  await page.setViewportSize({ width: 800, height: 1000 });
  await page.waitForTimeout(800);
  await page.screenshot({ path: `${out}/room-tablet.png` });
  const landing = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  await landing.goto(server.url);
  await landing.waitForTimeout(1500);
  await landing.screenshot({ path: `${out}/landing.png`, fullPage: true });
  await landing.setViewportSize({ width: 390, height: 844 });
  await landing.screenshot({ path: `${out}/landing-phone.png`, fullPage: true });
  // a phone: touch, no keyboard; the first screen as it opens
  const phone = await (
    await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 })
  ).newPage();
  await phone.goto(`${server.url}/r/${room}`);
  await phone.locator('[data-testid="sync-status"][data-synced="true"]').waitFor({ timeout: 30_000 });
  await phone.waitForTimeout(2500);
  await phone.screenshot({ path: `${out}/room-phone.png` });
  await landing.setViewportSize({ width: 1400, height: 900 });
  await landing.goto(`${server.url}/gallery`);
  await landing.waitForTimeout(1500);
  await landing.screenshot({ path: `${out}/gallery.png` });
  await landing.getByTestId('scene-card').first().click();
  await landing.waitForTimeout(2000);
  await landing.screenshot({ path: `${out}/scene.png`, fullPage: true });
} finally {
  await browser.close();
  await server.stop('SIGTERM');
}
console.log(`screenshots in ${out}`);
