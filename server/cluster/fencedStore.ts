import type { UpdateStore } from '../sync/updateStore';
import type { Logger } from '../log';

/** What the fenced store asks of the room's lease (server/cluster/ownership.ts). */
export interface Fence {
  /** This instance's lease of the room while it holds one. */
  lease(roomId: string): { readonly token: number; readonly held: boolean } | undefined;
  /** The room's latest fencing token, granted to whichever instance took it last. */
  fence(roomId: string): Promise<number | null>;
}

/**
 * An UpdateStore whose writes are fenced by the room's lease (issue 16 item 3). Yjs updates
 * commute, so a write from an owner that lost the room cannot overwrite anything; what must not
 * happen is acknowledging it (MESSAGE_STORED) when the next owner may have loaded the room before
 * it was committed. So an append is refused unless this instance holds the lease, and once its
 * commit has returned it is acknowledged only if no newer token was granted meanwhile: the next
 * owner's grant comes after that check, and its load after its grant, so the load includes it.
 * A refused write is never acknowledged (its author keeps it and sends it to the next owner)
 * and the room is reported through `onFenced`, to be evicted.
 */
export class FencedUpdateStore implements UpdateStore {
  /** Per room, the acknowledgements waiting for one fence check after a commit. */
  private readonly waiting = new Map<string, Array<{ token: number; settle(ok: boolean): void }>>();

  constructor(
    private readonly inner: UpdateStore,
    private readonly leases: Fence,
    private readonly onFenced: (roomId: string) => void,
    private readonly log: Logger,
  ) {}

  load(roomId: string): Promise<Uint8Array | null> {
    return this.inner.load(roomId);
  }

  append(roomId: string, update: Uint8Array, now?: boolean): Promise<void> {
    const lease = this.leases.lease(roomId);
    if (!lease?.held) return this.refuse(roomId, 'the room lease is not held');
    return this.inner
      .append(roomId, update, now)
      .then(() => this.stillHeld(roomId, lease.token))
      .then((ok) => (ok ? undefined : this.refuse(roomId, 'a newer lease was granted')));
  }

  flush(): Promise<void> {
    return this.inner.flush();
  }

  /** Only the owner compacts: after losing the room the new owner's log is none of its business. */
  async compact(roomId: string): Promise<void> {
    if (this.leases.lease(roomId)?.held) await this.inner.compact(roomId);
  }

  forget(roomId: string): void {
    this.inner.forget(roomId);
  }

  /**
   * Whether `token` is still the room's latest. One commit resolves all of its appends in a row of
   * microtasks: they share one read of the fence, started after the last of them.
   */
  private stillHeld(roomId: string, token: number): Promise<boolean> {
    return new Promise((settle) => {
      let batch = this.waiting.get(roomId);
      if (!batch) {
        this.waiting.set(roomId, (batch = []));
        queueMicrotask(() => {
          const checks = this.waiting.get(roomId)!;
          this.waiting.delete(roomId);
          this.leases.fence(roomId).then(
            (latest) => {
              for (const c of checks) c.settle(latest === c.token);
            },
            (error: unknown) => {
              // Redis unreachable: the local lease ends no later than Redis' copy (roomLease.ts).
              this.log.warn({ err: error, room: roomId }, 'fence check failed; trusting the local lease');
              const held = this.leases.lease(roomId);
              for (const c of checks) c.settle(held?.held === true && held.token === c.token);
            },
          );
        });
      }
      batch.push({ token, settle });
    });
  }

  /** Never settles: the update stays unacknowledged, with its author, for the next owner. */
  private refuse(roomId: string, reason: string): Promise<void> {
    this.log.warn({ room: roomId, reason }, 'write refused: fenced');
    queueMicrotask(() => this.onFenced(roomId));
    return new Promise<void>(() => undefined);
  }
}
