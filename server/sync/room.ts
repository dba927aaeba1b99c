import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import type { WebSocket } from 'ws';
import { CLOSE_CODES, STROKES_KEY } from '../../lib/protocol';
import { docVersion } from '../../lib/docVersion';
import type { Stroke } from '../../lib/strokes';
import { checkUpdate } from './validateUpdate';
import { TokenBucket } from '../limits/tokenBucket';
import type { Logger } from '../log';

// y-websocket's message types (the first varUint of every frame).
const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;
const MESSAGE_QUERY_AWARENESS = 3;

const MAX_AWARENESS_BYTES = 16 * 1024;
const RATE_PER_SECOND = 120;
const RATE_BURST = 240;

interface Session {
  socket: WebSocket;
  bucket: TokenBucket;
  /** Awareness client ids this connection announced, removed when it leaves. */
  clientIds: Set<number>;
}

export interface RoomHooks {
  /** Called after the document changed (any origin except the initial load). */
  onChange(room: Room, update: Uint8Array, origin: unknown): void;
  /** Called when the last session left. */
  onEmpty(room: Room): void;
}

/** Origin used when the server itself writes to the document (load, default scene). */
export const SERVER_ORIGIN = Symbol('server');

/**
 * One collaborative room: owns its Y.Doc and awareness, its connected sessions, and the message
 * pipeline (rate limit -> decode -> validate -> apply -> broadcast). A session that sends
 * something invalid is told why in the close reason and dropped; the others carry on.
 */
export class Room {
  readonly doc = new Y.Doc({ gc: true });
  readonly awareness = new awarenessProtocol.Awareness(this.doc);
  readonly strokes = this.doc.getArray<Stroke>(STROKES_KEY);
  private readonly sessions = new Map<WebSocket, Session>();

