/**
 * Two browsers in one room (issue 19 item 2): page A paints, page B is the co-painter. Per
 * stroke, from A's pointerup (recorded in page A) to what page B shows (recorded in page B, both
 * on the host's wall clock: performance.timeOrigin + performance.now()):
 *   - B's label map redrawn (its map hash changes), B's preview of that version,
 *   - B's first server frame and first full-quality frame holding the stroke (image loaded),
 * and, to place the time, the stroke at a Node Yjs client in the room (the sync leg) and the
 * full frame at a Node socket.io watcher (server emit + delivery to a client without a page).
 * Busy rooms: COPAINT_BUSY other rooms, each with a Node painter (a stroke every 250 ms) and a
 * watcher, as in bench:render; A paints a stroke every 250 ms too. Needs a production build
 * (`npx next build`). Run: npm run bench:copaint  (COPAINT_BUSY=0,3 COPAINT_STROKES=30)
 *
 * The browsers share the host's cores with the server: two pages running the preview on every
 * pointer move take most of 2 cores, and the render thread runs at RENDER_NICE 10. For the
 * server's side as it would be with the painters on their own machines, COPAINT_BROWSER_NICE=19
 * lowers every Chromium thread's priority (and its autogroup's: Playwright starts the browser in
 * a session of its own) once the pages are loaded.
 */
import fs from 'node:fs';
import os from 'node:os';
import type { Page } from 'playwright-core';
import { io } from 'socket.io-client';
import { docVersion } from '../../lib/docVersion';
import { EVENTS } from '../../lib/events';
import type { FrameMeta } from '../../lib/protocol';
import { launchBrowser } from '../helpers/browser';
import { openRoom } from '../helpers/roomPage';
import { createRoom, startServer, type TestServer } from '../helpers/server';
import { connect, synced, type YClient } from '../helpers/yclient';
import { bandStroke, FrameWatch, p50p95 } from './frameWatch';

const STROKES = Number(process.env.COPAINT_STROKES ?? 30);
const EVERY_MS = 250;
const BROWSER_NICE = Number(process.env.COPAINT_BROWSER_NICE ?? 0);
const now = () => performance.timeOrigin + performance.now();

interface Shown {
  kind: 'map' | 'preview' | 'image';
  t: number;
  version: number;
  quality?: string;
  /** Previews: the page's own measure (change seen -> picture) and the worker's run, ms; live: strokes in progress drawn in. */
  latency?: number;
  run?: number;
  live?: boolean;
}

/** Page B records, in the page, when its label map, preview and server image change. */
function recordShown() {
  const shown: Shown[] = [];
  (window as unknown as { __shown: Shown[] }).__shown = shown;
  const at = () => performance.timeOrigin + performance.now();
  const images = new Map<string, { version: number; quality: string }>();
  new MutationObserver((mutations) => {
    for (const m of mutations) {
      const el = m.target as HTMLElement;
      const id = el.dataset?.testid;
      if (id === 'map-hash' && m.attributeName === 'data-hash') shown.push({ kind: 'map', t: at(), version: 0 });
      if (id === 'preview-canvas' && m.attributeName === 'data-version')
        shown.push({
          kind: 'preview',
          t: at(),
          version: Number(el.dataset.version),
          latency: Number(el.dataset.latency),
          run: Number(el.dataset.runMs),
          live: el.dataset.live === 'true',
        });
      // The src and the quality label change in the same React commit: note them for the load.
      if (id === 'render-image' && m.attributeName === 'src') {
        const quality = document.querySelector('[data-testid="render-ms"]')?.getAttribute('data-quality') ?? '?';
        images.set((el as HTMLImageElement).src, { version: Number(el.dataset.version), quality });
      }
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-hash', 'data-version', 'src'] });
  document.addEventListener(
    'load',
    (e) => {
      const el = e.target as HTMLImageElement;
      const frame = el.dataset?.testid === 'render-image' ? images.get(el.src) : undefined;
      if (frame) shown.push({ kind: 'image', t: at(), ...frame });
    },
    true,
  );
}

/**
 * Sets the nice value of every thread of the browser's processes (Linux keeps nice per thread):
 * this process's descendants except the server's.
 */
function reniceBrowser(server: TestServer, nice: number): number {
  const root = process.pid;
  const skip = server.process.pid;
  const parent = new Map<number, number>();
  const session = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // after "(comm)": state, ppid, pgrp, session
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(entry), Number(fields[1]));
      session.set(Number(entry), Number(fields[3]));
    } catch {
      // the process ended meanwhile
    }
  }
  const inTree = (pid: number): boolean => pid !== skip && (pid === root || (parent.has(pid) && pid > 1 && inTree(parent.get(pid)!)));
  let threads = 0;
  for (const pid of parent.keys()) {
    if (pid === root || !inTree(pid)) continue;
    try {
      for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
        os.setPriority(Number(tid), nice);
        threads++;
      }
      // Playwright starts the browser in its own session, so with autogroup scheduling it is a
      // group of its own that shares the cores fairly with the server's whatever its threads'
      // nice: the group's nice is what lowers it. Only a session other than this one's: this
      // one's group holds the server too (and outlives the run, in the shell that started it).
      if (session.get(pid) !== session.get(root) && fs.existsSync(`/proc/${pid}/autogroup`))
        fs.writeFileSync(`/proc/${pid}/autogroup`, String(nice));
    } catch {
      // the process or thread ended meanwhile
    }
  }
  return threads;
}

