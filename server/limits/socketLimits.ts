import type { Server as SocketServer } from 'socket.io';
import type { IpLimits } from './ipLimits';

/** socket.io connections count against their address's open-socket limit while connected. */
export function limitSocketsPerAddress(io: SocketServer, limits: IpLimits): void {
  io.use((socket, next) => {
    const release = limits.openSocket(socket.request);
    if (!release) return next(new Error('too many connections from this address'));
    socket.on('disconnect', release);
    next();
  });
}
