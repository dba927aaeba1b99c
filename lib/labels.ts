/**
 * Label sets: one per model (models/<model>/labels.json). Strokes carry label *names*; a label
 * map (Uint8Array) carries label *ids* (0..255).
 */
import { z } from 'zod';

export interface Label {
  id: number;
  name: string;
  color: [number, number, number];
}

export interface LabelSet {
  id: string;
  background: string;
  labels: Label[];
  /**
   * Optional extra names that resolve to a label of this set (alias -> label name), so strokes
   * painted with another model's palette (e.g. "sky") land on this set's class ("sky-other")
   * and a room can switch models without repainting. Not shown in the palette.
   */
  aliases?: Record<string, string>;
}

const byte = z.number().int().min(0).max(255);

const labelName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9 _-]*$/i, 'label names use letters, digits, space, "_" and "-"');

const labelSchema = z.strictObject({
  id: byte,
  name: labelName,
  color: z.tuple([byte, byte, byte]),
});

const labelSetSchema = z
  .strictObject({
    id: z.string().min(1).max(64),
    background: z.string().min(1),
    labels: z.array(labelSchema).min(1).max(256),
    aliases: z.record(labelName, z.string()).optional(),
  })
  .superRefine((set, ctx) => {
    const names = new Set<string>();
    const ids = new Set<number>();
    set.labels.forEach((label, i) => {
      if (names.has(label.name)) {
        ctx.addIssue({ code: 'custom', path: ['labels', i, 'name'], message: `duplicate label name "${label.name}"` });
      }
      if (ids.has(label.id)) {
        ctx.addIssue({ code: 'custom', path: ['labels', i, 'id'], message: `duplicate label id ${label.id}` });
      }
      names.add(label.name);
      ids.add(label.id);
    });
    for (const [alias, target] of Object.entries(set.aliases ?? {})) {
      // an alias never shadows a real label, and always lands on one (no chains)
      if (names.has(alias)) {
        ctx.addIssue({ code: 'custom', path: ['aliases', alias], message: `alias "${alias}" is already a label name` });
      } else if (!names.has(target)) {
        ctx.addIssue({ code: 'custom', path: ['aliases', alias], message: `alias "${alias}" points at unknown label "${target}"` });
      }
    }
    if (!names.has(set.background)) {
      ctx.addIssue({
        code: 'custom',
        path: ['background'],
        message: `background "${set.background}" is not one of the labels`,
      });
    }
  });

/** Formats zod issues as "path: message; path: message". */
export function formatIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => {
      const path = issue.path
        .map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))
        .join('.')
        .replace(/\.\[/g, '[');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

/** Validates a label-set JSON value; throws an Error naming the offending field. */
export function parseLabelSet(json: unknown): LabelSet {
  const result = labelSetSchema.safeParse(json);
  if (!result.success) {
    throw new Error(`invalid label set: ${formatIssues(result.error.issues)}`);
  }
  const set = result.data;
  const parsed: LabelSet = {
    id: set.id,
    background: set.background,
    labels: set.labels.map((l) => ({ id: l.id, name: l.name, color: [l.color[0], l.color[1], l.color[2]] })),
  };
  if (set.aliases && Object.keys(set.aliases).length > 0) parsed.aliases = { ...set.aliases };
  return parsed;
}

const idsCache = new WeakMap<LabelSet, Map<string, number>>();

/**
 * name -> id, memoised per LabelSet object (label sets are treated as immutable). Aliases map to
 * their target's id; an alias that collides with a label or points nowhere is ignored (parsed
 * sets never contain one).
 */
export function labelIds(set: LabelSet): Map<string, number> {
  let ids = idsCache.get(set);
  if (!ids) {
    const byName = new Map(set.labels.map((l) => [l.name, l.id]));
    ids = new Map(byName);
    for (const [alias, target] of Object.entries(set.aliases ?? {})) {
      const id = byName.get(target);
      if (id !== undefined && !byName.has(alias)) ids.set(alias, id);
    }
    idsCache.set(set, ids);
  }
  return ids;
}

const paletteCache = new WeakMap<LabelSet, Uint8Array>();

/** 256 RGBA entries; ids not in the set are opaque black. */
function palette(set: LabelSet): Uint8Array {
  let pal = paletteCache.get(set);
  if (!pal) {
    pal = new Uint8Array(256 * 4);
    for (let i = 0; i < 256; i++) pal[i * 4 + 3] = 255;
    for (const l of set.labels) {
      pal[l.id * 4] = l.color[0];
      pal[l.id * 4 + 1] = l.color[1];
      pal[l.id * 4 + 2] = l.color[2];
    }
    paletteCache.set(set, pal);
  }
  return pal;
}

/**
 * Colours a label map (one id per pixel) with the set's palette into RGBA bytes (ImageData
 * layout). `out`, when given, must hold exactly map.length * 4 bytes and is returned.
 */
export function labelMapToRGBA(map: Uint8Array, set: LabelSet, out?: Uint8ClampedArray): Uint8ClampedArray {
  const n = map.length;
  if (out && out.length !== n * 4) {
    throw new Error(`labelMapToRGBA: out has ${out.length} bytes, expected ${n * 4}`);
  }
  const rgba = out ?? new Uint8ClampedArray(n * 4);
  const pal = palette(set);
  for (let i = 0, o = 0; i < n; i++, o += 4) {
    const p = map[i] * 4;
    rgba[o] = pal[p];
    rgba[o + 1] = pal[p + 1];
    rgba[o + 2] = pal[p + 2];
    rgba[o + 3] = pal[p + 3];
  }
  return rgba;
}
