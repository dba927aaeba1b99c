import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as Y from 'yjs';
import { STROKES_KEY, CLOSE_CODES } from '../../lib/protocol';
import { checkUpdate } from '../../server/sync/validateUpdate';
import type { Stroke } from '../../lib/strokes';

const labelNames = new Set(['sea', 'sky']);
let serial = 0;
const stroke = (): Stroke => ({ id: `m${serial++}`, tool: 'fill', label: 'sea', size: 1, points: [1, 1] });

/** Incremental updates of two clients editing (and sometimes syncing), in the order they happened. */
function history(ops: Array<'a' | 'b' | 'delA' | 'delB' | 'sync'>): Uint8Array[] {
  const a = new Y.Doc();
  const b = new Y.Doc();
  const out: Uint8Array[] = [];
  const record = (update: Uint8Array, origin: unknown) => {
    if (origin !== 'sync') out.push(update);
  };
  a.on('update', record);
  b.on('update', record);
  for (const op of ops) {
    const doc = op === 'a' || op === 'delA' ? a : b;
    const strokes = doc.getArray<Stroke>(STROKES_KEY);
    if (op === 'sync') {
      Y.applyUpdate(a, Y.encodeStateAsUpdate(b), 'sync');
      Y.applyUpdate(b, Y.encodeStateAsUpdate(a), 'sync');
    } else if (op === 'a' || op === 'b') strokes.push([stroke()]);
    else if (strokes.length > 0) strokes.delete(0, 1);
  }
  return out;
}

describe('updates that depend on state the room lacks', () => {
  it('are refused with missingState, in any delivery order, exactly when Yjs would keep them pending', () => {
    const ops = fc.array(fc.constantFrom('a' as const, 'b' as const, 'delA' as const, 'delB' as const, 'sync' as const), {
      minLength: 1,
      maxLength: 25,
    });
    fc.assert(
      fc.property(
        ops.chain((o) => {
          const updates = history(o);
          return fc.shuffledSubarray(updates.map((_, i) => i)).map((order) => order.map((i) => updates[i]));
        }),
        (delivered) => {
          const room = new Y.Doc();
          for (const update of delivered) {
            const check = checkUpdate(update, room, labelNames);
            // What Yjs itself would do with it, on a copy of the room.
            const probe = new Y.Doc();
            Y.applyUpdate(probe, Y.encodeStateAsUpdate(room));
            Y.applyUpdate(probe, update);
            const wouldPend = probe.store.pendingStructs !== null || probe.store.pendingDs !== null;
            if (check.ok) {
              expect(wouldPend).toBe(false);
              Y.applyUpdate(room, update);
            } else {
              expect(check).toMatchObject({
                code: CLOSE_CODES.missingState,
                error: expect.stringMatching(/^update depends on state the room lacks/),
              });
              expect(wouldPend).toBe(true);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('are accepted once the state they depend on has arrived', () => {
    const [first, second] = history(['a', 'a']);
    const room = new Y.Doc();
    expect(checkUpdate(second, room, labelNames)).toMatchObject({ ok: false, code: CLOSE_CODES.missingState });
    Y.applyUpdate(room, first);
    expect(checkUpdate(second, room, labelNames)).toEqual({ ok: true, newStrokes: 1 });
  });
});
