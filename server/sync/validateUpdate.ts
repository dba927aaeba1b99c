import * as Y from 'yjs';
import { checkStroke, STROKE_LIMITS } from '../../lib/strokes';
import { CLOSE_CODES, STROKES_KEY } from '../../lib/protocol';
import { missingState } from './missingState';

/** `code` is the close code to refuse with where it is not CLOSE_CODES.invalidMessage. */
export type UpdateCheck = { ok: true; newStrokes: number } | { ok: false; error: string; code?: number };

/**
 * Checks a Yjs update before it touches the room's document: it may only insert valid stroke
 * records into the root `strokes` array, or delete items. Anything else (maps, text, nested
 * types, binary content, unknown labels, oversized strokes) is refused whole, so one bad client
 * cannot corrupt the shared state.
 */
export function checkUpdate(update: Uint8Array, doc: Y.Doc, labelNames: ReadonlySet<string>): UpdateCheck {
  if (update.byteLength > STROKE_LIMITS.maxUpdateBytes) {
    return { ok: false, error: `update of ${update.byteLength} bytes exceeds the ${STROKE_LIMITS.maxUpdateBytes}-byte limit` };
  }
  let decoded: ReturnType<typeof Y.decodeUpdate>;
  try {
    decoded = Y.decodeUpdate(update);
  } catch {
    return { ok: false, error: 'malformed Yjs update' };
  }
  const known = Y.decodeStateVector(Y.encodeStateVector(doc));
  const missing = missingState(decoded, known);
  if (missing) {
    return { ok: false, code: CLOSE_CODES.missingState, error: `update depends on state the room lacks (${missing}); reconnect to resync` };
  }
  let newStrokes = 0;
  for (const struct of decoded.structs) {
    if (struct instanceof Y.GC || struct instanceof Y.Skip) continue;
    if (!(struct instanceof Y.Item)) return { ok: false, error: 'unknown struct in update' };
    if (struct.parentSub !== null) return { ok: false, error: 'map entries are not allowed; only strokes' };
    // Decoded (not yet integrated) items name a root type by string, a nested parent by ID.
    const parent = struct.parent as unknown;
    if (parent !== null && parent !== STROKES_KEY) {
      return { ok: false, error: `only the "${STROKES_KEY}" array may be written` };
    }
    const content = struct.content;
    if (content instanceof Y.ContentDeleted) continue;
    if (!(content instanceof Y.ContentAny)) {
      return { ok: false, error: `unsupported content (${content.constructor.name}); strokes are plain records` };
    }
    for (const value of content.arr) {
      const check = checkStroke(value, labelNames);
      if (!check.ok) return { ok: false, error: check.error };
    }
    const seen = known.get(struct.id.client) ?? 0;
    newStrokes += Math.max(0, Math.min(content.arr.length, struct.id.clock + content.arr.length - seen));
  }
  const total = doc.getArray(STROKES_KEY).length + newStrokes;
  if (total > STROKE_LIMITS.maxStrokes) {
    return { ok: false, error: `room is full: ${STROKE_LIMITS.maxStrokes} strokes at most` };
  }
  return { ok: true, newStrokes };
}
