import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { isRoomId, type RoomInfo } from '../../lib/protocol';
import type { RoomService } from '../rooms/roomService';
import { modelInfo, type ModelRegistry } from '../models/modelRegistry';
import { HttpError, readJson, sendJson } from './json';
import { decodePathPart, requestUrl } from './requestUrl';
import type { Logger } from '../log';
import { isDatabaseBusy } from '../db';
import type { IpLimits } from '../limits/ipLimits';

const createRoomBody = z
  .object({
    starter: z.boolean().default(true),
    modelId: z.string().max(64).optional(),
  })
  .strict();

export interface ApiDeps {
  rooms: RoomService;
  models: ModelRegistry;
  log: Logger;
  limits: IpLimits;
  /** The creator's verified identity (the new room's owner), or null: the room is then open. */
  ownerOf: (req: IncomingMessage) => string | null;
  /** Routes owned by other modules (identity, styles, gallery), matched after the core ones. */
  routes?: ApiRoute[];
}

export type Handler = (req: IncomingMessage, res: ServerResponse, params: string[]) => Promise<void>;
export type ApiRoute = [method: string, pattern: RegExp, handler: Handler];

/** The JSON API under /api. Returns false for paths it does not own (Next serves those). */
export function createApi(deps: ApiDeps): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const routes: Array<[string, RegExp, Handler]> = [
    ['GET', /^\/api\/health$/, async (_req, res) => sendJson(res, 200, { ok: true })],
    [
      'GET',
      /^\/api\/models$/,
      async (_req, res) => {
        sendJson(res, 200, { default: deps.models.defaultId, models: deps.models.list().map(modelInfo) });
      },
    ],
    [
      'POST',
      /^\/api\/rooms$/,
      async (req, res) => {
        if (!deps.limits.createRoom(req)) throw new HttpError(429, 'too many new rooms from this address: try again in a minute');
        const parsed = createRoomBody.safeParse(await readJson(req));
        if (!parsed.success)
          throw new HttpError(400, parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
        const modelId = parsed.data.modelId ?? deps.models.defaultId;
        if (!deps.models.get(modelId)) throw new HttpError(400, `unknown model "${modelId}"`);
        const room = await deps.rooms.create({ modelId, starter: parsed.data.starter, ownerId: deps.ownerOf(req) });
        sendJson(res, 201, { id: room.id });
      },
    ],
    [
      'GET',
      /^\/api\/rooms\/([^/]+)$/,
      async (_req, res, [id]) => {
        if (!isRoomId(id)) throw new HttpError(400, 'malformed room id');
        const room = await deps.rooms.find(id);
        if (!room) throw new HttpError(404, 'no such room');
        const model = deps.models.forRoom(room);
        const body: RoomInfo = { id: room.id, createdAt: room.createdAt.toISOString(), model: modelInfo(model) };
        sendJson(res, 200, body);
      },
    ],
    ...(deps.routes ?? []),
  ];

  return async (req, res) => {
    const url = requestUrl(req);
    if (!url) {
      sendJson(res, 400, { error: 'malformed request target' });
      return true;
    }
    if (!url.pathname.startsWith('/api/')) return false;
    const matches = routes.filter(([, pattern]) => pattern.test(url.pathname));
    try {
      if (matches.length === 0) throw new HttpError(404, 'no such endpoint');
      const route = matches.find(([method]) => method === req.method);
      if (!route) throw new HttpError(405, `use ${matches.map(([m]) => m).join(' or ')}`);
      const params = route[1].exec(url.pathname)!.slice(1).map(decodePathPart);
      if (params.includes(null)) throw new HttpError(400, 'malformed percent-encoding in the path');
      await route[2](req, res, params as string[]);
    } catch (error) {
      const busy = isDatabaseBusy(error);
      if (busy) deps.log.warn({ err: error, path: url.pathname }, 'database busy');
      else if (!(error instanceof HttpError)) deps.log.error({ err: error, path: url.pathname }, 'api error');
      // A failure after the response started can only cut that response short.
      if (res.headersSent) res.destroy();
      else if (error instanceof HttpError) sendJson(res, error.status, { error: error.message });
      else if (busy) {
        res.setHeader('retry-after', '1');
        sendJson(res, 503, { error: 'the database is busy: try again in a moment' });
      } else sendJson(res, 500, { error: 'internal error' });
    }
    return true;
  };
}
