import type { WebSocket } from 'ws';
import { Room, SERVER_ORIGIN } from './room';
import type { UpdateStore } from './updateStore';
import type { Logger } from '../log';

export interface RoomListener {
  /** A room's document changed (room.version is its docVersion after the change). */
  onRoomChange?(room: Room): void;
  onRoomUnloaded?(roomId: string): void;
}

/**
 * Keeps the rooms that have people in them in memory: loads a room's stored state on first
 * join, persists every change through the UpdateStore, and unloads (flush + compact) a room
 * that has stayed empty for `idleMs`.
 */
export class RoomRegistry {
  private readonly rooms = new Map<string, Room>();
  private readonly loading = new Map<string, Promise<Room>>();
  private readonly idleTimers = new Map<string, NodeJS.Timeout>();
  private readonly listeners: RoomListener[] = [];

  constructor(
    private readonly store: UpdateStore,
    private readonly labelNamesFor: (roomId: string) => Promise<ReadonlySet<string>>,
    private readonly idleMs: number,
    private readonly log: Logger,
  ) {}

  listen(listener: RoomListener): void {
    this.listeners.push(listener);
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

  async connect(roomId: string, socket: WebSocket, takeEarlyMessages: () => ArrayBuffer[]): Promise<void> {
    const room = await this.open(roomId);
    const timer = this.idleTimers.get(roomId);
    if (timer) {
      clearTimeout(timer);
      this.idleTimers.delete(roomId);
    }
    if (socket.readyState !== 1) return; // left while the room was loading
    room.join(socket, takeEarlyMessages());
  }

  private async load(roomId: string): Promise<Room> {
    const labelNames = await this.labelNamesFor(roomId);
    const room = new Room(
      roomId,
      labelNames,
      {
        onChange: (r, update, origin) => {
          if (origin !== SERVER_ORIGIN) this.store.append(r.id, update);
          for (const l of this.listeners) l.onRoomChange?.(r);
        },
        onEmpty: (r) => this.scheduleUnload(r),
      },
      this.log,
    );
    const state = await this.store.load(roomId);
    if (state) room.load(state);
    this.rooms.set(roomId, room);
    this.log.info({ room: roomId, strokes: room.strokes.length }, 'room loaded');
    // Opened without a session (e.g. a render request): unload it if nobody joins.
    this.scheduleUnload(room);
    return room;
  }

  private scheduleUnload(room: Room): void {
    clearTimeout(this.idleTimers.get(room.id));
    this.idleTimers.set(
      room.id,
      setTimeout(() => void this.unload(room), this.idleMs),
    );
  }

  private async unload(room: Room): Promise<void> {
    this.idleTimers.delete(room.id);
    if (room.sessionCount > 0 || this.rooms.get(room.id) !== room) return;
    this.rooms.delete(room.id);
    await this.store.flush();
    await this.store.compact(room.id);
    this.store.forget(room.id);
    room.destroy();
    this.log.info({ room: room.id }, 'room unloaded');
    for (const l of this.listeners) l.onRoomUnloaded?.(room.id);
  }

  /** Shutdown: disconnect everyone and write what is pending. */
  async close(): Promise<void> {
    for (const timer of this.idleTimers.values()) clearTimeout(timer);
    this.idleTimers.clear();
    for (const room of this.rooms.values()) room.closeAll();
    await this.store.flush();
  }
}
