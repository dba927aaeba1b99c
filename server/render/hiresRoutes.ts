import type { Db } from '../db';
import type { ApiRoute } from '../http/api';
import { HttpError } from '../http/json';
import type { Identity } from '../identity/identity';
import type { ModelRegistry } from '../models/modelRegistry';
import { SCENE_ID, type Gallery } from '../gallery/gallery';
import { defaultStyle } from '../styles/roomStyles';
import { UserLimits } from '../limits/userLimits';
import { Refused, type HiresRenderer } from './hires';

/**
 * GET /api/scenes/<id>/hires/<512|1024>: a saved scene rendered as a PNG at that size, with the
 * style it was saved with (a scene never changes, so the answer may be cached for good).
 */
export function hiresRoutes(deps: {
  db: Db;
  models: ModelRegistry;
  gallery: Pick<Gallery, 'strokes'>;
  hires: HiresRenderer;
  identity: Identity;
}): ApiRoute[] {
  // Each render is seconds of a core: a burst of 3, then one every 5 s per person.
  const limits = new UserLimits(0.2, 3);
  return [
    [
      'GET',
      /^\/api\/scenes\/([^/]+)\/hires\/([0-9]+)$/,
      async (req, res, [id, sizeText]) => {
        if (!SCENE_ID.test(id)) throw new HttpError(400, 'malformed scene id');
        const row = await deps.db.scene.findUnique({ where: { id }, select: { modelId: true, styleId: true, styleZ: true } });
        if (!row) throw new HttpError(404, 'no such scene');
        const model = deps.models.forRoom(row);
        const size = Number(sizeText);
        if (!deps.hires.sizesOf(model.id).includes(size))
          throw new HttpError(404, `this scene renders at ${deps.hires.sizesOf(model.id).join(' or ') || 'no larger size'}`);
        if (!limits.take(deps.identity.ensure(req, res))) throw new HttpError(429, 'too many hi-res renders: wait a few seconds');
        const style = defaultStyle(model);
        let z = style.z;
        if (row.styleZ && row.styleZ.byteLength === model.zDim * 4) {
          const bytes = new Uint8Array(row.styleZ);
          z = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
        }
        let png: Buffer;
        try {
          png = await deps.hires.renderScene(
            { id, model, strokes: await deps.gallery.strokes(id), style: row.styleId ?? style.id, z },
            size,
          );
        } catch (error) {
          if (error instanceof Refused) throw new HttpError(503, error.message);
          throw error;
        }
        res.writeHead(200, {
          'content-type': 'image/png',
          'content-length': png.length,
          'content-disposition': `attachment; filename="spade-canvas-scene-${id}-${size}px.png"`,
          'cache-control': 'public, max-age=86400, immutable',
        });
        res.end(png);
      },
    ],
  ];
}