  constructor(
    readonly id: string,
    private readonly labelNames: ReadonlySet<string>,
    private readonly hooks: RoomHooks,
    private readonly log: Logger,
  ) {
    // No local awareness state: the server is not a participant.
    this.awareness.setLocalState(null);
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      const message = encodeMessage(MESSAGE_SYNC, (e) => syncProtocol.writeUpdate(e, update));
      for (const session of this.sessions.values()) {
        if (session.socket !== origin) send(session.socket, message);
      }
      this.hooks.onChange(this, update, origin);
    });
    this.awareness.on('update', ({ added, updated, removed }: AwarenessChange, origin: unknown) => {
      const changed = [...added, ...updated, ...removed];
      const session = origin ? this.sessions.get(origin as WebSocket) : undefined;
      if (session) {
        for (const id of added) session.clientIds.add(id);
        for (const id of removed) session.clientIds.delete(id);
      }
      const message = encodeMessage(MESSAGE_AWARENESS, (e) =>
        encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed)),
      );
      for (const s of this.sessions.values()) send(s.socket, message);
    });
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  get version(): number {
    return docVersion(this.doc);
  }

  /** Applies a stored state without echoing it to persistence. */
  load(update: Uint8Array): void {
    Y.applyUpdate(this.doc, update, SERVER_ORIGIN);
  }

  join(socket: WebSocket, early: readonly ArrayBuffer[] = []): void {
    const session: Session = { socket, bucket: new TokenBucket(RATE_PER_SECOND, RATE_BURST), clientIds: new Set() };
    this.sessions.set(socket, session);
    socket.on('message', (data: ArrayBuffer) => this.receive(session, new Uint8Array(data)));
    socket.on('close', () => this.leave(session));
    socket.on('error', () => this.leave(session));
    // Start the sync handshake and show who is already here.
    send(
      socket,
      encodeMessage(MESSAGE_SYNC, (e) => syncProtocol.writeSyncStep1(e, this.doc)),
    );
    const states = [...this.awareness.getStates().keys()];
    if (states.length > 0) {
      send(
        socket,
        encodeMessage(MESSAGE_AWARENESS, (e) =>
          encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(this.awareness, states)),
        ),
      );
    }
    for (const data of early) this.receive(session, new Uint8Array(data));
  }

  private leave(session: Session): void {
    if (!this.sessions.delete(session.socket)) return;
    awarenessProtocol.removeAwarenessStates(this.awareness, [...session.clientIds], null);
    if (this.sessions.size === 0) this.hooks.onEmpty(this);
  }

  private refuse(session: Session, code: number, reason: string): void {
    this.log.warn({ room: this.id, reason }, 'client refused');
    // Close reasons are limited to 123 bytes by the websocket protocol.
    session.socket.close(code, reason.slice(0, 120));
    this.leave(session);
  }

  private receive(session: Session, data: Uint8Array): void {
    if (!this.sessions.has(session.socket)) return;
    if (!session.bucket.take()) return this.refuse(session, CLOSE_CODES.rateLimited, 'too many messages; slow down');
    try {
      const decoder = decoding.createDecoder(data);
      const type = decoding.readVarUint(decoder);
      if (type === MESSAGE_SYNC) this.receiveSync(session, decoder);
      else if (type === MESSAGE_AWARENESS) this.receiveAwareness(session, decoding.readVarUint8Array(decoder));
      else if (type === MESSAGE_QUERY_AWARENESS) {
        const ids = [...this.awareness.getStates().keys()];
        send(
          session.socket,
          encodeMessage(MESSAGE_AWARENESS, (e) =>
            encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(this.awareness, ids)),
          ),
        );
      } else this.refuse(session, CLOSE_CODES.invalidMessage, `unknown message type ${type}`);
    } catch (error) {
      this.refuse(session, CLOSE_CODES.invalidMessage, `malformed message: ${(error as Error).message}`);
    }
  }

  private receiveSync(session: Session, decoder: decoding.Decoder): void {
    const syncType = decoding.readVarUint(decoder);
    if (syncType === syncProtocol.messageYjsSyncStep1) {
      const stateVector = decoding.readVarUint8Array(decoder);
      send(
        session.socket,
        encodeMessage(MESSAGE_SYNC, (e) => {
          encoding.writeVarUint(e, syncProtocol.messageYjsSyncStep2);
          encoding.writeVarUint8Array(e, Y.encodeStateAsUpdate(this.doc, stateVector));
        }),
      );
      return;
    }
    if (syncType !== syncProtocol.messageYjsSyncStep2 && syncType !== syncProtocol.messageYjsUpdate) {
      return this.refuse(session, CLOSE_CODES.invalidMessage, `unknown sync message ${syncType}`);
    }
    const update = decoding.readVarUint8Array(decoder);
    const check = checkUpdate(update, this.doc, this.labelNames);
    if (!check.ok) return this.refuse(session, CLOSE_CODES.invalidMessage, check.error);
    Y.applyUpdate(this.doc, update, session.socket);
  }

  private receiveAwareness(session: Session, update: Uint8Array): void {
    if (update.byteLength > MAX_AWARENESS_BYTES) {
      return this.refuse(session, CLOSE_CODES.invalidMessage, `presence update over ${MAX_AWARENESS_BYTES} bytes`);
    }
    awarenessProtocol.applyAwarenessUpdate(this.awareness, update, session.socket);
  }

  /** Disconnects everyone (server shutdown); clients reconnect to the next instance. */
  closeAll(code = 1001, reason = 'server restarting'): void {
    for (const session of [...this.sessions.values()]) session.socket.close(code, reason);
    this.sessions.clear();
  }

  destroy(): void {
    this.awareness.destroy();
    this.doc.destroy();
  }
}

interface AwarenessChange {
  added: number[];
  updated: number[];
  removed: number[];
}

function encodeMessage(type: number, write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, type);
  write(encoder);
  return encoding.toUint8Array(encoder);
}

function send(socket: WebSocket, message: Uint8Array): void {
  // 1 = OPEN; a closing socket just misses the message, its session is about to go.
  if (socket.readyState !== 1) return;
  socket.send(message, (error) => {
    if (error) socket.terminate();
  });
}
