import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');

/** A port nothing listens on now (the OS picks it), for a throwaway server. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Sends `signal` to a daemon we know only by its pid (not our child: no exit event), waits up to
 * `graceMs` for it to go, then kills it.
 */
export async function stopPid(pid: number, signal: NodeJS.Signals, graceMs: number, pollMs: number): Promise<void> {
  process.kill(pid, signal);
  for (let i = 0; i < graceMs / pollMs && alive(pid); i++) await new Promise((r) => setTimeout(r, pollMs));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

/** Runs a TypeScript entry point of this repository (tsx) with `env` added, keeping all it prints. */
export function spawnScript(script: string, env: Record<string, string | undefined>): { child: ChildProcess; output(): string } {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, script)], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  return { child, output: () => output };
}

/** Signals a child started by spawnScript and resolves once it has exited (at once if it has). */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await exited;
}
