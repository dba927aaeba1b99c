import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import type { Server } from 'socket.io';
import type { Logger } from '../log';

/** Channel prefix of socket.io's messages in Redis. */
export const SOCKET_IO_KEY = 'spade:socket.io';

/**
 * socket.io across sync instances (issue 16 item 3): with @socket.io/redis-adapter an emit to a
 * room (frames, render status, votes) reaches that room's sockets on every instance, not only on
 * the one that emits. Two connections: one publishes, one subscribes.
 */
export async function useRedisAdapter(io: Server, url: string, log: Logger): Promise<{ close(): Promise<void> }> {
  const pub = new Redis(url);
  const sub = pub.duplicate();
  // Reconnection is ioredis' own; meanwhile emits reach only this instance's sockets.
  for (const client of [pub, sub]) client.on('error', (error: Error) => log.error({ err: error }, 'socket.io Redis connection error'));
  await Promise.all([pub.ping(), sub.ping()]);
  io.adapter(createAdapter(pub, sub, { key: SOCKET_IO_KEY }));
  return {
    // After io.close(): nothing is left to publish, and quit would wait for a Redis that may be gone.
    async close() {
      pub.disconnect();
      sub.disconnect();
    },
  };
}
