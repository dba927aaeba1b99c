import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import WebSocket from 'ws';
import type { Stroke } from '../../lib/strokes';
import { STROKES_KEY, YJS_PATH } from '../../lib/protocol';
import { MESSAGE_STORED } from '../../lib/stored';

export interface YClient {
  doc: Y.Doc;
  strokes: Y.Array<Stroke>;
  provider: WebsocketProvider;
  closes: Array<{ code: number; reason: string }>;
  destroy(): void;
}

/** A `ws` WebSocket that sends `cookie` with its upgrade, as a browser sends the identity cookie. */
function withCookie(cookie: string): typeof WebSocket {
  return class extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers: { cookie } });
    }
  } as typeof WebSocket;
}

/** A Node Yjs client speaking to the real sync endpoint, as a browser would (with `cookie`, as that person). */
export function connect(wsUrl: string, roomId: string, options: { reconnect?: boolean; cookie?: string } = {}): YClient {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`${wsUrl}${YJS_PATH}`, roomId, doc, {
    WebSocketPolyfill: (options.cookie ? withCookie(options.cookie) : WebSocket) as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  });
  // Acknowledgements of stored updates (lib/stored.ts): tests that follow them set their own handler.
  provider.messageHandlers[MESSAGE_STORED] = () => undefined;
  const closes: YClient['closes'] = [];
  provider.on('connection-close', (event: CloseEvent | null) => {
    if (event) closes.push({ code: event.code, reason: event.reason });
    if (options.reconnect === false) provider.shouldConnect = false;
  });
  return {
    doc,
    strokes: doc.getArray<Stroke>(STROKES_KEY),
    provider,
    closes,
    destroy() {
      provider.destroy();
      doc.destroy();
    },
  };
}

export async function waitFor(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function synced(client: YClient): Promise<void> {
  return waitFor(() => client.provider.synced, 10_000, 'initial sync');
}

let counter = 0;
export function stroke(label = 'sea', extra: Partial<Stroke> = {}): Stroke {
  counter += 1;
  return { id: `t${process.pid}x${counter}`, tool: 'brush', label, size: 40, points: [100, 100 + (counter % 800), 400, 300], ...extra };
}
