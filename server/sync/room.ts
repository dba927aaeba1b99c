import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import { CLOSE_CODES, STROKES_KEY } from '../../lib/protocol';
import { MESSAGE_STORED } from '../../lib/stored';
import { EVENTS } from '../../lib/events';
import { docVersion } from '../../lib/docVersion';
import type { Stroke } from '../../lib/strokes';
import type { ModelEntry } from '../models/modelRegistry';
import { checkUpdate } from './validateUpdate';
import { awarenessEntries, changesDocument, changesPresence, forgedAuthor, type ClientAuthors } from './authorise';
import { canEdit, type Role } from '../../lib/access';
import { SyncStep1Replies } from './syncStep1';
import { TokenBucket } from '../limits/tokenBucket';
import { SOCKET_OPEN, type FeedSocket, type RoomSocket } from './roomSocket';
import type { RoomStateKey } from './roomExtension';
import type { Logger } from '../log';

// y-websocket's message types (the first varUint of every frame).
const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;
const MESSAGE_QUERY_AWARENESS = 3;

/**
 * Per presence entry, not per message: a newcomer's client echoes everyone's presence it was
 * sent in one message (unchanged entries, ignored below), which a per-message cap refused in a
 * room of many peers, and the refused newcomer reconnected in a loop. Messages are bounded by the
 * socket's maxPayload.
 */
const MAX_PRESENCE_STATE_BYTES = 16 * 1024;
/** A page has one Yjs client id; a few more allow for reconnects with a fresh document. */
const MAX_CLIENT_IDS_PER_SESSION = 8;
/** Updates missing state a session may send before its sync step 2 (dropped; the step 2 carries them). */
const MAX_UNANSWERED_UPDATES = 16;
const RATE_PER_SECOND = 120;
const RATE_BURST = 240;

/** Who a connection is and what it may do, decided before it joins (server/rooms/roomAccess.ts). */
export interface Grant {
  /** The verified user id from the identity cookie, or null for a connection without one. */
  readonly user: string | null;
  readonly role: Role;
}

/** What every connection to a room has, on either channel. */
interface SessionBase extends Grant {
  readonly id: number;
  readonly channel: 'sync' | 'feed';
}

/** A Yjs connection: document sync and presence, through the message pipeline. */
export interface SyncSession extends SessionBase {
  readonly channel: 'sync';
  readonly socket: RoomSocket;
}

/** A socket.io connection: frames, render status and votes. */
export interface FeedSession extends SessionBase {
  readonly channel: 'feed';
  readonly feed: FeedSocket;
}

/** One connection to a room, as extensions see it. */
export type RoomSession = SyncSession | FeedSession;

interface SyncState extends SyncSession {
  bucket: TokenBucket;
  /** Awareness client ids this connection announced, removed when it leaves. */
  clientIds: Set<number>;
  /** Yjs client ids whose items this connection sent as its own user (or uncredited). */
  writes: Set<number>;
  /** Whether the client has answered the server's sync step 1 (its sync step 2). */
  answered: boolean;
  /** Updates dropped for missing state before that answer. */
  unanswered: number;
}

/** What the room reports to its owner (the registry, which runs the extensions' hooks). */
export interface RoomEvents {
  onChange(room: Room, update: Uint8Array, origin: unknown): void;
  onJoin(room: Room, session: RoomSession): void;
  onLeave(room: Room, session: RoomSession): void;
}

/** Origin used when the server itself writes to the document (load, default scene). */
export const SERVER_ORIGIN = Symbol('server');

let nextSessionId = 1;

/**
 * One live room: owns its Y.Doc and awareness, its sessions on both channels (each with its
 * user), the Yjs message pipeline (rate limit -> decode -> validate -> apply -> broadcast) and
 * the per-room state of the extensions attached to it. A session that sends something invalid
 * is told why in the close reason and dropped; the others carry on.
 */
