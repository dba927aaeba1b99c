import type { Server as HttpServer } from 'node:http';
import { Server as SocketServer, type Socket } from 'socket.io';
import { isRoomId } from '../lib/protocol';
import type { RoomService } from './rooms/roomService';
import { identifySockets } from './identity/socketIdentity';
import type { Identity } from './identity/identity';
import type { Logger } from './log';

export interface RealtimeEvents {
  /** A client joined a room's channel: send it what it should see at once (latest frame...). */
  onJoin?(roomId: string, socket: Socket): void;
  onLeave?(roomId: string, socket: Socket): void;
}

/**
 * socket.io carries what is not document state: rendered frames, render status, votes. A client
 * joins one room's channel after the room is checked to exist.
 */
export function createRealtime(http: HttpServer, rooms: RoomService, identity: Identity, log: Logger) {
  const io = new SocketServer(http, {
    // Frames are images: raise the 1 MB default.
    maxHttpBufferSize: 8e6,
    // The same HTTP server also upgrades /yjs websockets; do not tear those down.
    destroyUpgrade: false,
    serveClient: false,
  });
  identifySockets(io, identity);
  const listeners: RealtimeEvents[] = [];

  io.on('connection', (socket) => {
    let joined: string | null = null;
    socket.on('join', async (roomId: unknown, ack?: unknown) => {
      const reply = typeof ack === 'function' ? (ack as (r: unknown) => void) : () => undefined;
      if (!isRoomId(roomId)) return reply({ error: 'malformed room id' });
      if (joined) return reply({ error: 'already in a room; open a new connection for another' });
      try {
        if (!(await rooms.find(roomId))) return reply({ error: 'no such room' });
      } catch (error) {
        log.error({ err: error }, 'room look-up failed');
        return reply({ error: 'internal error' });
      }
      joined = roomId;
      await socket.join(roomId);
      reply({ ok: true });
      for (const l of listeners) l.onJoin?.(roomId, socket);
    });
    socket.on('disconnect', () => {
      if (joined) for (const l of listeners) l.onLeave?.(joined, socket);
    });
  });

  return {
    io,
    listen(l: RealtimeEvents) {
      listeners.push(l);
    },
    /** Number of sockets in a room's channel. */
    audience(roomId: string): number {
      return io.sockets.adapter.rooms.get(roomId)?.size ?? 0;
    },
  };
}

export type Realtime = ReturnType<typeof createRealtime>;
