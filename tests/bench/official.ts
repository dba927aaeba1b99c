/**
 * The official-size SPADE generator (ngf 64, SPADE hidden 128, as in the paper) with random
 * weights, exported through the shipped export path, and timed in onnxruntime-node: the yardstick
 * bench:render and bench:hires print every render figure against, measured in the same run (the
 * machine's speed changes between sessions; a ratio from another run would mix machines).
 * BENCH_OFFICIAL=0 skips it (a quicker run without ratios).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { percentile } from './procStats';

const root = path.resolve(import.meta.dirname, '..', '..');

export const officialEnabled = process.env.BENCH_OFFICIAL !== '0';

export interface OfficialGraphs {
  /** generator.onnx: 256 px, the frame graph's shape. */
  frame: string;
  /** generator_dynamic.onnx (any multiple of 32 px, as the hi-res graph), when asked for. */
  dynamic: string | null;
  /** What was exported: config, params and GMACs (random_config's figures). */
  info: string;
  remove(): void;
}

const python = (args: string[]) => {
  // models/ is a package run from the repository root
  const done = spawnSync('/usr/bin/python3', args, { encoding: 'utf8', cwd: root });
  if (done.status !== 0) throw new Error(`${args.join(' ')} failed:\n${done.stderr}`);
  return done.stdout.trim();
};

/** Exports the official-size generator (and its any-size graph with `dynamic`) into a temporary folder. */
export function exportOfficial(dynamic: boolean): OfficialGraphs {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spade-official-'));
  const frame = path.join(dir, 'generator.onnx');
  const made = JSON.parse(python(['-m', 'models.export.random_config', frame, '--ngf', '64', '--nhidden', '128'])) as {
    params: number;
    gmacs_exported_graph: number;
  };
  const info = `ngf 64, SPADE hidden 128, random weights, ${(made.params / 1e6).toFixed(1)} M params, ${made.gmacs_exported_graph} GMACs at 256 px`;
  if (dynamic) python(['-m', 'models.export.hires_graph', dir]);
  return {
    frame,
    dynamic: dynamic ? path.join(dir, 'generator_dynamic.onnx') : null,
    info,
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** Median ms of `runs` runs of a generator graph at size x size (after one untimed run that allocates its buffers). */
export async function timeGraph(file: string, size: number, runs: number): Promise<number> {
  const session = await ort.InferenceSession.create(file, { executionProviders: ['cpu'], intraOpNumThreads: os.availableParallelism() });
  const feeds = {
    labels: new ort.Tensor('uint8', new Uint8Array(size * size), [1, size, size]),
    z: new ort.Tensor('float32', new Float32Array(256), [1, 256]),
  };
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

/** `official / ms` as "20.1x", or "-" without a figure. */
export const ratio = (officialMs: number | null, ms: number) =>
  officialMs === null || !(ms > 0) ? '-' : `${(officialMs / ms).toFixed(1)}x`;
