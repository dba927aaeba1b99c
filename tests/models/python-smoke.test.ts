// Runs the PyTorch smoke tests on tiny sizes: training (data generator, train step + resume,
// distil step, exports) and evaluation (segmenter, baselines at equal size, metrics, report,
// the uniform-label demonstration). Without the Debian packages it needs it is skipped locally but FAILS in CI (CI=true),
// so a CI machine that lost torch cannot pass silently.
import { describe, it, expect } from 'vitest';
import { missingModules, modelImports, python, runPython } from '../helpers/pythonDeps';

// Every third-party module models/ imports, so a missing one is named up front with its package
// instead of surfacing as a traceback from deep inside a smoke script.
const missing = missingModules(modelImports().keys());
const hasModules = missing.length === 0;
const inCI = process.env.CI === 'true' || process.env.CI === '1';

describe('models python smoke', () => {
  it('the Python modules models/ imports are available where CI runs the model tests', () => {
    if (inCI) expect(missing, `${python} cannot import: ${missing.join(', ')}`).toEqual([]);
  });

  it.skipIf(!hasModules).each([
    ['models.train.smoke', 'smoke passed'],
    ['models.evaluation.smoke', 'evaluation smoke passed'],
  ])('%s passes', async (module, done) => {
    const r = await runPython(['-m', module], 180_000);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(done);
  }, 200_000);
});
