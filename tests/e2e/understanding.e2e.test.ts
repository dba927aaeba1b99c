import { describe, expect, it } from 'vitest';
import { createRoom } from '../helpers/server';
import { browserSuite } from '../helpers/browserSuite';
import { openRoom } from '../helpers/roomPage';

describe('did the model understand you, in the room page', () => {
  const suite = browserSuite();

  it('checks the full picture: agreement, labels worst first, an overlay over the picture', async (ctx) => {
    const ready = suite.ready();
    if (!ready) return ctx.skip();
    const { browser, server } = ready;
    const page = await openRoom(browser, `${server.url}/r/${await createRoom(server.url, true)}`);
    await page.locator('[data-testid="render-ms"][data-quality="full"]').waitFor({ timeout: 60_000 });
    const panel = page.getByTestId('understanding');
    await panel.locator('summary').click();
    await page.getByTestId('understanding-check').click();
    const report = page.getByTestId('understanding-report');
    await report.waitFor({ timeout: 30_000 });
    const agreement = Number(await report.getAttribute('data-agreement'));
    expect(agreement).toBeGreaterThan(0.3);
    expect(agreement).toBeLessThanOrEqual(1);
    const rows = page.getByTestId('understanding-labels').locator('li');
    const agreed = await rows.evaluateAll((items) => items.map((li) => Number(li.getAttribute('data-agreed'))));
    expect(agreed.length).toBeGreaterThan(2); // the starter scene paints several labels
    expect([...agreed].sort((a, b) => a - b)).toEqual(agreed); // worst understood first
    const overlay = page.getByTestId('understanding-overlay');
    await expect.poll(() => overlay.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(256);
    await page.context().close();
  });
});
