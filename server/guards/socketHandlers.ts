import type { Server as SocketServer, Socket } from 'socket.io';
import type { Logger } from '../log';

type Listener = (...args: unknown[]) => unknown;

/**
 * socket.io runs event listeners on process.nextTick with no error handling: one listener that
 * throws (or rejects) would take the whole process down. Every listener added to a socket is
 * wrapped so a failure is logged and answered on that socket only: through the event's ack when
 * the client asked for one, otherwise by disconnecting it.
 */
export function guardSocketHandlers(io: SocketServer, log: Logger): void {
  io.use((socket, next) => {
    const on = socket.on.bind(socket) as (event: string, listener: Listener) => Socket;
    (socket as unknown as { on: typeof on }).on = (event, listener) => on(event, guarded(socket, event, listener, log));
    next();
  });
}

function guarded(socket: Socket, event: string, listener: Listener, log: Logger): Listener {
  const fail = (error: unknown, args: unknown[]) => {
    log.error({ err: error, event, socket: socket.id }, 'socket.io handler failed');
    const ack = args.at(-1);
    // socket.io's ack callbacks ignore a second call, so this is safe if the handler answered.
    if (typeof ack === 'function') ack({ error: `internal error handling "${event}"` });
    else socket.disconnect(true);
  };
  return function (this: unknown, ...args: unknown[]) {
    try {
      const result = listener.apply(this, args);
      if (result instanceof Promise) result.catch((error: unknown) => fail(error, args));
      return result;
    } catch (error) {
      fail(error, args);
    }
  };
}
