import { z } from 'zod';
import type { LabelSet } from './labels';

/** How one painted label came out: what share of its pixels the segmenter saw as that label. */
export interface LabelAgreement {
  name: string;
  color: [number, number, number];
  /** Share of the picture painted with this label. */
  painted: number;
  /** Share of those pixels the segmenter labelled the same (recall). */
  agreed: number;
  /** What the segmenter saw most often instead, or null when it agreed everywhere. */
  seenAs: string | null;
}

/** POST /api/rooms/:id/understanding: the latest full frame checked against its label map. */
export interface UnderstandingReport {
  roomId: string;
  /** Document version of the checked frame (and of the label map it was rendered from). */
  version: number;
  model: string;
  width: number;
  height: number;
  /** Share of all pixels where the segmenter's label is the painted one. */
  agreement: number;
  /** Painted labels, the worst understood first. */
  labels: LabelAgreement[];
  /** PNG data URL at the frame's size: the pixels it did not understand, in the colour of what it saw instead. */
  overlay: string;
  ms: { segmenter: number; total: number };
}

export const understandingReport: z.ZodType<UnderstandingReport> = z.object({
  roomId: z.string(),
  version: z.number().int().nonnegative(),
  model: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  agreement: z.number().min(0).max(1),
  labels: z.array(
    z.object({
      name: z.string(),
      color: z.tuple([z.number(), z.number(), z.number()]),
      painted: z.number().min(0).max(1),
      agreed: z.number().min(0).max(1),
      seenAs: z.string().nullable(),
    }),
  ),
  overlay: z.string().startsWith('data:image/png;base64,'),
  ms: z.object({ segmenter: z.number().nonnegative(), total: z.number().nonnegative() }),
});

/** Labels painted on fewer pixels than this share are left out (stray pixels at region edges). */
const MIN_SHARE = 0.002;
/** Overlay opacity where the segmenter disagrees: the picture stays visible beneath. */
const OVERLAY_ALPHA = 170;

/**
 * Compares the label map a frame was rendered from with the segmenter's labels for that frame:
 * overall agreement, per painted label the agreed share and the most common other reading, and
 * an RGBA overlay (transparent where they agree).
 */
export function compareLabels(
  painted: Uint8Array,
  seen: Uint8Array,
  set: LabelSet,
): { agreement: number; labels: LabelAgreement[]; overlay: Uint8ClampedArray } {
  if (painted.length !== seen.length) throw new Error(`label maps differ in size: ${painted.length} vs ${seen.length}`);
  const byId = new Map(set.labels.map((l) => [l.id, l]));
  const confusion = new Map<number, Map<number, number>>();
  const overlay = new Uint8ClampedArray(painted.length * 4);
  let agreed = 0;
  for (let i = 0; i < painted.length; i++) {
    const p = painted[i];
    const s = seen[i];
    let row = confusion.get(p);
    if (!row) confusion.set(p, (row = new Map()));
    row.set(s, (row.get(s) ?? 0) + 1);
    if (p === s) {
      agreed++;
      continue;
    }
    const color = byId.get(s)?.color ?? [255, 0, 255];
    overlay.set([color[0], color[1], color[2], OVERLAY_ALPHA], i * 4);
  }
  const labels: LabelAgreement[] = [];
  for (const [id, row] of confusion) {
    const label = byId.get(id);
    let total = 0;
    let instead: [number, number] | null = null;
    for (const [s, n] of row) {
      total += n;
      if (s !== id && (!instead || n > instead[1])) instead = [s, n];
    }
    if (!label || total / painted.length < MIN_SHARE) continue;
    labels.push({
      name: label.name,
      color: label.color,
      painted: total / painted.length,
      agreed: (row.get(id) ?? 0) / total,
      seenAs: instead ? (byId.get(instead[0])?.name ?? `#${instead[0]}`) : null,
    });
  }
  labels.sort((a, b) => a.agreed - b.agreed);
  return { agreement: painted.length ? agreed / painted.length : 1, labels, overlay };
}
