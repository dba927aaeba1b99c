import type { Stroke } from '../../lib/strokes';

/**
 * What a new room shows when its creator asks for a starter scene: a coast under mountains, so
 * the first render is a landscape rather than an empty sky. Strokes like any user's, so they can
 * be painted over; the background (sky) needs no stroke.
 */
export const STARTER_SCENE: readonly Omit<Stroke, 'id'>[] = [
  { tool: 'brush', label: 'sea', size: 256, points: [0, 840, 1024, 840] },
  { tool: 'brush', label: 'sea', size: 256, points: [0, 1000, 1024, 1000] },
  { tool: 'brush', label: 'mountain', size: 60, points: [0, 620, 180, 420, 330, 560, 520, 360, 700, 540, 860, 450, 1024, 600] },
  { tool: 'fill', label: 'mountain', size: 1, points: [520, 600] },
  { tool: 'brush', label: 'snow', size: 48, points: [500, 385, 520, 370, 540, 385] },
  { tool: 'brush', label: 'snow', size: 36, points: [165, 440, 180, 430, 195, 440] },
  { tool: 'brush', label: 'sand', size: 40, points: [0, 724, 1024, 724] },
  { tool: 'brush', label: 'tree', size: 44, points: [80, 690, 140, 680, 200, 690] },
  { tool: 'brush', label: 'tree', size: 40, points: [820, 680, 900, 672, 960, 684] },
  { tool: 'brush', label: 'clouds', size: 56, points: [120, 150, 220, 140, 330, 150] },
  { tool: 'brush', label: 'clouds', size: 44, points: [640, 210, 760, 200, 860, 214] },
];
