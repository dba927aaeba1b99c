import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import type { Awareness } from 'y-protocols/awareness';

/**
 * The authorise step of a room's pipeline, on updates already validated (checkUpdate): who a
 * stroke says wrote it, and whether an update would change the document at all.
 */

/** Items of the update the room does not have yet (the rest Yjs skips when applying). */
function newItems(decoded: ReturnType<typeof Y.decodeUpdate>, doc: Y.Doc): Y.Item[] {
  const known = Y.decodeStateVector(Y.encodeStateVector(doc));
  return decoded.structs.filter((s): s is Y.Item => s instanceof Y.Item && s.id.clock + s.length > (known.get(s.id.client) ?? 0));
}

/** Who wrote the strokes of each Yjs client id, and which of them a connected session writes now. */
export interface ClientAuthors {
  /** The author the room's strokes of each client id name (from the stored document and accepted updates). */
  readonly authors: ReadonlyMap<number, string>;
  /** Whether `client`'s items are being written by a live session of its author. */
  live(client: number): boolean;
}

/**
 * Refuses strokes that name someone else as their author: a new stroke's `by` must be the
 * session's verified user (or absent: an uncredited stroke), or it is another page re-sending a
 * stroke the room lost before storing it (the server was killed after broadcasting it): then its
 * Yjs client id must be one the room knows as that author's, and not one a live session of its
 * author is writing (that page sends its own strokes). Without the relay, after a crash every
 * page's sync step 2 carries the others' lost strokes and each page was refused in turn.
 * Returns why, or null when all is well; `seen` collects the author of each client id's new
 * items (null: uncredited).
 */
export function forgedAuthor(
  update: Uint8Array,
  doc: Y.Doc,
  user: string | null,
  known: ClientAuthors,
  seen?: Map<number, string | null>,
): string | null {
  for (const item of newItems(Y.decodeUpdate(update), doc)) {
    if (!seen?.has(item.id.client)) seen?.set(item.id.client, null);
    if (!(item.content instanceof Y.ContentAny)) continue;
    for (const value of item.content.arr) {
      const by = (value as { by?: unknown }).by;
      if (by === undefined) continue;
      if (by !== user && (known.authors.get(item.id.client) !== by || known.live(item.id.client))) {
        return user ? `stroke author "${String(by)}" is not you` : 'strokes may not name an author without an identity';
      }
      seen?.set(item.id.client, by as string);
    }
  }
  return null;
}

/**
 * Whether applying the update would change the document: new items, or deletions of items the
 * room still has. A viewer's client answers sync step 1 with its whole delete set, which changes
 * nothing and must not count as a write.
 */
export function changesDocument(update: Uint8Array, doc: Y.Doc): boolean {
  const decoded = Y.decodeUpdate(update);
  if (newItems(decoded, doc).length > 0) return true;
  if (decoded.ds.clients.size === 0) return false;
  const deleted = Y.snapshot(doc).ds.clients;
  for (const [client, ranges] of decoded.ds.clients) {
    const have = deleted.get(client) ?? [];
    for (const r of ranges) {
      if (r.len === 0) continue;
      // The room's ranges are sorted and merged: one of them must cover the whole deletion.
      if (!have.some((h) => h.clock <= r.clock && r.clock + r.len <= h.clock + h.len)) return true;
    }
  }
  return false;
}

/** One entry of an awareness update: whose presence, at which clock, set or removed, and its size. */
export interface AwarenessEntry {
  clientId: number;
  clock: number;
  removes: boolean;
  /** Bytes of the state's JSON. */
  bytes: number;
}

/** The state JSON of a removed presence (y-protocols writes JSON.stringify(null)). */
const NULL_STATE = [0x6e, 0x75, 0x6c, 0x6c];

export function awarenessEntries(update: Uint8Array): AwarenessEntry[] {
  const decoder = decoding.createDecoder(update);
  const count = decoding.readVarUint(decoder);
  const entries: AwarenessEntry[] = [];
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(decoder);
    const clock = decoding.readVarUint(decoder);
    // A var string is its UTF-8 bytes with their length: read as bytes, nothing is decoded here.
    const state = decoding.readVarUint8Array(decoder);
    const removes = state.length === NULL_STATE.length && NULL_STATE.every((b, k) => state[k] === b);
    entries.push({ clientId, clock, removes, bytes: state.length });
  }
  return entries;
}

/**
 * Whether an entry would change the awareness (the rule of y-protocols' applyAwarenessUpdate).
 * y-websocket clients echo every presence they receive back to the server; those echoes change
 * nothing and are no attempt to write another's presence.
 */
export function changesPresence(awareness: Awareness, entry: AwarenessEntry): boolean {
  const current = awareness.meta.get(entry.clientId)?.clock ?? 0;
  return current < entry.clock || (current === entry.clock && entry.removes && awareness.states.has(entry.clientId));
}