async function strokeOnA(page: Page, i: number): Promise<void> {
  const box = (await page.getByTestId('paint-canvas').boundingBox())!;
  const y = 0.1 + ((i * 0.13) % 0.8);
  await page.mouse.move(box.x + 0.1 * box.width, box.y + y * box.height);
  await page.mouse.down();
  await page.mouse.move(box.x + 0.5 * box.width, box.y + (y + 0.05) * box.height, { steps: 3 });
  await page.mouse.move(box.x + 0.9 * box.width, box.y + y * box.height, { steps: 3 });
  await page.mouse.up();
}

async function busyRooms(server: TestServer, count: number) {
  const watch = new FrameWatch();
  const painters: YClient[] = [];
  for (let r = 0; r < count; r++) {
    const room = await createRoom(server.url, true);
    const painter = connect(server.wsUrl, room);
    await synced(painter);
    painters.push(painter);
    await watch.watch(server.url, room);
  }
  let i = 0;
  const timers = painters.map((p, r) =>
    setTimeout(
      () => {
        timers[r] = setInterval(() => p.strokes.push([bandStroke(`b${r}s${i++}`, i)]), EVERY_MS);
      },
      (r * EVERY_MS) / Math.max(1, count),
    ),
  );
  return () => {
    timers.forEach(clearInterval);
    watch.close();
    painters.forEach((p) => p.destroy());
  };
}

