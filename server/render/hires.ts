import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { EVENTS, hiresPayload, takePayload, type HiresAck, type TakeAck } from '../../lib/events';
import type { HiresMeta, HiresProgress } from '../../lib/protocol';
import { baseZ, takeZ } from '../../lib/styleTake';
import type { Stroke } from '../../lib/strokes';
import { formatIssues } from '../../lib/labels';
import { UserLimits } from '../limits/userLimits';
import type { ModelEntry, ModelRegistry } from '../models/modelRegistry';
import type { FeedContext, Realtime } from '../realtime';
import type { FeedSession } from '../sync/room';
import type { RoomStyles } from '../styles/roomStyles';
import type { Logger } from '../log';
import { encodeFrame } from './encode';
import { RenderThread, type RenderThreadOptions } from './renderThread';

/** models/<model>/hires.json, written by models/export/hires_graph.py. */
const manifestSchema = z.object({
  graph: z.string().min(1),
  multipleOf: z.number().int().positive(),
  sizes: z.array(z.number().int().positive()),
});

export interface HiresOptions extends RenderThreadOptions {
  /** Hi-res and take requests waiting at once across rooms; more are refused as busy. */
  maxQueued: number;
}

interface Job {
  kind: 'hires' | 'take';
  /** Who asked, told of the progress; null for a saved scene's download (HTTP). */
  session: FeedSession | null;
  model: ModelEntry;
  roomId: string;
  version: number;
  style: string;
  z: Float32Array;
  strokes: Stroke[];
  size: number;
  resolve(result: { meta: HiresMeta; image: Buffer }): void;
  reject(error: Error): void;
}

const claim = (session: FeedSession, kind: Job['kind']) => `${session.id}:${kind}`;

/** A refusal the client shows as is. */
export class Refused extends Error {}

/**
 * Renders on request for one member, never for the room: hi-res images (512 and 1024 px PNG, for
 * download and saved scenes) and takes (the room's layout in the member's own noise sample of the
 * style, lib/styleTake.ts). Each model gets one more render thread, with the model's any-size
 * graph, at the lowest CPU priority (nice 19 against the frame thread's RENDER_NICE): the frame
 * thread and the sync loop take the cores whenever they want them, so a 1024 px render in one
 * room slows the other rooms' frames by a fraction of a frame (`npm run bench:hires` measures it).
 * Jobs run one at a time, takes (one frame's work) before hi-res; the state is taken at the
 * request, and strokes are rasterised on the thread, off the sync loop.
 */
export class HiresRenderer {
  private readonly threads = new Map<string, RenderThread>();
  private readonly sizes = new Map<string, number[]>();
  private readonly unavailable = new Map<string, string>();
  private readonly queue: Job[] = [];
  private readonly claimed = new Set<string>();
  private running: Job | null = null;
  /** What the last render of a model at a size took, for the progress estimate. */
  private readonly lastMs = new Map<string, number>();
  /** A person may start a hi-res render every 5 s (burst 3), a take 4 per second (burst 8). */
  private readonly hiresLimits = new UserLimits(0.2, 3);
  private readonly takeLimits = new UserLimits(4, 8);

  constructor(
    private readonly deps: { models: ModelRegistry; styles: RoomStyles; feed: Pick<Realtime, 'handle'>; log: Logger },
    private readonly options: HiresOptions,
  ) {
    deps.feed.handle(EVENTS.hires, (context, payload) => this.answer(context, () => this.hires(context, payload)));
    deps.feed.handle(EVENTS.take, (context, payload) => this.answer(context, () => this.take(context, payload)));
  }

  /** Opens a hi-res thread for every model that ships hires.json; one that fails is reported unavailable. */
  async start(): Promise<void> {
    const { providers, threads, nice } = this.options;
    for (const model of this.deps.models.list()) {
      const file = path.join(model.dir, 'hires.json');
      if (!fs.existsSync(file)) {
        this.unavailable.set(model.id, 'this model has no hi-res graph');
        continue;
      }
      try {
        const manifest = manifestSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
        const graph = { path: path.join(model.dir, manifest.graph), multipleOf: manifest.multipleOf };
        this.threads.set(model.id, await RenderThread.open(model, { providers, threads, nice }, graph));
        this.sizes.set(model.id, manifest.sizes);
      } catch (error) {
        const reason = (error as Error).message;
        this.unavailable.set(model.id, reason);
        this.deps.log.warn({ model: model.id, reason }, 'no hi-res renders for this model');
      }
    }
  }

  /** Sizes a model renders on request (empty without a hi-res graph). */
  sizesOf(modelId: string): number[] {
    return this.sizes.get(modelId) ?? [];
  }

  private async answer<A extends HiresAck | TakeAck>(context: FeedContext, run: () => Promise<A>): Promise<A | { error: string }> {
    if (!context.session.user) return { error: 'no identity: reload the page to get one' };
    try {
      return await run();
    } catch (error) {
      if (error instanceof Refused) return { error: error.message };
      throw error;
    }
  }

  private thread(model: ModelEntry, size: number): RenderThread {
    const thread = this.threads.get(model.id);
    if (!thread || thread.failure)
      throw new Refused(`hi-res unavailable: ${thread?.failure ?? this.unavailable.get(model.id) ?? 'model not loaded'}`);
    if (size !== model.size[0] && !this.sizesOf(model.id).includes(size))
      throw new Refused(`this model renders ${this.sizesOf(model.id).join(' or ')} px`);
    return thread;
  }

