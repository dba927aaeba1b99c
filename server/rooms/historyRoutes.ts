import type { ApiRoute } from '../http/api';
import { HttpError, sendJson } from '../http/json';
import type { Identity } from '../identity/identity';
import { UserLimits } from '../limits/userLimits';
import { isRoomId } from '../../lib/protocol';
import { isRefusal, type RoomAccess } from './roomAccess';
import type { RoomHistory } from './history';

const VERSION_ID = /^[1-9][0-9]{0,15}$/;

/** A room's history: everyone who may open the room sees its versions; editors restore one. */
export function historyRoutes(history: RoomHistory, access: RoomAccess, identity: Identity): ApiRoute[] {
  // A restore rewrites the whole document for everyone: a burst of 5, then one every 3 s per person.
  const restores = new UserLimits(1 / 3, 5);
  const roomId = (id: string) => {
    if (!isRoomId(id)) throw new HttpError(400, 'malformed room id');
    return id;
  };
  return [
    [
      'GET',
      /^\/api\/rooms\/([^/]+)\/history$/,
      async (req, res, [id]) => {
        const grant = await access.grant(roomId(id), identity.ensure(req, res));
        if (isRefusal(grant)) throw new HttpError(grant.status, grant.reason);
        sendJson(res, 200, await history.list(id));
      },
    ],
    [
      'POST',
      /^\/api\/rooms\/([^/]+)\/history\/([^/]+)\/restore$/,
      async (req, res, [id, version]) => {
        const user = identity.ensure(req, res);
        if (!VERSION_ID.test(version)) throw new HttpError(400, 'malformed version id');
        await access.requireEdit(roomId(id), user);
        if (!restores.take(user)) throw new HttpError(429, 'restoring too often: wait a few seconds');
        await history.restore(id, Number(version), user);
        sendJson(res, 200, await history.list(id));
      },
    ],
  ];
}
