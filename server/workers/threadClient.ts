import type { Worker } from 'node:worker_threads';
import { tsWorker } from './tsWorker';

/** What a worker says once, when it starts: ready (with the execution provider it opened) or failed. */
export type ThreadStart = { type: 'ready'; provider: string } | { type: 'failed'; reason: string };

/** Reads one reply of the worker: the answer or the error for request `id`, or null for anything else. */
export type ReadReply<Res> = (message: unknown) => { id: number; value: Res } | { id: number; error: Error } | null;

/**
 * Requests to a TypeScript worker thread, answered by id and served in order. A thread that
 * crashes or is closed fails what is pending and refuses what comes after (`failure` says why).
 */
export class ThreadClient<Req extends { id: number }, Res> {
  private readonly pending = new Map<number, { resolve(v: Res): void; reject(e: Error): void }>();
  private nextId = 1;
  private exited: Error | null = null;
  private holdsOnlyWhilePending = false;

  private constructor(
    readonly provider: string,
    private readonly worker: Worker,
    private readonly name: string,
    read: ReadReply<Res>,
  ) {
    worker.on('message', (message: unknown) => {
      // A reply this side cannot read fails its request only; a listener that threw here would be
      // an uncaught exception in the main thread.
      const reply = read(message);
      if (!reply) return;
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (this.holdsOnlyWhilePending && this.pending.size === 0) this.worker.unref();
      if ('error' in reply) waiter?.reject(reply.error);
      else waiter?.resolve(reply.value);
    });
    const fail = (error: Error) => {
      this.exited ??= error;
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`${name} exited (code ${code})`)));
  }

  /** Starts the thread and waits for its start message (a failed start terminates it and throws). */
  static async open<Req extends { id: number }, Res>(entry: URL, workerData: unknown, name: string, read: ReadReply<Res>) {
    const worker = tsWorker(entry, { workerData });
    const provider = await new Promise<string>((resolve, reject) => {
      const settle = (done: () => void) => {
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        done();
      };
      const onMessage = (message: ThreadStart) => {
        if (message.type === 'ready') settle(() => resolve(message.provider));
        else if (message.type === 'failed') settle(() => reject(new Error(message.reason)));
      };
      const onError = (error: Error) => settle(() => reject(error));
      const onExit = (code: number) => settle(() => reject(new Error(`${name} exited during start (code ${code})`)));
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    }).catch(async (error: unknown) => {
      await worker.terminate();
      throw error;
    });
    return new ThreadClient<Req, Res>(provider, worker, name, read);
  }

  /** Why the thread can no longer serve (it crashed or was closed), or null while it can. */
  get failure(): string | null {
    return this.exited?.message ?? null;
  }

  /**
   * From now on the thread keeps the process alive only while a request is pending: an idle one
   * does not hold a finished process open, and an answer still comes to one that awaits it.
   */
  holdWhilePending(): void {
    this.holdsOnlyWhilePending = true;
    if (this.pending.size === 0) this.worker.unref();
  }

  request(make: (id: number) => Req, transfer: ArrayBuffer[] = []): Promise<Res> {
    if (this.exited) return Promise.reject(this.exited);
    const message = make(this.nextId++);
    return new Promise((resolve, reject) => {
      if (this.holdsOnlyWhilePending && this.pending.size === 0) this.worker.ref();
      this.pending.set(message.id, { resolve, reject });
      this.worker.postMessage(message, transfer);
    });
  }

  async close(): Promise<void> {
    this.exited ??= new Error(`${this.name} closed`);
    await this.worker.terminate();
  }
}
