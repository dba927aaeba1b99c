/**
 * Stroke records: immutable entries of the room's Y.Array. Validated with checkStroke on the
 * server (every client write) and on the client before pushing.
 */
import { z } from 'zod';
import { CANVAS_SIZE } from './canvas';
import { formatIssues } from './labels';

export type Tool = 'brush' | 'erase' | 'line' | 'fill' | 'clear';

export interface Stroke {
  id: string;
  tool: Tool;
  /** label name (not id), so a room can switch label sets/models without repainting */
  label: string;
  /** diameter in canvas units (brush/erase/line); ignored by fill and clear */
  size: number;
  /** flat [x0, y0, x1, y1, ...], integers in [0, CANVAS_SIZE] */
  points: number[];
  /** author (user id), informational */
  by?: string;
}

export const STROKE_LIMITS = {
  maxPoints: 2000,
  maxStrokes: 20000,
  minSize: 1,
  maxSize: 256,
  maxIdLength: 64,
  maxUpdateBytes: 262144,
} as const;

export type StrokeCheck = { ok: true; stroke: Stroke } | { ok: false; error: string };

export const TOOLS: readonly Tool[] = ['brush', 'erase', 'line', 'fill', 'clear'];

/** Number of points (pairs) each tool requires: [min, max]. */
const POINT_COUNTS: Record<Tool, readonly [number, number]> = {
  brush: [1, STROKE_LIMITS.maxPoints],
  erase: [1, STROKE_LIMITS.maxPoints],
  line: [2, 2],
  fill: [1, 1],
  clear: [0, 0],
};

const coordinate = z
  .number({ error: 'coordinates must be finite numbers' })
  .int({ error: 'coordinates must be integers' })
  .min(0, { error: `coordinates must be in [0, ${CANVAS_SIZE}]` })
  .max(CANVAS_SIZE, { error: `coordinates must be in [0, ${CANVAS_SIZE}]` });

const strokeSchema = z
  .strictObject(
    {
      id: z
        .string({ error: 'id must be a string' })
        .min(1, { error: 'id must not be empty' })
        .max(STROKE_LIMITS.maxIdLength, { error: `id must be at most ${STROKE_LIMITS.maxIdLength} characters` })
        .regex(/^[A-Za-z0-9_-]+$/, { error: 'id may only contain A-Z a-z 0-9 _ -' }),
      tool: z.enum(TOOLS as [Tool, ...Tool[]], { error: `tool must be one of ${TOOLS.join(', ')}` }),
      label: z.string({ error: 'label must be a string' }).min(1, { error: 'label must not be empty' }).max(64),
      size: z
        .number({ error: 'size must be a finite number' })
        .min(0, { error: `size must be in [${STROKE_LIMITS.minSize}, ${STROKE_LIMITS.maxSize}]` })
        .max(STROKE_LIMITS.maxSize, { error: `size must be in [${STROKE_LIMITS.minSize}, ${STROKE_LIMITS.maxSize}]` }),
      points: z
        .array(coordinate, { error: 'points must be an array of numbers' })
        .max(STROKE_LIMITS.maxPoints * 2, { error: `too many points (max ${STROKE_LIMITS.maxPoints})` }),
      by: z.string({ error: 'by must be a string' }).max(128, { error: 'by must be at most 128 characters' }).optional(),
    },
    { error: (issue) => (issue.code === 'unrecognized_keys' ? undefined : 'stroke must be an object') },
  )
  .superRefine((s, ctx) => {
    if (s.points.length % 2 !== 0) {
      ctx.addIssue({ code: 'custom', path: ['points'], message: 'points must hold x,y pairs (even length)' });
      return;
    }
    const n = s.points.length / 2;
    const [min, max] = POINT_COUNTS[s.tool];
    if (n < min || n > max) {
      const want = min === max ? `exactly ${min}` : `${min} to ${max}`;
      ctx.addIssue({ code: 'custom', path: ['points'], message: `${s.tool} needs ${want} point(s), got ${n}` });
    }
    if ((s.tool === 'brush' || s.tool === 'erase' || s.tool === 'line') && s.size < STROKE_LIMITS.minSize) {
      ctx.addIssue({
        code: 'custom',
        path: ['size'],
        message: `size must be in [${STROKE_LIMITS.minSize}, ${STROKE_LIMITS.maxSize}]`,
      });
    }
  });

/**
 * Validates an untrusted stroke record. `labelNames` are the names of the room's label set.
 * Rejects extra fields, non-finite or out-of-range numbers, wrong point counts for the tool and
 * unknown labels; the error names the field and the reason.
 */
export function checkStroke(value: unknown, labelNames: ReadonlySet<string>): StrokeCheck {
  const result = strokeSchema.safeParse(value);
  if (!result.success) {
    return { ok: false, error: `invalid stroke: ${formatIssues(result.error.issues)}` };
  }
  const s = result.data;
  if (!labelNames.has(s.label)) {
    return { ok: false, error: `invalid stroke: label: unknown label "${s.label}"` };
  }
  const stroke: Stroke = { id: s.id, tool: s.tool, label: s.label, size: s.size, points: s.points };
  if (s.by !== undefined) stroke.by = s.by;
  return { ok: true, stroke };
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';

/** 14-character random id (84 bits) from [A-Za-z0-9_-], via globalThis.crypto.getRandomValues. */
export function newStrokeId(): string {
  const bytes = new Uint8Array(14);
  globalThis.crypto.getRandomValues(bytes);
  let id = '';
  for (let i = 0; i < bytes.length; i++) id += ID_ALPHABET[bytes[i] & 63];
  return id;
}
