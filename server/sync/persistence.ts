import { SERVER_ORIGIN } from './room';
import type { RoomExtension } from './roomExtension';
import type { UpdateStore } from './updateStore';

/**
 * Rooms' documents through an UpdateStore: the stored state is applied on load, every edit from
 * a client is appended, what is pending is written before unload and at shutdown, and an
 * unloaded room's log is compacted into one update.
 */
export function persistence(store: UpdateStore): RoomExtension {
  return {
    async onLoad(room) {
      const state = await store.load(room.id);
      if (state) room.load(state);
    },
    onChange(room, update, origin) {
      if (origin !== SERVER_ORIGIN) store.append(room.id, update);
    },
    onStore: () => store.flush(),
    async afterUnload(roomId) {
      await store.compact(roomId);
      store.forget(roomId);
    },
  };
}