export class Room {
  readonly doc = new Y.Doc({ gc: true });
  readonly awareness = new awarenessProtocol.Awareness(this.doc);
  readonly strokes = this.doc.getArray<Stroke>(STROKES_KEY);
  /** Yjs sessions by socket (update and awareness origins are sockets), feed sessions by id. */
  private readonly syncs = new Map<RoomSocket, SyncState>();
  private readonly feeds = new Map<number, FeedSession>();
  private readonly state = new Map<RoomStateKey<unknown>, unknown>();
  private readonly step1 = new SyncStep1Replies();
  /** Which session set each awareness client id: only it (or its user's later sessions) may change it. */
  private readonly presenceOwners = new Map<number, SyncState>();
  /** The author each Yjs client id's strokes name, and the live session writing it (authorise.ts). */
  private readonly strokeAuthors = new Map<number, string>();
  private readonly writers = new Map<number, SyncState>();
  private readonly known: ClientAuthors = { authors: this.strokeAuthors, live: (client) => this.writers.has(client) };
  /**
   * True while a session's first sync step 2 is applied: what its page painted while it was not
   * connected (a restart's whole backlog), which persistence commits without waiting.
   */
  private applyingCatchUp = false;
  /** Updates applied since a broadcast went out in this turn of the event loop (see broadcast). */
  private batch: Array<{ update: Uint8Array; origin: unknown }> | null = null;
  /**
   * Everyone's presence as one message, kept until presence changes: every join and every
   * presence query sends it, and re-encoding it per query let one socket's stream of queries
   * keep the loop busy (8 x 15 KiB presences, 200 queries: 48 ms of encoding, bench:abuse).
   */
  private everyone: Uint8Array | null = null;

