import type { Logger } from '../log';

/**
 * Wraps one connection's event listener (a socket's 'message'): a throw is logged and ends that
 * connection through `fail`, instead of escaping the socket library's emit as an uncaught
 * exception that would take every other connection down with the process.
 */
export function guardListener<A extends unknown[]>(
  log: Logger,
  what: string,
  fail: (error: unknown) => void,
  listener: (...args: A) => void,
): (...args: A) => void {
  return (...args) => {
    try {
      listener(...args);
    } catch (error) {
      log.error({ err: error }, `${what} failed`);
      fail(error);
    }
  };
}
