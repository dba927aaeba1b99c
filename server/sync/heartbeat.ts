import type { WebSocket } from 'ws';

/**
 * Ping/pong liveness for Yjs sockets (y-websocket's server pings every 30 s): a socket that has
 * not answered the previous ping when the next is due is terminated, so its session leaves, its
 * presence is removed for the others and an empty room can unload. Without it a peer that
 * vanished without a FIN (sleeping laptop, dropped network) stays in its room until TCP gives up.
 */
export class Heartbeat {
  private readonly sockets = new Set<WebSocket>();
  private readonly waiting = new WeakSet<WebSocket>();
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs: number) {
    this.timer = setInterval(() => this.beat(), intervalMs);
    this.timer.unref();
  }

  track(ws: WebSocket): void {
    this.sockets.add(ws);
    ws.on('pong', () => this.waiting.delete(ws));
    ws.on('close', () => this.sockets.delete(ws));
  }

  private beat(): void {
    for (const ws of this.sockets) {
      if (this.waiting.has(ws)) {
        ws.terminate();
        continue;
      }
      this.waiting.add(ws);
      ws.ping();
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
