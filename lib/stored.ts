import * as Y from 'yjs';
import type { Stroke } from './strokes';

/**
 * Acknowledged durability: after each commit of the update store the server sends the room's
 * sync sessions a y-websocket message of this type, holding a state vector (Yjs encoding) of what
 * it has stored: for each Yjs client id, every item below that clock is in the database. A join
 * gets the whole stored state vector, later messages only the clients whose clocks moved. Stored
 * clocks only grow, so a client keeps the maximum it has seen per client id, across reconnects.
 * (y-websocket's own types are 0-3; an old client without a handler logs and ignores it.)
 */
export const MESSAGE_STORED = 100;

/** Merges an acknowledgement into what the client knows is stored; returns whether anything moved. */
export function mergeStored(known: Map<number, number>, acknowledged: Map<number, number>): boolean {
  let moved = false;
  for (const [client, clock] of acknowledged) {
    if (clock > (known.get(client) ?? 0)) {
      known.set(client, clock);
      moved = true;
    }
  }
  return moved;
}

/**
 * How many of `user`'s strokes in the document the server has not acknowledged as stored. Each
 * stroke is one element of an item in the strokes array; its id is the item's id plus its offset.
 * Deleted strokes (undone) are not counted: there is nothing left of them to lose.
 */
export function unsavedStrokes(strokes: Y.Array<Stroke>, stored: ReadonlyMap<number, number>, user: string): number {
  let unsaved = 0;
  for (let item = strokes._start; item !== null; item = item.right) {
    if (item.deleted || !(item.content instanceof Y.ContentAny)) continue;
    const storedUpTo = stored.get(item.id.client) ?? 0;
    if (item.id.clock + item.length <= storedUpTo) continue;
    item.content.arr.forEach((value, offset) => {
      if (item.id.clock + offset >= storedUpTo && (value as Partial<Stroke> | null)?.by === user) unsaved++;
    });
  }
  return unsaved;
}
