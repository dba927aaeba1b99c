// Runs the PyTorch smoke test (data generator, train step + resume, distil step, exports on
// tiny sizes). Without Debian's python3-torch it is skipped locally but FAILS in CI (CI=true),
// so a CI machine that lost torch cannot pass silently.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const python = process.env.SPADE_PYTHON ?? '/usr/bin/python3';
const probe = spawnSync(python, ['-c', 'import torch, PIL'], { encoding: 'utf8' });
const hasTorch = probe.status === 0;
const inCI = process.env.CI === 'true' || process.env.CI === '1';

describe('models python smoke', () => {
  it('torch is available where CI runs the model tests', () => {
    if (inCI) expect(hasTorch, `${python} cannot import torch/PIL: ${probe.stderr}`).toBe(true);
  });

  it.skipIf(!hasTorch)('models/train/smoke.py passes', () => {
    const r = spawnSync(python, ['models/train/smoke.py'], { cwd: root, encoding: 'utf8', timeout: 180_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('smoke passed');
  }, 200_000);
});
