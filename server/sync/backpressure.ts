import type { WebSocket } from 'ws';
import { CLOSE_CODES } from '../../lib/protocol';

/** How long a closed slow reader may take to read its close frame before its socket is cut. */
const TERMINATE_AFTER_MS = 2000;

/**
 * Sends on a Yjs socket unless its peer has stopped reading: once more than `limit` bytes wait in
 * the socket's send buffer, the session is closed with slowReader instead, so one client that
 * never reads cannot make the server hold an unbounded backlog of the room for it. The check is
 * on what is already buffered, so one message larger than the limit (a big room's sync step 2)
 * still goes to a socket that has drained.
 */
export function sendBounded(ws: WebSocket, message: Uint8Array, limit: number): void {
  if (ws.bufferedAmount <= limit) {
    ws.send(message, (error) => {
      if (error) ws.terminate();
    });
    return;
  }
  if (ws.readyState !== ws.OPEN) return;
  ws.close(CLOSE_CODES.slowReader, `not reading: over ${limit} bytes waiting to be sent`);
  // A peer that does not read will not read the close frame either: free its buffer soon.
  setTimeout(() => ws.terminate(), TERMINATE_AFTER_MS).unref();
}
