import * as Y from 'yjs';
import type { UpdateStore } from './updateStore';

/** An UpdateStore in memory: what the room core's unit tests persist to instead of a database. */
export class MemoryUpdateStore implements UpdateStore {
  /** Durable updates per room (what a restart would load). */
  readonly stored = new Map<string, Uint8Array[]>();
  private pending: Array<{ roomId: string; update: Uint8Array; stored: () => void }> = [];

  async load(roomId: string): Promise<Uint8Array | null> {
    await this.flush();
    const updates = this.stored.get(roomId);
    return updates?.length ? Y.mergeUpdates(updates) : null;
  }

  append(roomId: string, update: Uint8Array): Promise<void> {
    return new Promise((stored) => this.pending.push({ roomId, update, stored }));
  }

  /** Commits what is pending: tests decide when, so they can look between receipt and commit. */
  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    for (const { roomId, update } of batch) this.stored.set(roomId, [...(this.stored.get(roomId) ?? []), update]);
    for (const { stored } of batch) stored();
  }

  async compact(roomId: string): Promise<void> {
    const updates = this.stored.get(roomId);
    if (updates && updates.length > 1) this.stored.set(roomId, [Y.mergeUpdates(updates)]);
  }

  forget(): void {}
}
