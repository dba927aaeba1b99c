import type { IncomingMessage } from 'node:http';
import { UserLimits } from './userLimits';

export interface IpLimitOptions {
  identitiesPerMinute: number;
  roomsPerMinute: number;
  uploadsPerMinute: number;
  /** Open Yjs and socket.io connections at once. */
  maxSockets: number;
  /** Take the client address from X-Forwarded-For (only behind a proxy that sets it). */
  trustProxy: boolean;
}

type Request = Pick<IncomingMessage, 'socket' | 'headers'>;

/**
 * Per-address limits next to the per-user ones: identities cost nothing to mint, so per-user
 * limits alone are defeated by a fresh cookie per request. Each action has a bucket of a
 * minute's allowance per address (refilled continuously); connections are counted while open.
 */
export class IpLimits {
  private readonly identities: UserLimits;
  private readonly rooms: UserLimits;
  private readonly uploads: UserLimits;
  private readonly sockets = new Map<string, number>();

  constructor(private readonly options: IpLimitOptions) {
    const perMinute = (n: number) => new UserLimits(n / 60, n);
    this.identities = perMinute(options.identitiesPerMinute);
    this.rooms = perMinute(options.roomsPerMinute);
    this.uploads = perMinute(options.uploadsPerMinute);
  }

  address(req: Request): string {
    const forwarded = this.options.trustProxy ? req.headers['x-forwarded-for'] : undefined;
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0].trim();
    return first || req.socket.remoteAddress || 'unknown';
  }

  mintIdentity(req: Request): boolean {
    return this.identities.take(this.address(req));
  }

  createRoom(req: Request): boolean {
    return this.rooms.take(this.address(req));
  }

  upload(req: Request): boolean {
    return this.uploads.take(this.address(req));
  }

  /** Counts a connection opening; returns its release (call once, on close), or null when the address is at its limit. */
  openSocket(req: Request): (() => void) | null {
    const ip = this.address(req);
    const open = this.sockets.get(ip) ?? 0;
    if (open >= this.options.maxSockets) return null;
    this.sockets.set(ip, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.sockets.get(ip) ?? 1) - 1;
      if (left > 0) this.sockets.set(ip, left);
      else this.sockets.delete(ip);
    };
  }
}
