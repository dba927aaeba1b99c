import type { Server as SocketServer } from 'socket.io';
import type { Identity } from './identity';
import { log } from '../log';

/**
 * Who is on each socket.io connection: the signed identity cookie comes with the handshake, and
 * its verified user id (or null) is kept as `socket.data.userId` for every handler.
 */
export function identifySockets(io: SocketServer, identity: Identity): void {
  io.use((socket, next) => {
    try {
      socket.data.userId = identity.userIdOf(socket.request);
      next();
    } catch (error) {
      // Refuses only this handshake (the client gets connect_error with the message).
      log.warn({ err: error }, 'socket.io handshake refused');
      next(new Error('could not read the identity cookie'));
    }
  });
}