  private async hires(context: FeedContext, payload: unknown): Promise<HiresAck> {
    const parsed = hiresPayload.safeParse(payload);
    if (!parsed.success) return { error: `bad request: ${formatIssues(parsed.error.issues)}` };
    if (this.claimed.has(claim(context.session, 'hires'))) return { error: 'your hi-res render is still running' };
    if (!this.hiresLimits.take(context.session.user!)) return { error: 'too many hi-res renders: wait a few seconds' };
    const { room } = context;
    const { meta, image } = await this.claim(context.session, 'hires', async () => {
      const style = await this.deps.styles.get(room.id, room.model);
      return this.enqueueFor('hires', context, style.id, style.z, parsed.data.size);
    });
    return { ok: true, meta, image };
  }

  private async take(context: FeedContext, payload: unknown): Promise<TakeAck> {
    const parsed = takePayload.safeParse(payload);
    if (!parsed.success) return { error: `bad request: ${formatIssues(parsed.error.issues)}` };
    if (this.claimed.has(claim(context.session, 'take'))) return { error: 'your take is still rendering' };
    if (!this.takeLimits.take(context.session.user!)) return { error: 'too many takes: wait a moment' };
    const { room } = context;
    const { seed } = parsed.data;
    const { meta, image } = await this.claim(context.session, 'take', async () => {
      const style = await this.deps.styles.get(room.id, room.model);
      return this.enqueueFor('take', context, style.id, takeZ(baseZ(style.id, style.z), seed), room.model.size[0]);
    });
    return { ok: true, meta: { ...meta, seed }, image };
  }

  /** One request of each kind per member at a time, claimed before anything is awaited. */
  private async claim<T>(session: FeedSession, kind: Job['kind'], run: () => Promise<T>): Promise<T> {
    const key = claim(session, kind);
    this.claimed.add(key);
    try {
      return await run();
    } finally {
      this.claimed.delete(key);
    }
  }

  /** A member's request: the room's state is taken now, so the picture is of what they saw when asking. */
  private enqueueFor(kind: Job['kind'], context: FeedContext, style: string, z: Float32Array, size: number) {
    const { room, session } = context;
    return this.enqueue({
      kind,
      session,
      model: room.model,
      roomId: room.id,
      version: room.version,
      style,
      z,
      strokes: room.strokes.toArray(),
      size,
    });
  }

  /**
   * A saved scene at a hi-res size (its page's download), queued like the members' requests; the
   * scene id stands in the meta's room id.
   */
  async renderScene(
    scene: { id: string; model: ModelEntry; strokes: Stroke[]; style: string; z: Float32Array },
    size: number,
  ): Promise<Buffer> {
    const { image } = await this.enqueue({ kind: 'hires', session: null, roomId: scene.id, version: 0, size, ...scene });
    return image;
  }

  private enqueue(spec: Omit<Job, 'resolve' | 'reject'>): Promise<{ meta: HiresMeta; image: Buffer }> {
    this.thread(spec.model, spec.size);
    if (this.queue.length >= this.options.maxQueued) throw new Refused('the renderer is busy: try again in a moment');
    return new Promise((resolve, reject) => {
      const job: Job = { ...spec, resolve, reject };
      // Takes are one frame's work: they go ahead of the hi-res renders waiting.
      const at = job.kind === 'take' ? this.queue.findIndex((j) => j.kind === 'hires') : -1;
      if (at >= 0) this.queue.splice(at, 0, job);
      else this.queue.push(job);
      this.progress();
      this.pump();
    });
  }

  /** Tells each waiting hi-res requester how many jobs are ahead of theirs. */
  private progress(): void {
    this.queue.forEach((job, ahead) => {
      if (job.kind === 'hires') this.emit(job, { state: 'queued', ahead: ahead + (this.running ? 1 : 0) });
    });
  }

  private emit(job: Job, progress: Omit<HiresProgress, 'size' | 'expectedMs'>): void {
    job.session?.feed.emit(EVENTS.hiresProgress, {
      size: job.size,
      expectedMs: this.lastMs.get(`${job.model.id}:${job.size}`) ?? null,
      ...progress,
    });
  }

  private pump(): void {
    if (this.running) return;
    const job = this.queue.shift();
    if (!job) return;
    this.running = job;
    this.progress();
    void this.run(job)
      .then(job.resolve, (error: unknown) => job.reject(error instanceof Error ? error : new Error(String(error))))
      .finally(() => {
        this.running = null;
        this.pump();
      });
  }

  private async run(job: Job): Promise<{ meta: HiresMeta; image: Buffer }> {
    const thread = this.thread(job.model, job.size);
    if (job.kind === 'hires') this.emit(job, { state: 'rendering', ahead: 0 });
    const started = performance.now();
    const rgb = await thread.render(job.strokes, job.z, job.size, job.size);
    this.lastMs.set(`${job.model.id}:${job.size}`, performance.now() - started);
    if (job.kind === 'hires') this.emit(job, { state: 'encoding', ahead: 0 });
    // Hi-res images are kept (PNG, lossless); takes are looked at, like frames (WebP).
    const format = job.kind === 'hires' ? 'png' : 'webp';
    const image = await encodeFrame(rgb, job.size, job.size, format);
    const meta: HiresMeta = {
      roomId: job.roomId,
      version: job.version,
      model: job.model.id,
      style: job.style,
      renderMs: Math.round((performance.now() - started) * 10) / 10,
      width: job.size,
      height: job.size,
      mime: format === 'png' ? 'image/png' : 'image/webp',
      bytes: image.byteLength,
    };
    return { meta, image };
  }

  async close(): Promise<void> {
    for (const job of this.queue.splice(0)) job.reject(new Error('server closing'));
    for (const thread of this.threads.values()) await thread.close();
  }
}
