import type { Server as SocketServer } from 'socket.io';
import type { Identity } from './identity';

/**
 * Who is on each socket.io connection: the signed identity cookie comes with the handshake, and
 * its verified user id (or null) is kept as `socket.data.userId` for every handler.
 */
export function identifySockets(io: SocketServer, identity: Identity): void {
  io.use((socket, next) => {
    socket.data.userId = identity.userIdOf(socket.request);
    next();
  });
}
