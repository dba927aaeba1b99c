// Runs the PyTorch smoke tests on tiny sizes: training (data generator, train step + resume,
// distil step, exports) and evaluation (segmenter, baselines at equal size, metrics, report,
// the uniform-label demonstration). Without Debian's python3-torch it is skipped locally but FAILS in CI (CI=true),
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

  it.skipIf(!hasTorch).each([
    ['models/train/smoke.py', 'smoke passed'],
    ['models/evaluation/smoke.py', 'evaluation smoke passed'],
  ])('%s passes', (script, done) => {
    const r = spawnSync(python, [script], { cwd: root, encoding: 'utf8', timeout: 180_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(done);
  }, 200_000);
});
