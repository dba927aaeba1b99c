import type { ApiRoute } from '../http/api';
import { HttpError, readJson, sendJson } from '../http/json';
import { formatIssues } from '../../lib/labels';
import { profilePatch, type Identity } from './identity';

/** GET/PATCH /api/me: the browser's anonymous identity (issued on first contact). */
export function identityRoutes(identity: Identity): ApiRoute[] {
  return [
    [
      'GET',
      /^\/api\/me$/,
      async (req, res) => {
        const id = identity.ensure(req, res);
        sendJson(res, 200, await identity.user(id));
      },
    ],
    [
      'PATCH',
      /^\/api\/me$/,
      async (req, res) => {
        const id = identity.ensure(req, res);
        const parsed = profilePatch.safeParse(await readJson(req));
        if (!parsed.success) throw new HttpError(400, formatIssues(parsed.error.issues));
        sendJson(res, 200, await identity.update(id, parsed.data));
      },
    ],
  ];
}
