import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { ApiRoute } from '../http/api';
import { HttpError, sendJson } from '../http/json';
import { sendBytes } from '../http/bytes';
import type { ModelRegistry } from '../models/modelRegistry';
import type { RoomService } from '../rooms/roomService';
import type { Identity } from '../identity/identity';
import { isRoomId } from '../../lib/protocol';
import { formatIssues } from '../../lib/labels';
import { presetInfo, type StyleCatalog } from './styleCatalog';
import { StyleEncoder } from './styleEncoder';
import { UserLimits } from '../limits/userLimits';
import type { IpLimits } from '../limits/ipLimits';
import type { Voting } from './voting';
import type { RoomAccess } from '../rooms/roomAccess';

/** Largest accepted upload. */
export const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;
const ALLOWED_TYPES = /^image\/(png|jpeg|webp|gif|avif|tiff|heic|heif)$/;

const uploadQuery = z.object({
  name: z
    .string()
    .trim()
    .min(1)
    .max(40)
    .regex(/^[^\u0000-\u001f<>]+$/, { error: 'name contains characters that are not allowed' })
    .optional(),
});

/**
 * Reads a raw image body of at most `limit` bytes. An oversized body is drained rather than cut
 * off, so the client reads the 413 instead of a reset connection (up to a hard cap).
 */
async function readImageBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (!ALLOWED_TYPES.test(type)) {
    req.resume();
    throw new HttpError(415, `upload an image (PNG, JPEG, WebP or GIF), not ${type || 'an untyped body'}`);
  }
  const declared = Number(req.headers['content-length'] ?? NaN);
  const tooBig = () => new HttpError(413, `image is over ${limit / (1024 * 1024)} MB; pick a smaller one`);
  const chunks: Buffer[] = [];
  let size = 0;
  let over = Number.isFinite(declared) && declared > limit;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) over = true;
    if (size > limit * 8) {
      req.destroy();
      break;
    }
    if (!over) chunks.push(chunk as Buffer);
  }
  if (over) throw tooBig();
  if (size === 0) throw new HttpError(400, 'the upload is empty');
  return Buffer.concat(chunks);
}

export function styleRoutes(deps: {
  models: ModelRegistry;
  rooms: RoomService;
  identity: Identity;
  catalog: StyleCatalog;
  encoder: StyleEncoder;
  voting: Voting;
  limits: IpLimits;
  access: Pick<RoomAccess, 'requireEdit'>;
}): ApiRoute[] {
  // Encoding costs CPU shared with renders: a few uploads at once, then one every 5 s.
  const uploads = new UserLimits(0.2, 3);
  const modelOf = (id: string) => {
    const model = deps.models.get(id);
    if (!model) throw new HttpError(404, `unknown model "${id}"`);
    return model;
  };
  const roomModel = async (roomId: string) => {
    if (!isRoomId(roomId)) throw new HttpError(400, 'malformed room id');
    const room = await deps.rooms.find(roomId);
    if (!room) throw new HttpError(404, 'no such room');
    return deps.models.forRoom(room);
  };
  return [
    [
      'GET',
      /^\/api\/models\/([^/]+)\/presets$/,
      async (_req, res, [id]) => {
        const model = modelOf(id);
        sendJson(res, 200, { model: model.id, presets: model.presets.map((p) => ({ ...presetInfo(model, p), z: p.z })) });
      },
    ],
    [
      'GET',
      /^\/api\/models\/([^/]+)\/presets\/([^/]+)\/thumbnail$/,
      async (_req, res, [id, presetId]) => {
        const bytes = await deps.catalog.thumbnailOfPreset(modelOf(id), presetId);
        if (!bytes) throw new HttpError(404, 'no thumbnail for that preset');
        sendBytes(res, 'image/png', bytes);
      },
    ],
    [
      'GET',
      /^\/api\/custom-styles\/([^/]+)\/thumbnail$/,
      async (_req, res, [key]) => {
        const bytes = await deps.catalog.thumbnailOfCustom(key);
        if (!bytes) throw new HttpError(404, 'no such style');
        sendBytes(res, 'image/webp', bytes, 'public, max-age=86400, immutable');
      },
    ],
    // Everything proposable in the room plus the vote state (also pushed over socket.io).
    [
      'GET',
      /^\/api\/rooms\/([^/]+)\/styles$/,
      async (_req, res, [roomId]) => {
        const model = await roomModel(roomId);
        sendJson(res, 200, {
          styles: await deps.catalog.list(roomId, model),
          canUpload: model.encoderPath !== null,
          vote: await deps.voting.state(roomId),
        });
      },
    ],
    // Raw image body (Content-Type image/*), optional ?name=. Returns the new custom style.
    [
      'POST',
      /^\/api\/rooms\/([^/]+)\/styles\/upload$/,
      async (req, res, [roomId]) => {
        const userId = deps.identity.ensure(req, res);
        const model = await roomModel(roomId);
        try {
          await deps.access.requireEdit(roomId, userId);
        } catch (error) {
          req.resume();
          throw error;
        }
        if (!uploads.take(userId) || !deps.limits.upload(req)) {
          req.resume();
          throw new HttpError(429, 'too many uploads: wait a few seconds and try again');
        }
        if (!model.encoderPath) {
          req.resume();
          throw new HttpError(409, "this room's model has no style encoder; choose a preset");
        }
        const query = uploadQuery.safeParse(Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams));
        if (!query.success) throw new HttpError(400, formatIssues(query.error.issues));
        const bytes = await readImageBody(req, MAX_UPLOAD_BYTES);
        const { rgb, thumbnail } = await StyleEncoder.decode(bytes);
        const z = await deps.encoder.encode(model, rgb);
        const style = await deps.catalog.addCustom(roomId, userId, query.data.name ?? 'My photo', z, thumbnail);
        sendJson(res, 201, { style });
      },
    ],
  ];
}
