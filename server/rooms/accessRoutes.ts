import { z } from 'zod';
import type { ApiRoute } from '../http/api';
import { HttpError, readJson, sendJson } from '../http/json';
import type { Identity } from '../identity/identity';
import { isRoomId } from '../../lib/protocol';
import { formatIssues } from '../../lib/labels';
import { LINK_SECRET_PATTERN } from '../../lib/access';
import type { RoomAccess } from './roomAccess';

const redeemBody = z.object({ key: z.string().regex(LINK_SECRET_PATTERN, { error: 'key: not a link secret' }).optional() }).strict();
const settingsBody = z.object({ private: z.boolean() }).strict();
const roleBody = z.object({ role: z.enum(['editor', 'viewer', 'removed'], { error: 'role must be editor, viewer or removed' }) }).strict();
const USER_ID = /^[0-9A-Za-z]{20}$/;

function roomId(id: string): string {
  if (!isRoomId(id)) throw new HttpError(400, 'malformed room id');
  return id;
}

/**
 * The access API of a room (lib/access.ts): this browser's standing, following a link, and
 * the owner's controls. Every answer is the caller's RoomAccessInfo after the change.
 */
export function accessRoutes(access: RoomAccess, identity: Identity): ApiRoute[] {
  const body = async <T>(req: Parameters<ApiRoute[2]>[0], schema: z.ZodType<T>): Promise<T> => {
    const parsed = schema.safeParse(await readJson(req));
    if (!parsed.success) throw new HttpError(400, formatIssues(parsed.error.issues));
    return parsed.data;
  };
  return [
    [
      'GET',
      /^\/api\/rooms\/([^/]+)\/access$/,
      async (req, res, [id]) => {
        sendJson(res, 200, await access.info(roomId(id), identity.ensure(req, res)));
      },
    ],
    // Follows a share link ({ key }: its secret) and answers the standing it gives.
    [
      'POST',
      /^\/api\/rooms\/([^/]+)\/access$/,
      async (req, res, [id]) => {
        const user = identity.ensure(req, res);
        const { key } = await body(req, redeemBody);
        if (key) await access.redeem(roomId(id), user, key);
        sendJson(res, 200, await access.info(roomId(id), user));
      },
    ],
    [
      'PATCH',
      /^\/api\/rooms\/([^/]+)\/access$/,
      async (req, res, [id]) => {
        const user = identity.ensure(req, res);
        await access.setPrivate(roomId(id), user, (await body(req, settingsBody)).private);
        sendJson(res, 200, await access.info(roomId(id), user));
      },
    ],
    [
      'POST',
      /^\/api\/rooms\/([^/]+)\/claim$/,
      async (req, res, [id]) => {
        const user = identity.ensure(req, res);
        await access.claim(roomId(id), user);
        sendJson(res, 200, await access.info(roomId(id), user));
      },
    ],
    [
      'POST',
      /^\/api\/rooms\/([^/]+)\/links\/(edit|view)\/rotate$/,
      async (req, res, [id, kind]) => {
        const user = identity.ensure(req, res);
        await access.rotate(roomId(id), user, kind as 'edit' | 'view');
        sendJson(res, 200, await access.info(roomId(id), user));
      },
    ],
    [
      'PUT',
      /^\/api\/rooms\/([^/]+)\/members\/([^/]+)$/,
      async (req, res, [id, member]) => {
        const user = identity.ensure(req, res);
        if (!USER_ID.test(member)) throw new HttpError(400, 'malformed user id');
        await access.setRole(roomId(id), user, member, (await body(req, roleBody)).role);
        sendJson(res, 200, await access.info(roomId(id), user));
      },
    ],
  ];
}
