import type { WebSocket } from 'ws';
import type { ServerToClientEvents } from '../../lib/events';
import { sendBounded } from './backpressure';

/** WebSocket.OPEN: the only state in which a socket is sent anything. */
export const SOCKET_OPEN = 1;

/**
 * What a Room needs of a Yjs connection (as tldraw's WebSocketMinimal): the `ws` adapter below
 * and the fakes in unit tests implement it. Messages come in through Room.receive, so the room
 * never subscribes to a socket library's events.
 */
export interface RoomSocket {
  readonly readyState: number;
  send(message: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

/** A room's feed connection (socket.io): what the server may emit to one member. */
export interface FeedSocket {
  emit<E extends keyof ServerToClientEvents>(event: E, ...args: Parameters<ServerToClientEvents[E]>): unknown;
  /** Ends the connection from the server's side (its session then leaves). */
  disconnect(): unknown;
}

/**
 * A `ws` WebSocket as a RoomSocket; a failed send drops the connection (its session then leaves),
 * and so does a send buffer over `sendBufferBytes` (backpressure.ts).
 */
export function wsRoomSocket(ws: WebSocket, sendBufferBytes: number): RoomSocket {
  return {
    get readyState() {
      return ws.readyState;
    },
    send: (message) => sendBounded(ws, message, sendBufferBytes),
    close: (code, reason) => ws.close(code, reason),
  };
}
