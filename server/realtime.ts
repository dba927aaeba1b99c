import type { Server as HttpServer } from 'node:http';
import { Server as SocketServer } from 'socket.io';
import { isRoomId } from '../lib/protocol';
import { EVENTS, type ClientToServerEvents, type JoinAck, type ServerToClientEvents } from '../lib/events';
import type { RoomService } from './rooms/roomService';
import type { RoomRegistry } from './sync/roomRegistry';
import { identifySockets } from './identity/socketIdentity';
import type { Identity } from './identity/identity';
import type { Logger } from './log';

/** Handlers take what clients send as unknown: payloads are validated before use. */
type UntrustedEvents = { [E in keyof ClientToServerEvents]: (...args: unknown[]) => void };
export type FeedServer = SocketServer<UntrustedEvents, ServerToClientEvents>;

/** What services need of the feed: emit to everyone in a room, and whether anyone watches it. */
export interface RoomChannel {
  emit<E extends keyof ServerToClientEvents>(roomId: string, event: E, ...args: Parameters<ServerToClientEvents[E]>): void;
  audience(roomId: string): number;
}

/**
 * The feed channel (socket.io): rendered frames, render status, votes. A client joins one room's
 * channel after the room is checked to exist; its connection then is a session of that room
 * (with the user from the identity cookie), so extensions see it join and leave.
 */
export function createRealtime(http: HttpServer, deps: { rooms: RoomService; registry: RoomRegistry; identity: Identity; log: Logger }) {
  const io: FeedServer = new SocketServer(http, {
    // Frames are images: raise the 1 MB default.
    maxHttpBufferSize: 8e6,
    // The same HTTP server also upgrades /yjs websockets; do not tear those down.
    destroyUpgrade: false,
    serveClient: false,
  });
  identifySockets(io, deps.identity);

  io.on('connection', (socket) => {
    let joined = false;
    socket.on(EVENTS.join, async (roomId: unknown, ack?: unknown) => {
      const reply = typeof ack === 'function' ? (ack as (r: JoinAck) => void) : () => undefined;
      if (!isRoomId(roomId)) return reply({ error: 'malformed room id' });
      if (joined) return reply({ error: 'already in a room; open a new connection for another' });
      joined = true;
      try {
        if (!(await deps.rooms.find(roomId))) {
          joined = false;
          return reply({ error: 'no such room' });
        }
        await socket.join(roomId);
        const { room, session } = await deps.registry.watch(roomId, socket, (socket.data.userId as string | null) ?? null);
        if (socket.disconnected) room.leave(session);
        else socket.on('disconnect', () => room.leave(session));
        reply({ ok: true });
      } catch (error) {
        joined = false;
        deps.log.error({ err: error }, 'joining a room channel failed');
        reply({ error: 'internal error' });
      }
    });
  });

  const channel: RoomChannel = {
    emit: (roomId, event, ...args) => io.to(roomId).emit(event, ...args),
    audience: (roomId) => io.sockets.adapter.rooms.get(roomId)?.size ?? 0,
  };
  return { io, channel };
}

export type Realtime = ReturnType<typeof createRealtime>;
