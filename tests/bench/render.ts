/**
 * Render benchmark: 1, 4 and 16 rooms painting at once (one painter and one watcher each);
 * server render time p50/p95, frames/s, stroke -> frame at the watcher p50/p95; then the shipped
 * generator against an official-size one (ngf 64, random weights, same export path) in
 * onnxruntime-node for the speed ratio. Run: npm run bench:render
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { io, type Socket } from 'socket.io-client';
import { createRoom, startServer } from '../helpers/server';
import { connect, synced, type YClient } from '../helpers/yclient';
import { docVersion } from '../../lib/docVersion';
import { SOCKET_EVENTS, type FrameMeta } from '../../lib/protocol';
import { percentile } from './procStats';

const SECONDS = 10;
const STROKE_EVERY_MS = 250;
const root = path.resolve(import.meta.dirname, '..', '..');

async function runRooms(roomCount: number) {
  const server = await startServer();
  const renderMs: number[] = [];
  const strokeToFrame: number[] = [];
  const clients: YClient[] = [];
  const sockets: Socket[] = [];
  const pending: Array<Array<{ version: number; at: number }>> = [];
  let frames = 0;
  let measuring = false;
  for (let r = 0; r < roomCount; r++) {
    const room = await createRoom(server.url, true);
    const painter = connect(server.wsUrl, room);
    await synced(painter);
    clients.push(painter);
    const waiting: Array<{ version: number; at: number }> = [];
    pending.push(waiting);
    const socket = io(server.url, { transports: ['websocket'], forceNew: true });
    sockets.push(socket);
    socket.on(SOCKET_EVENTS.frame, (meta: FrameMeta) => {
      const now = performance.now();
      if (!measuring) return;
      frames += 1;
      renderMs.push(meta.renderMs);
      // Every stroke this frame includes is now visible at the watcher.
      while (waiting.length > 0 && waiting[0].version <= meta.version) strokeToFrame.push(now - waiting.shift()!.at);
    });
    await new Promise<void>((resolve) => socket.on('connect', () => socket.emit(SOCKET_EVENTS.join, room, () => resolve())));
  }
  await new Promise((r) => setTimeout(r, 1500)); // first frames of every room
  measuring = true;
  let i = 0;
  const t0 = performance.now();
  const timers = clients.map((painter, r) => setTimeout(() => {
    const paint = () => {
      i += 1;
      const y = 100 + ((i * 53) % 800);
      painter.strokes.push([{ id: `r${r}s${i}`, tool: 'brush', label: i % 2 ? 'tree' : 'grass', size: 60, points: [100, y, 500, y + 40, 900, y] }]);
      pending[r].push({ version: docVersion(painter.doc), at: performance.now() });
    };
    paint();
    timers[r] = setInterval(paint, STROKE_EVERY_MS);
  }, (r * STROKE_EVERY_MS) / roomCount));
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  for (const t of timers) clearInterval(t);
  const wall = (performance.now() - t0) / 1000;
  measuring = false;
  for (const s of sockets) s.disconnect();
  for (const c of clients) c.destroy();
  await server.stop('SIGKILL');
  return { roomCount, frames, fps: frames / wall, render: renderMs, s2f: strokeToFrame };
}

async function timeModel(file: string, runs: number): Promise<number> {
  const session = await ort.InferenceSession.create(file, { executionProviders: ['cpu'], intraOpNumThreads: os.availableParallelism() });
  const feeds = { labels: new ort.Tensor('uint8', new Uint8Array(256 * 256), [1, 256, 256]), z: new ort.Tensor('float32', new Float32Array(256), [1, 256]) };
  await session.run(feeds);
  const times: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t = performance.now();
    await session.run(feeds);
    times.push(performance.now() - t);
  }
  await session.release();
  return percentile(times, 50);
}

const f = (n: number) => n.toFixed(0);
const lines = ['| rooms painting | frames | frames/s | render p50 ms | render p95 ms | stroke -> frame p50 ms | stroke -> frame p95 ms |', '|---:|---:|---:|---:|---:|---:|---:|'];
for (const n of (process.env.BENCH_ROOMS ?? '1,4,16').split(',').map(Number)) {
  const r = await runRooms(n);
  lines.push(`| ${n} | ${r.frames} | ${r.fps.toFixed(1)} | ${f(percentile(r.render, 50))} | ${f(percentile(r.render, 95))} | ${f(percentile(r.s2f, 50))} | ${f(percentile(r.s2f, 95))} |`);
  console.error(`done: ${n} rooms`);
}
console.log(`### Render loop (one stroke every ${STROKE_EVERY_MS} ms per room, ${SECONDS} s, CPU, 256x256 WebP frames)\n`);
console.log(lines.join('\n'));

// MODELS_DIR (as for the server) lets a candidate model directory be benchmarked end to end.
const shipped = path.join(process.env.MODELS_DIR ?? path.join(root, 'models'), 'landscape', 'generator.onnx');
const official = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'spade-official-')), 'official.onnx');
const made = spawnSync('/usr/bin/python3', [path.join(root, 'models', 'export', 'random_config.py'), official, '--ngf', '64', '--nhidden', '128'], { encoding: 'utf8' });
if (made.status !== 0) throw new Error(`official-size export failed:\n${made.stderr}`);
const shippedMs = await timeModel(shipped, 10);
const officialMs = await timeModel(official, 3);
fs.rmSync(path.dirname(official), { recursive: true, force: true });
console.log('\n### Shipped vs official-size generator (onnxruntime-node, CPU, one 256x256 frame, median)\n');
console.log('| model | ms per frame |\n|---|---:|');
console.log(`| shipped (${path.relative(root, shipped)}) | ${f(shippedMs)} |`);
console.log(`| official size: ngf 64, SPADE hidden 128 (random weights, same export) | ${f(officialMs)} |`);
console.log(`\nSpeed-up: ${(officialMs / shippedMs).toFixed(1)}x (${made.stdout.trim()})`);
