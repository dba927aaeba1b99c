import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { guardSocketHandlers } from '../../server/guards/socketHandlers';

/** A handler that throws (or rejects) fails that event on that socket; the process and others carry on. */
describe('guarded socket.io handlers', () => {
  const server = http.createServer();
  const ioServer = new Server(server);
  const clients: Socket[] = [];
  let url = '';

  beforeAll(async () => {
    guardSocketHandlers(ioServer, pino({ level: 'silent' }));
    ioServer.on('connection', (socket) => {
      socket.on('throws', () => {
        throw new Error('boom');
      });
      socket.on('rejects', async () => {
        throw new Error('async boom');
      });
      socket.on('echo', (value: unknown, ack: (v: unknown) => void) => ack(value));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await ioServer.close();
  });

  async function client(): Promise<Socket> {
    const socket = connect(url, { transports: ['websocket'], forceNew: true, reconnection: false });
    clients.push(socket);
    await new Promise<void>((resolve) => socket.on('connect', resolve));
    return socket;
  }

  it('answers the ack with an error when the handler throws or rejects', async () => {
    const socket = await client();
    expect(await socket.emitWithAck('throws')).toEqual({ error: 'internal error handling "throws"' });
    expect(await socket.emitWithAck('rejects')).toEqual({ error: 'internal error handling "rejects"' });
    expect(await socket.emitWithAck('echo', 7)).toBe(7);
  });

  it('disconnects only that socket when there is no ack to answer', async () => {
    const [bad, good] = [await client(), await client()];
    const gone = new Promise<string>((resolve) => bad.on('disconnect', resolve));
    bad.emit('throws');
    expect(await gone).toBe('io server disconnect');
    expect(await good.emitWithAck('echo', 'still here')).toBe('still here');
  });
});