  constructor(
    readonly id: string,
    /** The model the room renders with; its label names bound what strokes may use. */
    readonly model: ModelEntry,
    private readonly events: RoomEvents,
    private readonly log: Logger,
  ) {
    // No local awareness state: the server is not a participant.
    this.awareness.setLocalState(null);
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      this.broadcast(update, origin);
      this.events.onChange(this, update, origin);
    });
    this.awareness.on('update', ({ added, updated, removed }: AwarenessChange, origin: unknown) => {
      this.everyone = null;
      const changed = [...added, ...updated, ...removed];
      const session = this.syncs.get(origin as RoomSocket);
      if (session) {
        for (const id of [...added, ...updated]) this.own(session, id);
        for (const id of removed) this.disown(id);
      }
      const message = this.awarenessMessage(changed);
      for (const s of this.syncs.values()) send(s.socket, message);
    });
  }

  get catchingUp(): boolean {
    return this.applyingCatchUp;
  }

  get sessionCount(): number {
    return this.syncs.size + this.feeds.size;
  }

  get version(): number {
    return docVersion(this.doc);
  }

  /** Distinct verified users connected on either channel. */
  users(): Set<string> {
    const users = new Set<string>();
    for (const s of [...this.syncs.values(), ...this.feeds.values()]) if (s.user) users.add(s.user);
    return users;
  }

  /** Distinct verified users connected with edit rights (who may vote). */
  editors(): Set<string> {
    const users = new Set<string>();
    for (const s of [...this.syncs.values(), ...this.feeds.values()]) if (s.user && canEdit(s.role)) users.add(s.user);
    return users;
  }

  /** An extension's per-room state, if it has set any. */
  get<T>(key: RoomStateKey<T>): T | undefined {
    return this.state.get(key) as T | undefined;
  }

  set<T>(key: RoomStateKey<T>, value: T): T {
    this.state.set(key, value);
    return value;
  }

  /** Applies a stored state (extensions tell it from clients' edits by SERVER_ORIGIN). */
  load(update: Uint8Array): void {
    Y.applyUpdate(this.doc, update, SERVER_ORIGIN);
    // Who wrote each client id's strokes; accepted updates add theirs (receiveSync). Not a strokes
    // observer: a Y.Array event's changes walk the whole array, per update.
    for (let item = this.strokes._start; item !== null; item = item.right) {
      if (item.deleted || !(item.content instanceof Y.ContentAny)) continue;
      const by = (item.content.arr[0] as { by?: unknown } | null)?.by;
      if (typeof by === 'string') this.strokeAuthors.set(item.id.client, by);
    }
  }

  /** A Yjs connection joins: the sync handshake starts and it sees who is already here. */
  join(socket: RoomSocket, grant: Grant): SyncSession {
    const session: SyncState = {
      id: nextSessionId++,
      user: grant.user,
      role: grant.role,
      channel: 'sync',
      socket,
      bucket: new TokenBucket(RATE_PER_SECOND, RATE_BURST),
      clientIds: new Set(),
      writes: new Set(),
      answered: false,
      unanswered: 0,
    };
    this.syncs.set(socket, session);
    send(
      socket,
      encodeMessage(MESSAGE_SYNC, (e) => syncProtocol.writeSyncStep1(e, this.doc)),
    );
    if (this.awareness.getStates().size > 0) send(socket, this.everyonesPresence());
    this.events.onJoin(this, session);
    return session;
  }

  /** A feed connection joins (frames, votes); extensions greet it in onJoin. */
  joinFeed(feed: FeedSocket, grant: Grant): FeedSession {
    const session: FeedSession = { id: nextSessionId++, user: grant.user, role: grant.role, channel: 'feed', feed };
    this.feeds.set(session.id, session);
    this.events.onJoin(this, session);
    return session;
  }

  /** A session's connection closed; its presence goes with it. */
  leave(session: RoomSession): void {
    if (session.channel === 'feed') {
      if (!this.feeds.delete(session.id)) return;
    } else {
      const state = this.syncs.get(session.socket);
      if (state?.id !== session.id) return;
      this.syncs.delete(session.socket);
      for (const client of state.writes) if (this.writers.get(client) === state) this.writers.delete(client);
      const ids = [...state.clientIds];
      for (const id of ids) this.disown(id);
      awarenessProtocol.removeAwarenessStates(this.awareness, ids, null);
    }
    this.events.onLeave(this, session);
  }

  /** One message from a Yjs session, through the pipeline. */
  receive(session: SyncSession, data: Uint8Array): void {
    const state = this.syncs.get(session.socket);
    if (state?.id !== session.id) return;
    if (!state.bucket.take()) return this.refuse(state, CLOSE_CODES.rateLimited, 'too many messages; slow down');
    try {
      const decoder = decoding.createDecoder(data);
      const type = decoding.readVarUint(decoder);
      if (type === MESSAGE_SYNC) this.receiveSync(state, decoder);
      else if (type === MESSAGE_AWARENESS) this.receiveAwareness(state, decoding.readVarUint8Array(decoder));
      else if (type === MESSAGE_QUERY_AWARENESS) send(state.socket, this.everyonesPresence());
      else this.refuse(state, CLOSE_CODES.invalidMessage, `unknown message type ${type}`);
    } catch (error) {
      this.refuse(state, CLOSE_CODES.invalidMessage, `malformed message: ${(error as Error).message}`);
    }
  }

  private refuse(session: SyncState, code: number, reason: string): void {
    this.log.warn({ room: this.id, reason }, 'client refused');
    // Close reasons are limited to 123 bytes by the websocket protocol.
    session.socket.close(code, reason.slice(0, 120));
    this.leave(session);
  }

  private receiveSync(session: SyncState, decoder: decoding.Decoder): void {
    const syncType = decoding.readVarUint(decoder);
    if (syncType === syncProtocol.messageYjsSyncStep1) {
      const stateVector = decoding.readVarUint8Array(decoder);
      send(
        session.socket,
        encodeMessage(MESSAGE_SYNC, (e) => {
          encoding.writeVarUint(e, syncProtocol.messageYjsSyncStep2);
          encoding.writeVarUint8Array(e, Y.encodeStateAsUpdate(this.doc, this.step1.against(session, stateVector, this.doc)));
        }),
      );
      return;
    }
    if (syncType !== syncProtocol.messageYjsSyncStep2 && syncType !== syncProtocol.messageYjsUpdate) {
      return this.refuse(session, CLOSE_CODES.invalidMessage, `unknown sync message ${syncType}`);
    }
    const update = decoding.readVarUint8Array(decoder);
    const check = checkUpdate(update, this.doc, this.model.labelNames);
    if (!check.ok) {
      // y-websocket sends edits made before it has answered the server's sync step 1 (a stroke
      // painted as the socket reopens after a restart); they may continue strokes the room lost,
      // and that answer carries them with everything they depend on: drop them, a few at most.
      if (check.code === CLOSE_CODES.missingState && !session.answered && session.unanswered++ < MAX_UNANSWERED_UPDATES) return;
      return this.refuse(session, check.code ?? CLOSE_CODES.invalidMessage, check.error);
    }
    // Only a session's first answer: a client cannot ask for a commit per message.
    const catchUp = syncType === syncProtocol.messageYjsSyncStep2 && !session.answered;
    if (syncType === syncProtocol.messageYjsSyncStep2) session.answered = true;
    // Authorise: viewers change nothing, and a stroke's author is the session's user.
    if (!canEdit(session.role)) {
      if (changesDocument(update, this.doc))
        return this.refuse(session, CLOSE_CODES.readOnly, 'read-only: viewers cannot change the painting');
      return;
    }
    const seen = new Map<number, string | null>();
    const forged = forgedAuthor(update, this.doc, session.user, this.known, seen);
    if (forged) return this.refuse(session, CLOSE_CODES.notYours, forged);
    for (const [client, by] of seen) {
      if (by === null) {
        session.writes.add(client);
        continue;
      }
      this.strokeAuthors.set(client, by);
      if (by !== session.user) continue;
      session.writes.add(client);
      this.writers.set(client, session);
    }
    this.applyingCatchUp = catchUp;
    try {
      Y.applyUpdate(this.doc, update, session.socket);
    } finally {
      this.applyingCatchUp = false;
    }
  }

  private receiveAwareness(session: SyncState, update: Uint8Array): void {
    const entries = awarenessEntries(update);
    const large = entries.find((entry) => entry.bytes > MAX_PRESENCE_STATE_BYTES);
    if (large) return this.refuse(session, CLOSE_CODES.invalidMessage, `presence ${large.clientId} over ${MAX_PRESENCE_STATE_BYTES} bytes`);
    const ids = entries.filter((entry) => changesPresence(this.awareness, entry)).map((entry) => entry.clientId);
    for (const id of ids) {
      const owner = this.presenceOwners.get(id);
      // The same user may take over an entry (a reloaded page); nobody else may touch it.
      if (owner && owner !== session && (owner.user === null || owner.user !== session.user)) {
        return this.refuse(session, CLOSE_CODES.notYours, `presence ${id} belongs to another connection`);
      }
    }
    if (new Set([...session.clientIds, ...ids]).size > MAX_CLIENT_IDS_PER_SESSION) {
      return this.refuse(session, CLOSE_CODES.invalidMessage, `more than ${MAX_CLIENT_IDS_PER_SESSION} presence entries`);
    }
    awarenessProtocol.applyAwarenessUpdate(this.awareness, update, session.socket);
  }

  private own(session: SyncState, clientId: number): void {
    const previous = this.presenceOwners.get(clientId);
    if (previous === session) return;
    previous?.clientIds.delete(clientId);
    this.presenceOwners.set(clientId, session);
    session.clientIds.add(clientId);
  }

  private disown(clientId: number): void {
    this.presenceOwners.get(clientId)?.clientIds.delete(clientId);
    this.presenceOwners.delete(clientId);
  }

  /**
   * Tells sync sessions what the store holds (lib/stored.ts): every item of each client below its
   * clock. A join is told all of it; after a commit each session is told only the clocks of the
   * client ids it wrote (a page counts its own strokes), and a session that wrote none nothing:
   * telling every session every commit doubled the messages a busy server sent.
   */
  acknowledge(stored: ReadonlyMap<number, number>, to?: SyncSession): void {
    const message = (clocks: Map<number, number>) =>
      encodeMessage(MESSAGE_STORED, (e) => encoding.writeVarUint8Array(e, Y.encodeStateVector(clocks)));
    if (to) return send(to.socket, message(new Map(stored)));
    for (const session of this.syncs.values()) {
      const own = new Map([...stored].filter(([client]) => session.writes.has(client)));
      if (own.size > 0) send(session.socket, message(own));
    }
  }

  /**
   * Closes the sessions (both channels) that `match` picks: the owner removed someone, changed
   * their role or rotated the link they came with. Feed sessions are told with EVENTS.accessClosed.
   */
  closeSessions(match: (session: RoomSession) => boolean, code: number, reason: string): number {
    let closed = 0;
    for (const session of [...this.syncs.values()]) {
      if (!match(session)) continue;
      session.socket.close(code, reason);
      this.leave(session);
      closed++;
    }
    for (const session of [...this.feeds.values()]) {
      if (!match(session)) continue;
      session.feed.emit(EVENTS.accessClosed, { code, reason });
      session.feed.disconnect();
      this.leave(session);
      closed++;
    }
    return closed;
  }

  private everyonesPresence(): Uint8Array {
    return (this.everyone ??= this.awarenessMessage([...this.awareness.getStates().keys()]));
  }

  private awarenessMessage(clientIds: number[]): Uint8Array {
    return encodeMessage(MESSAGE_AWARENESS, (e) =>
      encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(this.awareness, clientIds)),
    );
  }

  /**
   * Sends an applied update to the sessions. The first of a turn of the event loop goes out at
   * once; the others of that turn (a busy server reads many messages per turn) go out merged, as
   * one message per session once the turn's I/O is done: a write per session per turn, not per
   * update. A merge of several senders' updates also reaches its senders: Yjs skips what a
   * document already has.
   */
  private broadcast(update: Uint8Array, origin: unknown): void {
    if (this.batch) {
      this.batch.push({ update, origin });
      return;
    }
    this.sendUpdate(update, origin);
    this.batch = [];
    setImmediate(() => {
      const batch = this.batch;
      this.batch = null;
      if (!batch?.length) return;
      const from = batch.every((b) => b.origin === batch[0].origin) ? batch[0].origin : null;
      this.sendUpdate(batch.length === 1 ? batch[0].update : Y.mergeUpdates(batch.map((b) => b.update)), from);
    });
  }

  private sendUpdate(update: Uint8Array, origin: unknown): void {
    const message = encodeMessage(MESSAGE_SYNC, (e) => syncProtocol.writeUpdate(e, update));
    for (const session of this.syncs.values()) {
      if (session.socket !== origin) send(session.socket, message);
    }
  }

  /** Disconnects everyone on the Yjs channel (server shutdown); clients reconnect to the next instance. */
  closeAll(code = 1001, reason = 'server restarting'): void {
    for (const session of this.syncs.values()) session.socket.close(code, reason);
    this.syncs.clear();
    this.feeds.clear();
  }

  /** Frees the document and every extension's per-room state. */
  destroy(): void {
    this.batch = null;
    this.state.clear();
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

function send(socket: RoomSocket, message: Uint8Array): void {
  // A closing socket just misses the message; its session is about to go.
  if (socket.readyState === SOCKET_OPEN) socket.send(message);
}
