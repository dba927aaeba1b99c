import { Room, type FeedSession, type Grant, type RoomEvents, type SyncSession } from './room';
import type { RoomExtension, RoomSetting } from './roomExtension';
import { SOCKET_OPEN, type FeedSocket, type RoomSocket } from './roomSocket';
import type { ModelEntry } from '../models/modelRegistry';
import type { Logger } from '../log';
import { collectGarbage } from './collectGarbage';

/**
 * Rooms this instance holds when several serve them (server/cluster/ownership.ts): a room is
 * claimed before it loads (claim throws when another instance holds it) and released once it is
 * unloaded. Without it (one process) every room is this process's.
 */
export interface RoomClaims {
  claim(roomId: string): Promise<void>;
  release(roomId: string): Promise<void>;
}

/**
 * The live rooms and their lifecycle: a room loads on first use (concurrent opens share one
 * load), runs its extensions' hooks as sessions join, leave and edit, and unloads once it has
 * stayed empty for `idleMs`: extensions store what it holds, the room is destroyed with its
 * per-room state, and afterUnload runs.
 */
export class RoomRegistry {
  private readonly rooms = new Map<string, Room>();
  private readonly loading = new Map<string, Promise<Room>>();
  private readonly idleTimers = new Map<string, NodeJS.Timeout>();
  /** Rooms being unloaded: a new load waits for it, so it claims after the release, not before. */
  private readonly unloading = new Map<string, Promise<void>>();
  private closing = false;
  private readonly extensions: RoomExtension[] = [];
  private readonly events: RoomEvents = {
    onChange: (room, update, origin) => {
      for (const e of this.extensions) e.onChange?.(room, update, origin);
    },
    onJoin: (room, session) => {
      this.cancelUnload(room.id);
      for (const e of this.extensions) e.onJoin?.(room, session);
    },
    onLeave: (room, session) => {
      for (const e of this.extensions) e.onLeave?.(room, session);
      // An evicted room's sessions leaving must not touch the timer of the room loaded after it.
      if (room.sessionCount === 0 && this.rooms.get(room.id) === room) this.scheduleUnload(room);
    },
  };

  constructor(
    /** The model a room renders with (from its record). */
    private readonly modelFor: (roomId: string) => Promise<ModelEntry>,
    private readonly idleMs: number,
    private readonly log: Logger,
    private readonly claims?: RoomClaims,
    /** Runs once the last room has unloaded (nothing live, loading or unloading). */
    private readonly whenEmpty: () => void = collectGarbage,
  ) {}

  /** Attaches services to every room; hooks run in the order extensions were added. */
  use(...extensions: RoomExtension[]): void {
    this.extensions.push(...extensions);
  }

  /** A service changed a live room's setting: every extension hears of it (nothing to do for a room not loaded). */
  settingChanged(roomId: string, setting: RoomSetting): void {
    const room = this.rooms.get(roomId);
    if (room) for (const e of this.extensions) e.onSetting?.(room, setting);
  }

  get(roomId: string): Room | undefined {
    return this.rooms.get(roomId);
  }

  get loaded(): Room[] {
    return [...this.rooms.values()];
  }

  async open(roomId: string): Promise<Room> {
    const existing = this.rooms.get(roomId);
    if (existing) return existing;
    let pending = this.loading.get(roomId);
    if (!pending) {
      pending = this.load(roomId).finally(() => this.loading.delete(roomId));
      this.loading.set(roomId, pending);
    }
    return pending;
  }

  /** A Yjs connection joins its room; null when it closed while the room was loading. */
  async connect(roomId: string, socket: RoomSocket, grant: Grant): Promise<{ room: Room; session: SyncSession } | null> {
    const room = await this.open(roomId);
    if (socket.readyState !== SOCKET_OPEN) return null;
    return { room, session: room.join(socket, grant) };
  }

  /** A feed connection (socket.io) joins its room; it keeps the room loaded like a Yjs session. */
  async watch(roomId: string, feed: FeedSocket, grant: Grant): Promise<{ room: Room; session: FeedSession }> {
    const room = await this.open(roomId);
    return { room, session: room.joinFeed(feed, grant) };
  }

  private async load(roomId: string): Promise<Room> {
    if (this.closing) throw new Error('shutting down');
    await this.unloading.get(roomId);
    await this.claims?.claim(roomId);
    let room: Room;
    try {
      room = new Room(roomId, await this.modelFor(roomId), this.events, this.log);
      for (const e of this.extensions) await e.onLoad?.(room);
    } catch (error) {
      await this.claims?.release(roomId);
      throw error;
    }
    this.rooms.set(roomId, room);
    this.log.info({ room: roomId, strokes: room.strokes.length }, 'room loaded');
    // Opened without a session (e.g. a gallery save): unload it if nobody joins.
    this.scheduleUnload(room);
    return room;
  }

  private cancelUnload(roomId: string): void {
    clearTimeout(this.idleTimers.get(roomId));
    this.idleTimers.delete(roomId);
  }

  private scheduleUnload(room: Room): void {
    this.cancelUnload(room.id);
    this.idleTimers.set(
      room.id,
      setTimeout(() => {
        this.unload(room).catch((error: unknown) => this.log.error({ err: error, room: room.id }, 'unloading room failed'));
      }, this.idleMs),
    );
  }

  private async unload(room: Room): Promise<void> {
    this.idleTimers.delete(room.id);
    if (room.sessionCount > 0 || this.rooms.get(room.id) !== room) return;
    this.rooms.delete(room.id);
    const done = (async () => {
      try {
        try {
          for (const e of this.extensions) await e.onStore?.(room);
        } finally {
          room.destroy();
        }
        for (const e of this.extensions) await e.afterUnload?.(room.id);
      } finally {
        // Stored (or failed to): another instance may load it now.
        await this.claims?.release(room.id);
      }
      this.log.info({ room: room.id }, 'room unloaded');
    })();
    this.unloading.set(
      room.id,
      done.catch(() => undefined),
    );
    try {
      await done;
    } finally {
      this.unloading.delete(room.id);
      if (!this.closing && this.rooms.size === 0 && this.loading.size === 0 && this.unloading.size === 0) this.whenEmpty();
    }
  }

  /**
   * This instance lost the room (its lease lapsed or was taken): another may already serve it,
   * so nothing more is stored from here. Its sessions are closed with 1012 (service restart) and
   * reconnect to the new owner; `closed` runs with the room id (the feed drops its connections).
   */
  evict(roomId: string, reason: string): boolean {
    const room = this.rooms.get(roomId);
    if (!room) return false;
    this.rooms.delete(roomId);
    this.cancelUnload(roomId);
    room.closeAll(1012, reason.slice(0, 120));
    room.destroy();
    this.log.warn({ room: roomId, reason }, 'room evicted');
    void (async () => {
      for (const e of this.extensions) await e.afterUnload?.(roomId);
    })().catch((error: unknown) => this.log.error({ err: error, room: roomId }, 'after evicting a room'));
    return true;
  }

  /**
   * Shutdown (and graceful drain): no room loads any more, everyone is disconnected, what every
   * room holds is stored, then the rooms are released so other instances take them at once.
   */
  async close(): Promise<void> {
    this.closing = true;
    for (const timer of this.idleTimers.values()) clearTimeout(timer);
    this.idleTimers.clear();
    const rooms = [...this.rooms.values()];
    for (const room of rooms) room.closeAll();
    for (const room of rooms) for (const e of this.extensions) await e.onStore?.(room);
    this.rooms.clear();
    await Promise.all([...this.unloading.values()]);
    await Promise.all(rooms.map((room) => this.claims?.release(room.id)));
  }
}
