import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as Y from 'yjs';
import { loadLandscape } from '../bench/raster';
import { CANVAS_SIZE } from '../../lib/canvas';
import { STROKES_KEY } from '../../lib/protocol';
import { IncrementalRasterizer, rasterize } from '../../lib/raster';
import { checkStroke, STROKE_LIMITS, TOOLS, type Stroke, type Tool } from '../../lib/strokes';
import { checkUpdate } from '../../server/sync/validateUpdate';

/**
 * Property-based tests: random valid and invalid input never makes the validators throw (they
 * answer with an error instead), and the rasteriser is deterministic and its incremental path
 * agrees with a full rasterisation whatever the edit sequence.
 */
const labels = loadLandscape();
const labelNames = new Set(labels.labels.map((l) => l.name));
const RUNS = { numRuns: 200 };

const POINTS: Record<Tool, [number, number]> = { brush: [1, 40], erase: [1, 40], line: [2, 2], fill: [1, 1], clear: [0, 0] };
const coordinate = fc.integer({ min: 0, max: CANVAS_SIZE });

const validStroke: fc.Arbitrary<Stroke> = fc
  .record({
    id: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
    tool: fc.constantFrom(...TOOLS),
    label: fc.constantFrom(...labelNames),
    size: fc.integer({ min: STROKE_LIMITS.minSize, max: STROKE_LIMITS.maxSize }),
  })
  .chain((s) =>
    fc
      .array(fc.tuple(coordinate, coordinate), { minLength: POINTS[s.tool][0], maxLength: POINTS[s.tool][1] })
      .map((pairs) => ({ ...s, points: pairs.flat() })),
  );

/** A valid stroke with one field replaced by anything, or an extra field added. */
const mutatedStroke = fc
  .tuple(validStroke, fc.constantFrom('id', 'tool', 'label', 'size', 'points', 'by', 'extra'), fc.anything())
  .map(([s, key, value]) => ({ ...s, [key]: value }) as unknown);

function updateOf(write: (strokes: Y.Array<unknown>) => void): Uint8Array {
  const doc = new Y.Doc();
  write(doc.getArray(STROKES_KEY));
  return Y.encodeStateAsUpdate(doc);
}

describe('stroke schema (checkStroke)', () => {
  it('accepts every valid stroke as it is', () => {
    fc.assert(
      fc.property(validStroke, (s) => {
        expect(checkStroke(s, labelNames)).toEqual({ ok: true, stroke: s });
      }),
      RUNS,
    );
  });

  it('never throws on anything, and what it accepts is valid again', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), mutatedStroke), (value) => {
        const check = checkStroke(value, labelNames);
        if (check.ok) expect(checkStroke(check.stroke, labelNames)).toEqual(check);
        else expect(check.error).toMatch(/^invalid stroke: \S/);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('update validator (checkUpdate)', () => {
  it('never throws on random bytes or truncated and bit-flipped valid updates', () => {
    const valid = updateOf((a) => a.push([{ id: 'a', tool: 'fill', label: 'sea', size: 1, points: [1, 2] }]));
    const corrupted = fc.tuple(fc.nat(valid.length), fc.nat(valid.length - 1), fc.integer({ min: 1, max: 255 })).map(([cut, at, bits]) => {
      const bytes = valid.slice(0, Math.max(1, cut));
      if (at < bytes.length) bytes[at] ^= bits;
      return bytes;
    });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), corrupted), (bytes) => {
        const doc = new Y.Doc();
        const check = checkUpdate(bytes, doc, labelNames);
        if (!check.ok) {
          expect(check.error).toEqual(expect.any(String));
          return;
        }
        // Accepted: applying it does not throw and leaves nothing waiting for missing state.
        Y.applyUpdate(doc, bytes);
        expect(doc.store.pendingStructs).toBeNull();
      }),
      { numRuns: 1000 },
    );
  });

  it('accepts updates of valid strokes and refuses any invalid record in them', () => {
    fc.assert(
      fc.property(fc.array(validStroke, { minLength: 1, maxLength: 5 }), fc.option(mutatedStroke), (strokes, bad) => {
        const update = updateOf((a) => a.push(bad === null ? strokes : [...strokes, bad]));
        const check = checkUpdate(update, new Y.Doc(), labelNames);
        if (bad === null) expect(check).toEqual({ ok: true, newStrokes: strokes.length });
        else expect(check.ok).toBe(checkStroke(bad, labelNames).ok);
      }),
      RUNS,
    );
  });

  it('never throws on documents of arbitrary shape and content', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom('array', 'map', 'text', 'nested'), (value, shape) => {
        const doc = new Y.Doc();
        if (shape === 'array') doc.getArray(STROKES_KEY).push([value]);
        else if (shape === 'map') doc.getMap<unknown>(STROKES_KEY).set('k', value);
        else if (shape === 'text') doc.getText('other').insert(0, JSON.stringify(value) ?? '');
        else doc.getArray(STROKES_KEY).push([Y.Array.from([value as object])]);
        const check = checkUpdate(Y.encodeStateAsUpdate(doc), new Y.Doc(), labelNames);
        if (!check.ok) expect(check.error).toEqual(expect.any(String));
      }),
      RUNS,
    );
  });
});

describe('rasteriser', () => {
  const size = fc.constantFrom(16, 37, 64);

  it('gives the same bytes for the same strokes, every time', () => {
    fc.assert(
      fc.property(fc.array(validStroke, { maxLength: 12 }), size, (strokes, n) => {
        const copy = structuredClone(strokes);
        expect(Buffer.from(rasterize(strokes, n, n, labels)).equals(Buffer.from(rasterize(copy, n, n, labels)))).toBe(true);
      }),
      RUNS,
    );
  });

  it('incremental updates match a full rasterisation after any sequence of edits', () => {
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('append' as const), stroke: validStroke }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), stroke: validStroke }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(edit, { maxLength: 40 }), size, (edits, n) => {
        const raster = new IncrementalRasterizer(n, n, labels);
        const list: Stroke[] = [];
        let serial = 0;
        for (const e of edits) {
          // Stroke records are immutable and uniquely identified: give each edit a fresh id.
          if (e.kind === 'append') list.push({ ...e.stroke, id: `s${serial++}` });
          else if (e.kind === 'insert') list.splice(e.at % (list.length + 1), 0, { ...e.stroke, id: `s${serial++}` });
          else if (list.length > 0) list.splice(e.at % list.length, 1);
          const { map } = raster.update(list);
          expect(Buffer.from(map).equals(Buffer.from(rasterize(list, n, n, labels)))).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });
});
