import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { Server as SocketServer } from 'socket.io';
import { isRoomId } from '../lib/protocol';
import { EVENTS, type ClientToServerEvents, type JoinAck, type ServerToClientEvents } from '../lib/events';
import { isRefusal, type RoomAccess } from './rooms/roomAccess';
import type { RoomRegistry } from './sync/roomRegistry';
import type { FeedSession, Room } from './sync/room';
import { identifySockets } from './identity/socketIdentity';
import { guardSocketHandlers } from './guards/socketHandlers';
import { limitEventsPerSocket } from './limits/socketLimits';
import type { Identity } from './identity/identity';
import type { Logger } from './log';

/** Handlers take what clients send as unknown: payloads are validated before use. */
type UntrustedEvents = { [E in keyof ClientToServerEvents]: (...args: unknown[]) => void };
type FeedServer = SocketServer<UntrustedEvents, ServerToClientEvents>;

/** What services need of the feed: emit to everyone in a room, and whether anyone watches it. */
export interface RoomChannel {
  emit<E extends keyof ServerToClientEvents>(roomId: string, event: E, ...args: Parameters<ServerToClientEvents[E]>): void;
  audience(roomId: string): number;
}

/** A joined feed connection: its room and its session there (with the session's user). */
export interface FeedContext {
  room: Room;
  session: FeedSession;
}

/** Requests a joined client makes; each is answered through its ack. */
type FeedRequest = Exclude<keyof ClientToServerEvents, typeof EVENTS.join>;
type AckOf<E extends FeedRequest> = ClientToServerEvents[E] extends (...args: [...infer _Args, (reply: infer R) => void]) => void
  ? R
  : never;
/** Answers one request; the payload is what the client sent, still to be validated. */
export type FeedHandler<E extends FeedRequest> = (context: FeedContext, payload: unknown) => Promise<AckOf<E>>;

/**
 * The feed channel (socket.io): rendered frames, render status, votes. A client joins one room's
 * channel after the room is checked to exist; its connection then is a session of that room
 * (with the user from the identity cookie), so extensions see it join and leave, and each later
 * request goes to its handler with that room and session.
 */
export function createRealtime(
  http: HttpServer,
  deps: { access: Pick<RoomAccess, 'grant'>; registry: RoomRegistry; identity: Identity; log: Logger },
  /** The caller's upgrade listener hands socket.io its upgrades (`upgrade`), after forwarding those of rooms served elsewhere. */
  options: { takeUpgrades?: boolean } = {},
) {
  // With takeUpgrades, socket.io's own upgrade listener is taken off the server and run by
  // `upgrade` below, so a feed socket for a room another instance serves is forwarded instead.
  const before = new Set(http.listeners('upgrade'));
  const io: FeedServer = new SocketServer(http, {
    // Frames are images: raise the 1 MB default.
    maxHttpBufferSize: 8e6,
    // The same HTTP server also upgrades /yjs websockets; do not tear those down.
    destroyUpgrade: false,
    serveClient: false,
  });
  const ioUpgrade = http.listeners('upgrade').filter((listener) => !before.has(listener));
  if (options.takeUpgrades) for (const listener of ioUpgrade) http.off('upgrade', listener as (...args: unknown[]) => void);
  guardSocketHandlers(io, deps.log);
  limitEventsPerSocket(io, deps.log);
  identifySockets(io, deps.identity);

  const handlers = new Map<FeedRequest, FeedHandler<FeedRequest>>();

  io.on('connection', (socket) => {
    let joining = false;
    let joined: FeedContext | null = null;
    socket.on(EVENTS.join, async (roomId: unknown, ack?: unknown) => {
      const reply = typeof ack === 'function' ? (ack as (r: JoinAck) => void) : () => undefined;
      if (!isRoomId(roomId)) return reply({ error: 'malformed room id' });
      if (joining) return reply({ error: 'already in a room; open a new connection for another' });
      joining = true;
      try {
        const grant = await deps.access.grant(roomId, (socket.data.userId as string | null) ?? null);
        if (isRefusal(grant)) {
          joining = false;
          return reply({ error: grant.reason });
        }
        await socket.join(roomId);
        const { room, session } = await deps.registry.watch(roomId, socket, grant);
        if (socket.disconnected) return room.leave(session);
        socket.on('disconnect', () => room.leave(session));
        joined = { room, session };
        reply({ ok: true });
      } catch (error) {
        joining = false;
        // Another instance serves the room (a client that did not name it when connecting).
        if ((error as Error).name === 'RoomElsewhere') return reply({ error: 'this room is served by another server: reconnect' });
        deps.log.error({ err: error }, 'joining a room channel failed');
        reply({ error: 'internal error' });
      }
    });
    for (const [event, handler] of handlers) {
      // (payload, ack) or (ack) alone: the ack is the last argument when there is one.
      socket.on(event, (...args: unknown[]) => {
        const last = args[args.length - 1];
        const reply = typeof last === 'function' ? (last as (r: unknown) => void) : () => undefined;
        const context = joined;
        if (!context) return reply({ error: 'join a room first' });
        handler(context, typeof args[0] === 'function' ? undefined : args[0]).then(reply, (error: unknown) => {
          deps.log.error({ err: error, room: context.room.id, event }, 'feed request failed');
          reply({ error: 'internal error' });
        });
      });
    }
  });

  const channel: RoomChannel = {
    emit: (roomId, event, ...args) => io.to(roomId).emit(event, ...args),
    audience: (roomId) => io.sockets.adapter.rooms.get(roomId)?.size ?? 0,
  };
  return {
    io,
    channel,
    /** socket.io's upgrade handling (the HTTP server's upgrade listener calls it for /socket.io/). */
    upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
      for (const listener of ioUpgrade) listener.call(http, req, socket, head);
    },
    /**
     * Closes this instance's feed connections of a room it no longer serves (evicted): closing the
     * transport, not disconnecting, so the clients reconnect (to the room's new owner).
     */
    dropRoom(roomId: string): void {
      for (const id of io.sockets.adapter.rooms.get(roomId) ?? []) io.sockets.sockets.get(id)?.conn.close();
    },
    /** Registers the answer to one request (before the server listens). */
    handle<E extends FeedRequest>(event: E, handler: FeedHandler<E>): void {
      handlers.set(event, handler as FeedHandler<FeedRequest>);
    },
  };
}

export type Realtime = ReturnType<typeof createRealtime>;
