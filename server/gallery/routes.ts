import { z } from 'zod';
import type { ApiRoute } from '../http/api';
import { HttpError, readJson, sendJson } from '../http/json';
import type { Identity } from '../identity/identity';
import { isRoomId } from '../../lib/protocol';
import { formatIssues } from '../../lib/labels';
import { sendBytes } from '../http/bytes';
import { saveSceneBody, SCENE_ID, type Gallery } from './gallery';
import { UserLimits } from '../limits/userLimits';
import type { IpLimits } from '../limits/ipLimits';

const listQuery = z.object({ page: z.coerce.number().int().min(1).max(100_000).default(1) });

function sceneId(id: string): string {
  if (!SCENE_ID.test(id)) throw new HttpError(400, 'malformed scene id');
  return id;
}

/** The gallery API: save from a room, list, view, publish, fork, delete, timelapse strokes. */
export function galleryRoutes(gallery: Gallery, identity: Identity, limits: IpLimits): ApiRoute[] {
  // Saves and forks write whole documents: a burst of 5, then one every 3 s per person.
  const writes = new UserLimits(1 / 3, 5);
  return [
    [
      'POST',
      /^\/api\/rooms\/([^/]+)\/scenes$/,
      async (req, res, [roomId]) => {
        if (!isRoomId(roomId)) throw new HttpError(400, 'malformed room id');
        const userId = identity.ensure(req, res);
        if (!writes.take(userId)) throw new HttpError(429, 'saving too often: wait a few seconds');
        const parsed = saveSceneBody.safeParse(await readJson(req));
        if (!parsed.success) throw new HttpError(400, formatIssues(parsed.error.issues));
        sendJson(res, 201, await gallery.save(roomId, userId, parsed.data.title));
      },
    ],
    [
      'GET',
      /^\/api\/scenes$/,
      async (req, res) => {
        const parsed = listQuery.safeParse(Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams));
        if (!parsed.success) throw new HttpError(400, formatIssues(parsed.error.issues));
        sendJson(res, 200, await gallery.list(parsed.data.page));
      },
    ],
    [
      'GET',
      /^\/api\/scenes\/([^/]+)$/,
      async (req, res, [id]) => {
        sendJson(res, 200, await gallery.detail(sceneId(id), identity.userIdOf(req)));
      },
    ],
    [
      'DELETE',
      /^\/api\/scenes\/([^/]+)$/,
      async (req, res, [id]) => {
        await gallery.remove(sceneId(id), identity.userIdOf(req));
        res.writeHead(204).end();
      },
    ],
    [
      'POST',
      /^\/api\/scenes\/([^/]+)\/publish$/,
      async (req, res, [id]) => {
        sendJson(res, 200, await gallery.publish(sceneId(id), identity.userIdOf(req)));
      },
    ],
    [
      'GET',
      /^\/api\/scenes\/([^/]+)\/image$/,
      async (_req, res, [id]) => {
        const image = await gallery.image(sceneId(id));
        if (!image) throw new HttpError(404, 'nothing had been rendered when this scene was saved');
        sendBytes(res, image.mime, image.bytes, 'public, max-age=86400, immutable');
      },
    ],
    [
      'GET',
      /^\/api\/scenes\/([^/]+)\/labels\.png$/,
      async (_req, res, [id]) => {
        sendBytes(res, 'image/png', await gallery.labelMap(sceneId(id)), 'public, max-age=86400, immutable');
      },
    ],
    [
      'GET',
      /^\/api\/scenes\/([^/]+)\/strokes$/,
      async (_req, res, [id]) => {
        sendJson(res, 200, { strokes: await gallery.strokes(sceneId(id)) });
      },
    ],
    [
      'POST',
      /^\/api\/scenes\/([^/]+)\/fork$/,
      async (req, res, [id]) => {
        const userId = identity.ensure(req, res);
        if (!writes.take(userId)) throw new HttpError(429, 'forking too often: wait a few seconds');
        // A fork is a new room: it counts against the address's room limit too.
        if (!limits.createRoom(req)) throw new HttpError(429, 'too many new rooms from this address: try again in a minute');
        // The fork is a new room owned by whoever forked it.
        sendJson(res, 201, { roomId: await gallery.fork(sceneId(id), userId) });
      },
    ],
  ];
}
