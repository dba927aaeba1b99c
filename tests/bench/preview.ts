/**
 * Preview benchmark in headless Chromium: for each backend that works here, per stroke (p50/p95
 * over 20 strokes, measured in the page from the change to the worker's result): brush moving ->
 * live preview of the stroke being drawn, and stroke committed -> preview of that document
 * version (often the last live picture re-issued: the committed map is the one just drawn); the
 * model download size and load time. Needs a production build (`npx next build`).
 * Run: npm run bench:preview
 *
 * PREVIEW_BACKENDS=wasm limits the backends, PREVIEW_STROKES sets the strokes per backend.
 * PREVIEW_REUSE=0 runs every picture from scratch (no coarse-block reuse). The
 * server inherits the environment: MODELS_DIR serves another models folder (how candidate
 * preview configs are timed, tests/bench/preview-configs.sh); RENDER_THREADS=1 keeps the
 * server's full-quality renderer, which runs on every stroke, to one of the machine's cores.
 */
import type { Page } from 'playwright-core';
import { createRoom, startServer } from '../helpers/server';
import { launchBrowser } from '../helpers/browser';
import { percentile } from './procStats';

const STROKES = Number(process.env.PREVIEW_STROKES ?? 20);
const BACKENDS = (process.env.PREVIEW_BACKENDS ?? 'wasm,webgl,webgpu').split(',');
const OPTIONS = process.env.PREVIEW_REUSE === '0' ? '&previewReuse=0' : '';

/**
 * Per stroke: brush -> live preview ms (the first live picture after the pointer stops moving)
 * with that picture's own worker run, commit -> preview ms, and the worker's run (forward +
 * readback) of that committed picture.
 */
async function measure(page: Page): Promise<{ live: number[]; liveRuns: number[]; latencies: number[]; runs: number[] }> {
  const box = (await page.getByTestId('paint-canvas').boundingBox())!;
  const canvas = page.getByTestId('preview-canvas');
  const live: number[] = [];
  const liveRuns: number[] = [];
  const latencies: number[] = [];
  const runs: number[] = [];
  for (let i = 0; i < STROKES; i++) {
    const version = Number(await page.getByTestId('preview-canvas').getAttribute('data-version'));
    await page.locator(`[data-label="${i % 2 ? 'tree' : 'sea'}"]`).click();
    const y = 0.1 + (i % 9) * 0.09;
    await page.mouse.move(box.x + 0.1 * box.width, box.y + y * box.height);
    await page.mouse.down();
    await page.mouse.move(box.x + 0.8 * box.width, box.y + (y + 0.05) * box.height, { steps: 5 });
    try {
      await page.waitForFunction(
        () => document.querySelector('[data-testid="preview-canvas"]')?.getAttribute('data-live') === 'true',
        undefined,
        { timeout: 5_000 },
      );
      const [latency, run] = await canvas.evaluate((c) => [c.getAttribute('data-latency'), c.getAttribute('data-run-ms')]);
      live.push(Number(latency));
      liveRuns.push(Number(run));
    } catch {
      // the stroke changed nothing at the preview's resolution: no live picture to wait for
    }
    await page.mouse.up();
    await page.waitForFunction(
      (v) => Number(document.querySelector('[data-testid="preview-canvas"]')?.getAttribute('data-version')) > v,
      version,
      { timeout: 20_000 },
    );
    // one evaluate: both attributes of the same frame
    const [latency, run] = await page
      .getByTestId('preview-canvas')
      .evaluate((c) => [c.getAttribute('data-latency'), c.getAttribute('data-run-ms')]);
    latencies.push(Number(latency));
    runs.push(Number(run));
  }
  return { live, liveRuns, latencies, runs };
}

const browser = await launchBrowser();
if (!browser) throw new Error('Chromium is needed: apt-get install chromium');
const server = await startServer({ ui: true });
const rows: string[] = [];
try {
  for (const backend of BACKENDS) {
    const room = await createRoom(server.url, true);
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    const errors: string[] = [];
    await page.goto(`${server.url}/r/${room}?previewBackend=${backend}${OPTIONS}`);
    await page.getByRole('tab', { name: 'Preview' }).click();
    const diagnostics = page.getByTestId('preview-diagnostics');
    try {
      await page.waitForFunction(
        () => {
          const el = document.querySelector('[data-testid="preview-diagnostics"]');
          return el?.getAttribute('data-backend') || /unavailable/.test(el?.textContent ?? '');
        },
        undefined,
        { timeout: 120_000 },
      );
    } catch {
      errors.push('timed out loading');
    }
    const used = await diagnostics.getAttribute('data-backend');
    if (used !== backend) {
      rows.push(
        `| ${backend} | not available here: ${errors[0] ?? (await diagnostics.textContent())?.replace(/\|/g, '/')} | | | | | | | | |`,
      );
      await page.context().close();
      continue;
    }
    const bytes = Number(await diagnostics.getAttribute('data-bytes'));
    const loadMs = Number(await diagnostics.getAttribute('data-load-ms'));
    const { live, liveRuns, latencies, runs } = await measure(page);
    // what a live picture waits for besides its own run: the run in flight when the brush moved, messages, the main thread
    const rest = live.map((l, i) => l - liveRuns[i]);
    rows.push(
      `| ${backend} | ${percentile(live, 50).toFixed(1)} | ${percentile(live, 95).toFixed(1)} | ${percentile(liveRuns, 50).toFixed(1)} / ${percentile(liveRuns, 95).toFixed(1)} | ${percentile(rest, 50).toFixed(1)} / ${percentile(rest, 95).toFixed(1)} | ${percentile(latencies, 50).toFixed(1)} | ${percentile(latencies, 95).toFixed(1)} | ${percentile(runs, 50).toFixed(1)} | ${(bytes / 1e6).toFixed(2)} MB | ${loadMs} |`,
    );
    await page.context().close();
    console.error(`done: ${backend}`);
  }
} finally {
  await browser.close();
  await server.stop();
}
console.log(`### Preview in headless Chromium (Debian chromium, --disable-gpu; ${STROKES} strokes each)\n`);
console.log(
  `| backend (PREVIEW_REUSE=${process.env.PREVIEW_REUSE ?? '1'}) | brush -> live preview p50 ms | p95 ms | of which its own run p50 / p95 ms | the rest p50 / p95 ms | stroke committed -> preview p50 ms | p95 ms | worker run p50 ms | model download | load ms (download + decode) |`,
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
console.log(rows.join('\n'));
