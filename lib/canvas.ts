/**
 * Canvas geometry shared by the client, the server and the rasteriser.
 *
 * Stroke coordinates are integers in [0, CANVAS_SIZE] on a square canvas; the label map can be
 * rasterised at any resolution (see lib/raster.ts for the exact pixel-centre convention).
 */
export const CANVAS_SIZE = 1024;
