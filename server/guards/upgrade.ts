import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import type { Logger } from '../log';
import { requestUrl } from '../http/requestUrl';

type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => unknown;

/** Answers an upgrade request with a plain HTTP error and closes that socket. */
export function rejectUpgrade(socket: Duplex, status: number, reason: string): void {
  if (socket.writable) {
    const body = `${reason}\n`;
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/**
 * The HTTP server's 'upgrade' listener, made safe: Node hands the raw socket over without an
 * error listener (a reset would be an uncaught 'error'), and a handler that throws or rejects
 * would take the process down. A target that is not a URL is answered 400; either failure is logged and only that socket is answered 500.
 */
export function guardUpgrade(log: Logger, handler: UpgradeHandler): UpgradeHandler {
  return (req, socket, head) => {
    socket.on('error', (error) => log.debug({ err: error, url: req.url }, 'upgrade socket error'));
    const fail = (error: unknown) => {
      log.error({ err: error, url: req.url }, 'upgrade failed');
      rejectUpgrade(socket, 500, 'internal error');
    };
    if (!requestUrl(req)) return rejectUpgrade(socket, 400, 'malformed request target');
    try {
      const result = handler(req, socket, head);
      if (result instanceof Promise) result.catch(fail);
    } catch (error) {
      fail(error);
    }
  };
}
