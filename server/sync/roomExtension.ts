import type { Room, RoomSession } from './room';

/** Room settings kept outside the document that what is derived from the room depends on. */
export type RoomSetting = 'style';

/**
 * How a service attaches to rooms (in the spirit of Hocuspocus's Extension): the registry calls
 * each hook of every extension, in the order they were added, at that point of a room's life.
 * Per-room state belongs in the room (`room.get` / `room.set` with a RoomStateKey), so it is
 * freed when the room unloads and no service keeps a map of rooms.
 */
export interface RoomExtension {
  /** The room is being loaded, before anyone joins; persistence applies the stored state here. */
  onLoad?(room: Room): Promise<void> | void;
  /** A session joined (either channel), with its verified user. */
  onJoin?(room: Room, session: RoomSession): void;
  onLeave?(room: Room, session: RoomSession): void;
  /** The document changed (`origin` is the session's socket, or SERVER_ORIGIN for the server's writes). */
  onChange?(room: Room, update: Uint8Array, origin: unknown): void;
  /** A setting outside the document changed (the renderer redraws on a new style). */
  onSetting?(room: Room, setting: RoomSetting): void;
  /** Write what the room holds: before it unloads and at shutdown. */
  onStore?(room: Room): Promise<void> | void;
  /** The room has been unloaded and destroyed. */
  afterUnload?(roomId: string): Promise<void> | void;
}

/** Names one extension's per-room state; compared by identity, so each key is one module's own. */
export class RoomStateKey<T> {
  declare private readonly type: T;
  constructor(readonly name: string) {}
}
