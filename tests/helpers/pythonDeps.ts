// What the model pipeline (models/, Python) needs from the system, and what `.ci/run` installs.
// Shared by the CI-packages test and the Python smoke test's prerequisite check.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');

/** Debian's python3, the one that sees Debian's packages (see ENVIRONMENT.md). */
export const python = process.env.SPADE_PYTHON ?? '/usr/bin/python3';

/** Third-party top-level Python module -> the Debian package that provides it. */
export const DEBIAN_PACKAGES: Readonly<Record<string, string>> = {
  torch: 'python3-torch',
  numpy: 'python3-numpy',
  PIL: 'python3-pil',
  onnx: 'python3-onnx',
};

/** Third-party modules imported anywhere under models/ (any scope), each with its importers. */
export function modelImports(): Map<string, string[]> {
  const r = spawnSync(python, [path.join(import.meta.dirname, 'model_imports.py'), path.join(root, 'models')], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`${python} could not list the imports under models/: ${r.error ?? r.stderr}`);
  return new Map(Object.entries(JSON.parse(r.stdout) as Record<string, string[]>));
}

/** The packages named on `apt-get install` lines of a CI script (options and redirections left out). */
export function aptInstalled(script = fs.readFileSync(path.join(root, '.ci', 'run'), 'utf8')): Set<string> {
  const packages = new Set<string>();
  const commands = script
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.replace(/#.*/, ''));
  for (const command of commands) {
    for (const [, args] of command.matchAll(/apt-get\s+install\s+([^;&|]*)/g)) {
      for (const word of args.split(/\s+/)) {
        if (word.startsWith('>') || /^\d?>/.test(word)) break;
        if (word && !word.startsWith('-')) packages.add(word);
      }
    }
  }
  return packages;
}

/**
 * Runs a Python script from the repository root without blocking the test worker: a spawnSync of
 * a minute starves vitest's worker RPC, which then fails the run ("Timeout calling onTaskUpdate").
 */
export function runPython(args: string[], timeoutMs: number): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, { cwd: root, timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Which of `modules` this Python cannot import, each as "module (apt-get install package)". */
export function missingModules(modules: Iterable<string>): string[] {
  const names = [...modules];
  const r = spawnSync(
    python,
    ['-c', 'import importlib.util, sys; print(" ".join(m for m in sys.argv[1:] if importlib.util.find_spec(m) is None))', ...names],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) return [`${python} itself (${r.error?.message ?? r.stderr.trim()})`];
  return r.stdout.split(/\s+/).filter(Boolean).map(describe);
}

function describe(module: string): string {
  const pkg = DEBIAN_PACKAGES[module];
  return pkg ? `${module} (apt-get install ${pkg})` : `${module} (no Debian package known: add it to DEBIAN_PACKAGES)`;
}
