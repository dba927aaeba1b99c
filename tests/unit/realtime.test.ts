import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import pino from 'pino';
import { EVENTS } from '../../lib/events';
import { CLOSE_CODES } from '../../lib/protocol';
import type { VoteAck } from '../../lib/social';
import type { ModelEntry } from '../../server/models/modelRegistry';
import type { Identity } from '../../server/identity/identity';
import { RoomRegistry } from '../../server/sync/roomRegistry';
import { createRealtime, type FeedContext } from '../../server/realtime';

const ROOM = 'RoomForFeedTest1';
const log = pino({ level: 'silent' });

/** The feed channel in this process: a fake room service and identity, the real registry and socket.io. */
describe('feed channel (socket.io) requests', () => {
  const server = http.createServer();
  const registry = new RoomRegistry(async () => ({ labelNames: new Set(['sky']) }) as unknown as ModelEntry, 50, log);
  const access = {
    grant: async (id: string, user: string | null) =>
      id === ROOM ? { user, role: 'editor' as const } : { code: CLOSE_CODES.unknownRoom, status: 404, reason: 'no such room' },
  };
  const identity = { userIdOf: () => 'user-from-cookie' } as unknown as Identity;
  const realtime = createRealtime(server, { access, registry, identity, log });
  const seen: FeedContext[] = [];
  realtime.handle(EVENTS.voteState, async (context) => {
    seen.push(context);
    return { error: `in ${context.room.id} as ${context.session.user}` };
  });
  realtime.handle(EVENTS.vote, async () => {
    throw new Error('boom');
  });
  let url = '';
  const sockets: Socket[] = [];
  const open = () => {
    const socket = connect(url, { transports: ['websocket'], forceNew: true });
    sockets.push(socket);
    return socket;
  };

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await realtime.io.close();
  });

  it('answers a request before join with "join a room first", then with the room and the session user', async () => {
    const socket = open();
    expect(await socket.emitWithAck(EVENTS.voteState)).toEqual({ error: 'join a room first' });
    expect(await socket.emitWithAck(EVENTS.join, 'NoSuchRoom123456')).toEqual({ error: 'no such room' });
    expect(await socket.emitWithAck(EVENTS.join, ROOM)).toEqual({ ok: true });
    expect(await socket.emitWithAck(EVENTS.join, ROOM)).toEqual({ error: 'already in a room; open a new connection for another' });
    expect(registry.get(ROOM)?.users()).toEqual(new Set(['user-from-cookie']));
    expect((await socket.emitWithAck(EVENTS.voteState)) as VoteAck).toEqual({ error: `in ${ROOM} as user-from-cookie` });
    expect(seen[0].session.channel).toBe('feed');
  });

  it('answers a handler that fails with "internal error", and the connection stays usable', async () => {
    const socket = open();
    await socket.emitWithAck(EVENTS.join, ROOM);
    expect(await socket.emitWithAck(EVENTS.vote, { roundId: 'r', candidateId: 'c' })).toEqual({ error: 'internal error' });
    expect(await socket.emitWithAck(EVENTS.voteState)).toEqual({ error: `in ${ROOM} as user-from-cookie` });
  });

  it('a disconnect leaves the room; the room unloads once nobody is left', async () => {
    for (const s of sockets) s.disconnect();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(registry.get(ROOM)).toBeUndefined();
  });
});
