import type { Server as SocketServer } from 'socket.io';
import type { Logger } from '../log';
import type { IpLimits } from './ipLimits';
import { TokenBucket } from './tokenBucket';

export const FEED_EVENTS_PER_SECOND = 10;
export const FEED_EVENT_BURST = 30;

/** socket.io connections count against their address's open-socket limit while connected. */
export function limitSocketsPerAddress(io: SocketServer, limits: IpLimits): void {
  io.use((socket, next) => {
    const release = limits.openSocket(socket.request);
    if (!release) return next(new Error('too many connections from this address'));
    socket.on('disconnect', release);
    next();
  });
}

/**
 * Feed requests are human actions (join, propose, vote, take, hi-res), a few a minute; every one
 * is validated, and some reach the database. A connection sending more than `burst` at once or
 * `perSecond` for long is flooding: it is disconnected (its page reconnects; a script gets
 * nothing more), so one socket cannot keep the event loop busy for the rooms beside it.
 */
export function limitEventsPerSocket(io: SocketServer, log: Logger, perSecond = FEED_EVENTS_PER_SECOND, burst = FEED_EVENT_BURST): void {
  io.on('connection', (socket) => {
    const budget = new TokenBucket(perSecond, burst);
    socket.use(([event], next) => {
      if (budget.take()) return next();
      log.warn({ socket: socket.id, event }, 'feed connection over its event limit: disconnected');
      socket.disconnect(true);
    });
  });
}
