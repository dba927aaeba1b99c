// Every third-party Python module that models/ imports (at any scope) must come from a Debian
// package that `.ci/run` installs: otherwise CI passes only on machines where someone installed it
// by hand (issue 13: python3-pil was missing).
import { describe, it, expect } from 'vitest';
import { DEBIAN_PACKAGES, aptInstalled, modelImports } from '../helpers/pythonDeps';

describe('.ci/run installs what models/ imports', () => {
  const imports = modelImports();
  const installed = aptInstalled();

  it('finds the imports (the scan itself works)', () => {
    expect(imports.get('torch')?.length).toBeGreaterThan(0);
  });

  it('knows a Debian package for every imported module', () => {
    const unknown = [...imports].filter(([m]) => !(m in DEBIAN_PACKAGES)).map(([m, files]) => `${m} (imported by ${files.join(', ')})`);
    expect(unknown, `no Debian package known for: ${unknown.join('; ')}; add it to DEBIAN_PACKAGES in tests/helpers/pythonDeps.ts and to .ci/run`).toEqual([]);
  });

  it('installs each of those packages in .ci/run', () => {
    const missing = [...imports]
      .filter(([m]) => m in DEBIAN_PACKAGES && !installed.has(DEBIAN_PACKAGES[m]))
      .map(([m, files]) => `${DEBIAN_PACKAGES[m]} (for ${m}, imported by ${files[0]}${files.length > 1 ? ` and ${files.length - 1} more` : ''})`);
    expect(missing, `.ci/run does not apt-get install: ${missing.join('; ')}`).toEqual([]);
  });
});

describe('aptInstalled', () => {
  it('reads packages across continued lines, without options or redirections', () => {
    const script = 'apt-get update -qq\napt-get install -y -qq --no-install-recommends a b \\\n  c d >/dev/null\n# apt-get install e\nnpm ci';
    expect([...aptInstalled(script)]).toEqual(['a', 'b', 'c', 'd']);
  });
});
