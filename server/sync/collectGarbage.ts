import v8 from 'node:v8';
import vm from 'node:vm';

let gc: (() => void) | null = null;

/**
 * A full garbage collection, now. V8 collects as a process allocates, so a server whose last room
 * has unloaded (allocating nothing) kept the unloaded documents' heap and the buffers it held
 * (~150 MiB after bench:load) until the next room loaded. Node exposes gc() only with
 * --expose-gc: the flag is set at run time and gc() taken from a fresh context.
 */
export function collectGarbage(): void {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  }
  gc();
}
