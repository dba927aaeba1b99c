import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { isRoomId, YJS_PATH } from '../../lib/protocol';
import { decodePathPart, requestUrl } from '../http/requestUrl';
import { sendJson } from '../http/json';
import type { Logger } from '../log';

/** Set on a forwarded request: its receiver serves it itself (no second hop, no loop). */
export const FORWARDED_HEADER = 'x-spade-forwarded';

/** Where a room is served: null here (this instance holds it, or nobody does and this one may take it). */
export type OwnerLookup = (roomId: string) => Promise<string | null>;

/**
 * The room a request is for, when it is one only the room's owner can serve: the Yjs socket
 * `/yjs/<room>`, a feed socket that names its room (`/socket.io/?room=<room>`, as the page
 * opens it) and the room's API `/api/rooms/<room>/...`.
 */
export function roomOf(req: IncomingMessage): string | null {
  const url = requestUrl(req);
  if (!url) return null;
  let room: string | null = null;
  if (url.pathname.startsWith(`${YJS_PATH}/`)) room = decodePathPart(url.pathname.slice(YJS_PATH.length + 1));
  else if (url.pathname.startsWith('/socket.io/')) room = url.searchParams.get('room');
  else room = decodePathPart(/^\/api\/rooms\/([^/]+)\/.+$/.exec(url.pathname)?.[1] ?? '');
  return room && isRoomId(room) ? room : null;
}

/**
 * Forwarding to a room's owner (issue 16 item 3): any instance may receive a room's connection
 * (any load balancer, round robin included); one that does not hold the room passes it to the
 * instance that does, whose address the room's lease names. Websockets are tunnelled byte for
 * byte after the upgrade request; API requests are proxied. An owner that does not answer
 * (killed, its lease not lapsed yet) is taken to be gone: the request is served here, where the
 * room's load waits for that lease to lapse (RoomOwnership.claim) and takes the room over.
 */
export class RoomForwarder {
  constructor(
    private readonly ownerOf: OwnerLookup,
    private readonly log: Logger,
  ) {}

  /** Resolves true when it took the upgrade (tunnelled to the owner), false to serve it here. */
  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<boolean> {
    const target = await this.target(req);
    if (!target) return false;
    const upstream = net.connect(target.port, target.host);
    return new Promise<boolean>((resolve) => {
      upstream.once('error', (error) => {
        this.log.warn({ err: error, owner: target.address, url: req.url }, 'room owner unreachable; serving here');
        resolve(false);
      });
      upstream.once('connect', () => {
        upstream.removeAllListeners('error');
        upstream.on('error', () => socket.destroy());
        socket.on('error', () => upstream.destroy());
        socket.on('close', () => upstream.destroy());
        upstream.on('close', () => socket.destroy());
        upstream.write(requestHead(req));
        if (head.length > 0) upstream.write(head);
        socket.pipe(upstream).pipe(socket);
        resolve(true);
      });
    });
  }

  /** Resolves true when it answered the request (proxied to the owner), false to serve it here. */
  async request(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const target = await this.target(req);
    if (!target) return false;
    return new Promise<boolean>((resolve) => {
      let connected = false;
      const proxied = http.request(
        // A fresh connection (no agent): its 'connect' tells whether the owner answered.
        { host: target.host, port: target.port, method: req.method, path: req.url, headers: forwardedHeaders(req), agent: false },
        (reply) => {
          res.writeHead(reply.statusCode ?? 502, reply.headers);
          reply.pipe(res);
          resolve(true);
        },
      );
      proxied.once('error', (error) => {
        // Not connected (refused): the body is still unread, so it can be served here.
        if (!connected) {
          this.log.warn({ err: error, owner: target.address, url: req.url }, 'room owner unreachable; serving here');
          return resolve(false);
        }
        this.log.warn({ err: error, owner: target.address, url: req.url }, 'forwarding to the room owner failed');
        if (!res.headersSent) sendJson(res, 503, { error: "the room's server is changing; try again" });
        else res.destroy();
        resolve(true);
      });
      // The body is read only once the owner answers the connection.
      proxied.once('socket', (s) =>
        s.once('connect', () => {
          connected = true;
          req.pipe(proxied);
        }),
      );
    });
  }

  private async target(req: IncomingMessage): Promise<{ address: string; host: string; port: number } | null> {
    if (req.headers[FORWARDED_HEADER]) return null;
    const roomId = roomOf(req);
    if (!roomId) return null;
    const address = await this.ownerOf(roomId);
    if (!address) return null;
    const colon = address.lastIndexOf(':');
    return { address, host: address.slice(0, colon), port: Number(address.slice(colon + 1)) };
  }
}

/** The client's headers with the hop marked and the client's address appended (TRUST_PROXY=1 reads the first). */
function forwardedHeaders(req: IncomingMessage): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = { ...req.headers, [FORWARDED_HEADER]: '1' };
  const client = req.socket.remoteAddress ?? '';
  const previous = req.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = previous ? `${String(previous)}, ${client}` : client;
  return headers;
}

/** The upgrade request as it came, re-serialised with the forwarding headers. */
function requestHead(req: IncomingMessage): string {
  const lines = [`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1`];
  for (const [name, value] of Object.entries(forwardedHeaders(req))) {
    for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined) lines.push(`${name}: ${String(v)}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}
