import * as Y from 'yjs';
import { SERVER_ORIGIN, type Room } from './room';
import { RoomStateKey, type RoomExtension } from './roomExtension';
import type { UpdateStore } from './updateStore';

interface Durable {
  /** Per Yjs client id, the clock below which everything is in the store. */
  stored: Map<number, number>;
  /** Clients whose stored clock moved since the last acknowledgement went out. */
  moved: Map<number, number> | null;
}

const DURABLE = new RoomStateKey<Durable>('persistence.durable');

/**
 * Rooms' documents through an UpdateStore: the stored state is applied on load, every edit from
 * a client is appended, what is pending is written before unload and at shutdown, and an
 * unloaded room's log is compacted into one update.
 *
 * Acknowledged durability: once the commit holding an edit has returned, the room's sync sessions
 * are told the clocks it stored (Room.acknowledge); a join is told everything stored. Updates are
 * appended in the order the room applied them and the room has no gaps in any client's clocks
 * (missingState), so what is stored is a prefix of each client's clocks.
 */
export function persistence(store: UpdateStore): RoomExtension {
  return {
    async onLoad(room) {
      const state = await store.load(room.id);
      if (state) room.load(state);
      // Everything loaded came from the store.
      room.set(DURABLE, { stored: Y.decodeStateVector(Y.encodeStateVector(room.doc)), moved: null });
    },
    onJoin(room, session) {
      const durable = room.get(DURABLE);
      if (durable && session.channel === 'sync') room.acknowledge(durable.stored, session);
    },
    onChange(room, update, origin) {
      if (origin === SERVER_ORIGIN) return;
      const { to } = Y.parseUpdateMeta(update);
      void store.append(room.id, update, room.catchingUp).then(() => stored(room, to));
    },
    onStore: () => store.flush(),
    async afterUnload(roomId) {
      await store.compact(roomId);
      store.forget(roomId);
    },
  };
}

/**
 * An edit's commit returned. One commit resolves all of its edits in a row of microtasks: the
 * acknowledgement goes out once, after them, with every clock that moved.
 */
function stored(room: Room, clocks: Map<number, number>): void {
  const durable = room.get(DURABLE);
  if (!durable) return; // unloaded meanwhile: the next load reads it from the store
  for (const [client, clock] of clocks) {
    if (clock <= (durable.stored.get(client) ?? 0)) continue;
    durable.stored.set(client, clock);
    if (!durable.moved) {
      durable.moved = new Map();
      queueMicrotask(() => {
        if (durable.moved) room.acknowledge(durable.moved);
        durable.moved = null;
      });
    }
    durable.moved.set(client, clock);
  }
}
