import { Room, type FeedSession, type Grant, type RoomEvents, type SyncSession } from './room';
import type { RoomExtension, RoomSetting } from './roomExtension';
import { SOCKET_OPEN, type FeedSocket, type RoomSocket } from './roomSocket';
import type { ModelEntry } from '../models/modelRegistry';
import type { Logger } from '../log';

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
      if (room.sessionCount === 0) this.scheduleUnload(room);
    },
  };

  constructor(
    /** The model a room renders with (from its record). */
    private readonly modelFor: (roomId: string) => Promise<ModelEntry>,
    private readonly idleMs: number,
    private readonly log: Logger,
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
    const room = new Room(roomId, await this.modelFor(roomId), this.events, this.log);
    for (const e of this.extensions) await e.onLoad?.(room);
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
    try {
      for (const e of this.extensions) await e.onStore?.(room);
    } finally {
      room.destroy();
    }
    for (const e of this.extensions) await e.afterUnload?.(room.id);
    this.log.info({ room: room.id }, 'room unloaded');
  }

  /** Shutdown: disconnect everyone and store what every room holds. */
  async close(): Promise<void> {
    for (const timer of this.idleTimers.values()) clearTimeout(timer);
    this.idleTimers.clear();
    for (const room of this.rooms.values()) room.closeAll();
    for (const room of this.rooms.values()) for (const e of this.extensions) await e.onStore?.(room);
  }
}
