/**
 * Render benchmark: 1, 4 and 16 rooms painting at once (one painter and one watcher each);
 * server render time p50/p95 per quality, frames/s, share of draft frames, stroke -> first frame
 * (any quality) and stroke -> full-quality frame at the watcher p50/p95, and stroke -> the
 * stroke at a co-painter (a second Yjs client: how the sync loop fares while the server renders);
 * then the shipped generator (and its draft graph) against an official-size one (ngf 64, random
 * weights, same export path; tests/bench/official.ts) in onnxruntime-node: every render figure is
 * printed with its ratio to that run's official-size time. Run: npm run bench:render
 * (BENCH_ROOMS=1,4,16; BENCH_OFFICIAL=0 skips the official-size timing and its ratios)
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRoom, startServer } from '../helpers/server';
import { connect, synced, type YClient } from '../helpers/yclient';
import { percentile } from './procStats';
import { bandStroke, FrameWatch, p50p95 } from './frameWatch';
import { exportOfficial, officialEnabled, ratio, timeGraph } from './official';

const SECONDS = 10;
const STROKE_EVERY_MS = 250;
/** After painting stops, frames still count for latency (not frames/s) so late strokes get theirs. */
const DRAIN_MS = 3000;
const root = path.resolve(import.meta.dirname, '..', '..');

async function runRooms(roomCount: number) {
  const server = await startServer();
  const renderMs = { draft: [] as number[], full: [] as number[] };
  const strokeToPeer: number[] = [];
  const clients: YClient[] = [];
  const watch = new FrameWatch();
  const painters: Array<{ painter: YClient; sentAt: Map<string, number> }> = [];
  for (let r = 0; r < roomCount; r++) {
    const room = await createRoom(server.url, true);
    const painter = connect(server.wsUrl, room);
    await synced(painter);
    clients.push(painter);
    const peer = connect(server.wsUrl, room);
    await synced(peer);
    clients.push(peer);
    const sentAt = new Map<string, number>();
    painters.push({ painter, sentAt });
    peer.strokes.observe((event) => {
      if (!watch.measuring) return;
      for (const item of event.changes.added) {
        for (const s of item.content.getContent() as Array<{ id: string }>) {
          const at = sentAt.get(s.id);
          if (at !== undefined) strokeToPeer.push(performance.now() - at);
        }
      }
    });
    await watch.watch(server.url, room, (meta) => renderMs[meta.quality].push(meta.renderMs));
  }
  const wall = await watch.measure({ rooms: roomCount, everyMs: STROKE_EVERY_MS, seconds: SECONDS, drainMs: DRAIN_MS }, (r, i) => {
    const { painter, sentAt } = painters[r];
    const id = `r${r}s${i}`;
    sentAt.set(id, performance.now());
    painter.strokes.push([bandStroke(id, i)]);
    watch.painted(r, painter.doc);
  });
  const unanswered = watch.unanswered();
  watch.close();
  for (const c of clients) c.destroy();
  await server.stop('SIGKILL');
  const { frames, drafts } = watch;
  return {
    roomCount,
    frames,
    drafts,
    fps: frames / wall,
    render: renderMs,
    s2f: watch.toFrame,
    s2full: watch.toFull,
    s2peer: strokeToPeer,
    unanswered,
  };
}

const f = (n: number) => n.toFixed(0);
const runs: Array<Awaited<ReturnType<typeof runRooms>>> = [];
for (const n of (process.env.BENCH_ROOMS ?? '1,4,16').split(',').map(Number)) {
  runs.push(await runRooms(n));
  console.error(`done: ${n} rooms`);
}

// MODELS_DIR (as for the server) lets a candidate model directory be benchmarked end to end.
const landscape = path.join(process.env.MODELS_DIR ?? path.join(root, 'models'), 'landscape');
const shipped = path.join(landscape, 'generator.onnx');
const draftName = (JSON.parse(fs.readFileSync(path.join(landscape, 'model.json'), 'utf8')) as { draft?: string }).draft;
const draft = draftName ? path.join(landscape, draftName) : null;
const shippedMs = await timeGraph(shipped, 256, 10);
const draftMs = draft ? await timeGraph(draft, 256, 10) : null;
const official = officialEnabled ? exportOfficial(false) : null;
const officialMs = official ? await timeGraph(official.frame, 256, 3) : null;
official?.remove();

const lines = [
  '| rooms painting | frames | frames/s | draft frames | render full p50 / p95 ms | render draft p50 / p95 ms | official-size ratio (full / draft p50) | stroke -> first frame p50 / p95 ms | stroke -> full frame p50 / p95 ms | strokes without a full frame | stroke -> co-painter p50 / p95 ms |',
  '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
];
for (const r of runs) {
  const share = r.frames > 0 ? Math.round((100 * r.drafts) / r.frames) : 0;
  const ratios = `${ratio(officialMs, percentile(r.render.full, 50))} / ${ratio(officialMs, percentile(r.render.draft, 50))}`;
  lines.push(
    `| ${r.roomCount} | ${r.frames} | ${r.fps.toFixed(1)} | ${share}% | ${p50p95(r.render.full)} | ${p50p95(r.render.draft)} | ${ratios} | ${p50p95(r.s2f)} | ${p50p95(r.s2full)} | ${r.unanswered} | ${p50p95(r.s2peer)} |`,
  );
}
console.log(`### Render loop (one stroke every ${STROKE_EVERY_MS} ms per room, ${SECONDS} s, CPU, 256x256 WebP frames)\n`);
console.log(
  `Frames and frames/s over the ${SECONDS} s of painting; stroke latencies include frames up to ${DRAIN_MS} ms after it stops. ` +
    "Official-size ratio: the official-size graph alone (timed below, this run) over the server's render time (rasterising, thread hop and WebP included).\n",
);
console.log(lines.join('\n'));
console.log('\n### Shipped vs official-size generator (onnxruntime-node, CPU, one 256x256 frame, median)\n');
console.log('| model | ms per frame | official-size ratio |\n|---|---:|---:|');
console.log(`| shipped (${path.relative(root, shipped)}) | ${f(shippedMs)} | ${ratio(officialMs, shippedMs)} |`);
if (draft && draftMs !== null)
  console.log(`| shipped draft graph (${path.relative(root, draft)}) | ${f(draftMs)} | ${ratio(officialMs, draftMs)} |`);
if (official && officialMs !== null) console.log(`| official size (${official.info}; same export) | ${f(officialMs)} | 1.0x |`);
else console.log('| official size | not timed (BENCH_OFFICIAL=0) | - |');
