import * as Y from 'yjs';

type Decoded = ReturnType<typeof Y.decodeUpdate>;

/**
 * Why an update cannot be integrated into a document with state vector `known`, or null when it
 * can. Yjs keeps what it cannot integrate yet (structs after a gap in a client's clock, items
 * whose neighbours it lacks, deletions of items it lacks) as pending state and re-merges all of
 * it on every later update: a few such updates cost seconds per message. A well-behaved client
 * never sends one (its sync step 2 fills every gap first), so they are refused.
 */
export function missingState(decoded: Decoded, known: ReadonlyMap<number, number>): string | null {
  // What the document will hold after this update: its own state, extended by each client's
  // structs in clock order as long as they are contiguous.
  const reach = new Map(known);
  for (const struct of decoded.structs) {
    if (struct instanceof Y.Skip) continue; // a hole in a merged update: covers nothing
    const { client, clock } = struct.id;
    const have = reach.get(client) ?? 0;
    if (clock > have) return `client ${client} from clock ${have}`;
    reach.set(client, Math.max(have, clock + struct.length));
  }
  const held = (id: Y.ID | null) => id === null || id.clock < (reach.get(id.client) ?? 0);
  for (const struct of decoded.structs) {
    if (!(struct instanceof Y.Item)) continue;
    if (!held(struct.origin) || !held(struct.rightOrigin)) return `a neighbour of item ${struct.id.client}:${struct.id.clock}`;
  }
  for (const [client, deletes] of decoded.ds.clients) {
    const have = reach.get(client) ?? 0;
    for (const d of deletes) if (d.clock + d.len > have) return `deleted items of client ${client} up to clock ${d.clock + d.len}`;
  }
  return null;
}
