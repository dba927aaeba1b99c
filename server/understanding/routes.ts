import type { ApiRoute } from '../http/api';
import { HttpError, sendJson } from '../http/json';
import type { Identity } from '../identity/identity';
import { UserLimits } from '../limits/userLimits';
import { isRoomId } from '../../lib/protocol';
import { isRefusal, type RoomAccess } from '../rooms/roomAccess';
import { NotCheckable, type Understanding } from './understanding';

/** POST /api/rooms/<id>/understanding: anyone the room admits (viewers too: it changes nothing). */
export function understandingRoutes(understanding: Understanding, access: RoomAccess, identity: Identity): ApiRoute[] {
  // ~100 ms of a core each: a burst of 3, then one every 2 s per person.
  const checks = new UserLimits(1 / 2, 3);
  return [
    [
      'POST',
      /^\/api\/rooms\/([^/]+)\/understanding$/,
      async (req, res, [id]) => {
        if (!isRoomId(id)) throw new HttpError(400, 'malformed room id');
        const user = identity.ensure(req, res);
        const grant = await access.grant(id, user);
        if (isRefusal(grant)) throw new HttpError(grant.status, grant.reason);
        if (!checks.take(user)) throw new HttpError(429, 'checking too often: wait a few seconds');
        try {
          sendJson(res, 200, await understanding.check(id));
        } catch (error) {
          if (error instanceof NotCheckable) throw new HttpError(error.status, error.message);
          throw error;
        }
      },
    ],
  ];
}
