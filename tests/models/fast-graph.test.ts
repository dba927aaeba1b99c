// The ONNX export's folded inference graph (models/export/fast_graph.py) against the training
// module, in float64, for every generator layout it supports (VAE normal/more/most, a lower
// internal render size, label-map input). Skipped without Debian's python3-torch, like the
// python smoke test.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { runPython } from '../helpers/pythonDeps';

const python = process.env.SPADE_PYTHON ?? '/usr/bin/python3';
const hasTorch = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

describe('fast export graph', () => {
  it.skipIf(!hasTorch)('computes the same image as the training module', async () => {
    const r = await runPython(['-m', 'models.export.check_fast_graph'], 120_000);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('fast graph check passed');
  }, 150_000);
});