async function run(busy: number) {
  const server = await startServer({ ui: true });
  const browser =
    (await launchBrowser()) ??
    (() => {
      throw new Error('Chromium is needed: apt-get install chromium');
    })();
  try {
    const room = await createRoom(server.url, true);
    const url = `${server.url}/r/${room}`;
    const a = await openRoom(browser, url);
    const b = await openRoom(browser, url);
    await a.evaluate(() => {
      const ups: number[] = [];
      (window as unknown as { __ups: number[] }).__ups = ups;
      document.addEventListener('pointerup', () => ups.push(performance.timeOrigin + performance.now()), true);
    });
    await b.getByRole('tab', { name: 'Both' }).click();
    // tsx (esbuild's keepNames) wraps named functions in __name(), which the page does not define.
    await b.evaluate('globalThis.__name = (f) => f');
    await b.evaluate(recordShown);
    // The sync leg and the server's frames, seen from Node.
    const probe = connect(server.wsUrl, room);
    await synced(probe);
    const arrived: Array<{ t: number; version: number }> = [];
    probe.strokes.observe((event) => {
      if (!event.transaction.local) arrived.push({ t: now(), version: docVersion(probe.doc) });
    });
    const frames: Array<{ t: number; meta: FrameMeta }> = [];
    const feed = io(server.url, { transports: ['websocket'], forceNew: true, query: { room } });
    feed.on(EVENTS.frame, (meta: FrameMeta) => frames.push({ t: now(), meta }));
    await new Promise<void>((resolve) => feed.on('connect', () => feed.emit(EVENTS.join, room, () => resolve())));
    const stopBusy = await busyRooms(server, busy);
    await new Promise((r) => setTimeout(r, 2000)); // every room's first frame, B's preview model
    if (BROWSER_NICE !== 0) console.error(`browser threads at nice ${BROWSER_NICE}: ${reniceBrowser(server, BROWSER_NICE)}`);
    const started = arrived.length;
    for (let i = 0; i < STROKES; i++) {
      const t0 = performance.now();
      await strokeOnA(a, i);
      await new Promise((r) => setTimeout(r, Math.max(0, EVERY_MS - (performance.now() - t0))));
    }
    await new Promise((r) => setTimeout(r, 3000)); // the last strokes' full frames
    stopBusy();
    feed.disconnect();
    probe.destroy();
    const ups = await a.evaluate(() => (window as unknown as { __ups: number[] }).__ups);
    const shown = await b.evaluate(() => (window as unknown as { __shown: Shown[] }).__shown);
    const visible = await b.evaluate(() => document.visibilityState);
    const strokes = arrived.slice(started);
    if (strokes.length !== ups.length) console.error(`warning: ${ups.length} pointerups on A, ${strokes.length} strokes arrived`);
    const legs = {
      sync: [] as number[],
      map: [] as number[],
      preview: [] as number[],
      previewOwn: [] as number[],
      previewRun: [] as number[],
      nodeFull: [] as number[],
      first: [] as number[],
      full: [] as number[],
      bAfterNode: [] as number[],
    };
    strokes.forEach((s, k) => {
      const up = ups[k];
      if (up === undefined) return;
      const after = <T extends { t: number }>(list: T[], ok: (x: T) => boolean) => list.find((x) => x.t >= up && ok(x));
      const since = (into: number[], t: number | undefined) => t !== undefined && into.push(t - up);
      const map = after(shown, (x) => x.kind === 'map');
      const preview = after(shown, (x) => x.kind === 'preview' && x.version >= s.version);
      const nodeFull = after(frames, (f) => f.meta.quality === 'full' && f.meta.version >= s.version);
      const bFirst = after(shown, (x) => x.kind === 'image' && x.version >= s.version);
      const bFull = after(shown, (x) => x.kind === 'image' && x.quality === 'full' && x.version >= s.version);
      since(legs.sync, s.t);
      since(legs.map, map?.t);
      since(legs.preview, preview?.t);
      if (preview) {
        legs.previewOwn.push(preview.latency!);
        legs.previewRun.push(preview.run!);
      }
      since(legs.nodeFull, nodeFull?.t);
      since(legs.first, bFirst?.t);
      since(legs.full, bFull?.t);
      if (nodeFull && bFull) legs.bAfterNode.push(bFull.t - nodeFull.t);
    });
    const ours = frames.filter((f) => f.t >= (ups[0] ?? 0));
    const renderMs = ours.filter((f) => f.meta.quality === 'full').map((f) => f.meta.renderMs);
    const drafts = ours.filter((f) => f.meta.quality === 'draft').length;
    return { busy, strokes: strokes.length, legs, renderMs, drafts, frames: ours.length, visible };
  } finally {
    await browser.close();
    await server.stop(); // SIGTERM: a profiler preloaded with NODE_OPTIONS (tests/bench/cpuProfile.mjs) writes on exit
  }
}

const rows: string[] = [];
for (const busy of (process.env.COPAINT_BUSY ?? '0,3').split(',').map(Number)) {
  const r = await run(busy);
  const { legs } = r;
  rows.push(
    `| ${busy + 1} | ${r.strokes} | ${p50p95(legs.sync)} | ${p50p95(legs.map)} | ${p50p95(legs.preview)} (${p50p95(legs.previewOwn)}; run ${p50p95(legs.previewRun)}) | ${p50p95(legs.nodeFull)} | ${p50p95(legs.first)} | ${p50p95(legs.full)} | ${p50p95(legs.bAfterNode)} | ${p50p95(r.renderMs)} | ${r.frames} (${r.drafts} drafts) | ${r.visible} |`,
  );
  console.error(`done: ${busy} busy rooms besides the browsers'`);
}
console.log(
  `### Two browsers in one room: A's stroke (pointerup) -> what B shows (headless Chromium at nice ${BROWSER_NICE}, ${STROKES} strokes, one every ${EVERY_MS} ms)\n`,
);
console.log(
  '| rooms painting | strokes | -> Node Yjs client p50 / p95 ms | -> B label map | -> B preview (as the page measures it: change seen -> picture; worker run) | -> full frame at a Node watcher | -> B first frame (any quality) | -> B full frame | B full frame after the Node watcher | server render full p50 / p95 ms | frames in the room | B visibility |',
);
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
console.log(rows.join('\n'));
process.exit(0); // nothing is left to wait for: a lingering handle must not hold the heavy-job lock
