import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { CLOSE_CODES, isRoomId, YJS_PATH } from '../../lib/protocol';
import { STROKE_LIMITS } from '../../lib/strokes';
import type { RoomRegistry } from './roomRegistry';
import { wsRoomSocket } from './roomSocket';
import type { RoomService } from '../rooms/roomService';
import type { Logger } from '../log';
import { decodePathPart, requestUrl } from '../http/requestUrl';
import { Heartbeat } from './heartbeat';
import type { Grant } from './room';
import type { Refusal } from '../rooms/roomAccess';
import type { IpLimits } from '../limits/ipLimits';
import { rejectUpgrade } from '../guards/upgrade';
import { guardListener } from '../guards/listener';

/** Messages kept from a client while its room loads. */
const MAX_EARLY_MESSAGES = 64;

/**
 * The Yjs websocket endpoint, `/yjs/<roomId>`, sharing the HTTP server's upgrade event.
 * Only rooms created through the API can be joined.
 */
export class SyncServer {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: STROKE_LIMITS.maxUpdateBytes + 1024 });

  private readonly heartbeat: Heartbeat;

  constructor(
    private readonly registry: RoomRegistry,
    private readonly rooms: RoomService,
    private readonly log: Logger,
    /** The session's user and role, or why it may not join (server/rooms/roomAccess.ts). */
    private readonly admit: (req: IncomingMessage, roomId: string) => Promise<Grant | Refusal>,
    private readonly options: { sendBufferBytes: number; heartbeatMs: number; limits: IpLimits },
  ) {
    this.heartbeat = new Heartbeat(options.heartbeatMs);
  }

  /** Returns false when the upgrade is not for us. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = requestUrl(req);
    if (!url?.pathname.startsWith(`${YJS_PATH}/`)) return false;
    // Malformed percent-encoding (`/yjs/%ZZ`) is no room id: closed below like any unknown room.
    const roomId = decodePathPart(url.pathname.slice(YJS_PATH.length + 1));
    const release = this.options.limits.openSocket(req);
    if (!release) {
      rejectUpgrade(socket, 429, 'too many connections from this address');
      return true;
    }
    socket.once('close', release);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', (error) => this.log.debug({ err: error }, 'sync socket error'));
      this.heartbeat.track(ws);
      // The client speaks first (sync step 1) while the room may still be loading: keep its messages.
      const early: ArrayBuffer[] = [];
      const keep = (data: ArrayBuffer) => {
        // Bounded like the rate limit's burst: the room may take a while to load.
        if (early.push(data) > MAX_EARLY_MESSAGES) ws.close(CLOSE_CODES.rateLimited, 'too many messages before the room opened');
      };
      ws.binaryType = 'arraybuffer';
      ws.on('message', keep);
      void (async () => {
        if (!isRoomId(roomId)) {
          ws.close(CLOSE_CODES.unknownRoom, 'no such room');
          return;
        }
        // The signed identity cookie (as on socket.io and HTTP) decides who this is and what it may do.
        const grant = await this.admit(req, roomId);
        if ('code' in grant) {
          ws.close(grant.code, grant.reason);
          return;
        }
        const joined = await this.registry.connect(roomId, wsRoomSocket(ws, this.options.sendBufferBytes), grant);
        ws.off('message', keep);
        if (!joined) return; // left while the room was loading
        const { room, session } = joined;
        const internalError = () => ws.close(1011, 'internal error');
        ws.on(
          'message',
          guardListener(this.log, 'sync message', internalError, (data: ArrayBuffer) => room.receive(session, new Uint8Array(data))),
        );
        ws.on('close', () => room.leave(session));
        ws.on('error', () => room.leave(session));
        for (const data of early) room.receive(session, new Uint8Array(data));
        void this.rooms.touch(roomId).catch(() => undefined);
      })().catch((error: unknown) => {
        this.log.error({ err: error, room: roomId }, 'joining room failed');
        ws.close(1011, 'could not open room');
      });
    });
    return true;
  }

  close(): void {
    this.heartbeat.stop();
    this.wss.close();
  }
}
