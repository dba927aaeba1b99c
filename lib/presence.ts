import { z } from 'zod';
import { CANVAS_SIZE } from './canvas';
import type { PresenceState } from './protocol';

const coord = z.number().finite().min(0).max(CANVAS_SIZE);

const presenceSchema = z.object({
  user: z.object({ name: z.string().min(1).max(40), color: z.string().regex(/^#[0-9a-fA-F]{6}$/) }),
  cursor: z.object({ x: coord, y: coord }).nullable(),
  tool: z.string().max(16),
  label: z.string().max(64),
  drawing: z
    .object({
      tool: z.string().max(16),
      label: z.string().max(64),
      size: z.number().finite().min(0).max(256),
      points: z.array(coord).max(1000),
    })
    .nullable(),
  // Zoom and pan of the person's canvas (app/lib/viewport View): others can follow it.
  // Optional: pages from before follow mode do not send it.
  view: z
    .object({
      scale: z.number().finite().min(1).max(16),
      x: z.number().finite().min(-15).max(0),
      y: z.number().finite().min(-15).max(0),
    })
    .nullable()
    .optional(),
});

/** Peers' awareness states are untrusted input: anything malformed is ignored, not rendered. */
export function parsePresence(value: unknown): PresenceState | null {
  const parsed = presenceSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** Live strokes in presence are trimmed to the latest points so awareness messages stay small. */
export const MAX_LIVE_POINTS = 500;
