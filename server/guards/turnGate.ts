/**
 * Lets waiters through one per turn of the event loop. A burst of connections admitted in one
 * turn (identity, access look-ups, the room's greeting: ~1.7 ms each) held the loop for the
 * rooms beside them (100 sockets in batches of 25: another room's stroke p99 88-128 ms,
 * bench:abuse); through the gate each admission starts in a turn of its own, and the I/O of
 * other rooms is read between them. Waiters run concurrently once through: a slow room load
 * delays nobody else.
 */
export class TurnGate {
  private readonly waiting: Array<() => void> = [];

  /** Resolves in a later turn than any earlier waiter's. */
  turn(): Promise<void> {
    return new Promise((resolve) => {
      if (this.waiting.push(resolve) === 1) setImmediate(this.release);
    });
  }

  private readonly release = (): void => {
    this.waiting.shift()?.();
    if (this.waiting.length > 0) setImmediate(this.release);
  };
}
