import { IncrementalRasterizer } from '../../lib/raster';
import type { FrameMeta, FrameQuality, RenderStatus } from '../../lib/protocol';
import { EVENTS } from '../../lib/events';
import { supersedes } from '../../lib/frameOrder';
import type { ModelRegistry } from '../models/modelRegistry';
import type { RoomRegistry } from '../sync/roomRegistry';
import type { Room, RoomSession } from '../sync/room';
import { RoomStateKey, type RoomExtension } from '../sync/roomExtension';
import type { RoomStyles } from '../styles/roomStyles';
import type { RoomChannel } from '../realtime';
import type { Logger } from '../log';
import { RenderThread, type RenderThreadOptions } from './renderThread';
import { encodeFrame, FRAME_MIME, type FrameFormat } from './encode';
import { RenderScheduler } from './scheduler';

interface RoomRenderState {
  rasterizer: IncrementalRasterizer;
  latest: { meta: FrameMeta; bytes: Buffer } | null;
}

const RENDER_STATE = new RoomStateKey<RoomRenderState>('render');

export interface RenderServiceOptions extends RenderThreadOptions {
  concurrency: number;
  format: FrameFormat;
}

/**
 * The Render loop: rooms' documents -> label map at model resolution -> SPADE generator ->
 * encoded frame -> everyone in the room over socket.io. Latest state wins (RenderScheduler);
 * a client that joins gets the latest frame at once.
 */
export class RenderService implements RoomExtension {
  private readonly generators = new Map<string, RenderThread>();
  private readonly unavailable = new Map<string, string>();
  readonly scheduler: RenderScheduler;

  constructor(
    private readonly deps: {
      models: ModelRegistry;
      registry: RoomRegistry;
      styles: RoomStyles;
      channel: RoomChannel;
      log: Logger;
    },
    private readonly options: RenderServiceOptions,
  ) {
    this.scheduler = new RenderScheduler({
      concurrency: options.concurrency,
      isWatched: (roomId) => deps.channel.audience(roomId) > 0,
      render: (roomId, quality) => this.render(roomId, quality),
      onError: (roomId, error) => deps.log.error({ err: error, room: roomId }, 'render failed'),
    });
  }

  onChange(room: Room): void {
    this.scheduler.markDirty(room.id);
  }

  onSetting(room: Room): void {
    this.scheduler.markDirty(room.id);
  }

  /** A feed session gets the latest frame at once, and a render when that frame is stale. */
  onJoin(room: Room, session: RoomSession): void {
    if (session.channel !== 'feed') return;
    const latest = room.get(RENDER_STATE)?.latest;
    if (latest) session.feed.emit(EVENTS.frame, latest.meta, latest.bytes);
    if (!latest || latest.meta.version !== room.version || latest.meta.quality === 'draft') this.scheduler.markDirty(room.id);
  }

  afterUnload(roomId: string): void {
    this.scheduler.forget(roomId);
  }

  /** Opens and warms up every model's generator on its thread; a model that fails is marked unavailable. */
  async start(): Promise<void> {
    const { providers, threads, nice } = this.options;
    for (const model of this.deps.models.list()) {
      try {
        this.generators.set(model.id, await RenderThread.open(model, { providers, threads, nice }));
      } catch (error) {
        const reason = (error as Error).message;
        this.unavailable.set(model.id, reason);
        this.deps.log.warn({ model: model.id, reason }, 'model cannot render; rooms using it get label maps only');
      }
    }
  }

  private emitStatus(roomId: string, status: RenderStatus): void {
    this.deps.channel.emit(roomId, EVENTS.renderStatus, status);
  }

  private async render(roomId: string, asked: FrameQuality): Promise<FrameQuality | null> {
    const room = this.deps.registry.get(roomId);
    if (!room) return null;
    const model = room.model;
    const state =
      room.get(RENDER_STATE) ??
      room.set(RENDER_STATE, { rasterizer: new IncrementalRasterizer(model.size[0], model.size[1], model.labels), latest: null });
    const generator = this.generators.get(model.id);
    if (!generator || generator.failure) {
      this.emitStatus(roomId, {
        state: 'unavailable',
        reason: generator?.failure ?? this.unavailable.get(model.id) ?? 'model not loaded',
      });
      return null;
    }
    const started = performance.now();
    // Take the state synchronously: edits arriving during inference mark the room dirty again.
    const version = room.version;
    const { map } = state.rasterizer.update(room.strokes.toArray());
    const labels = map.slice();
    this.emitStatus(roomId, { state: 'rendering', version });
    const style = await this.deps.styles.get(roomId, model);
    const { rgb, quality } = await generator.run(labels, style.z, asked);
    const [width, height] = model.size;
    const bytes = await encodeFrame(rgb, width, height, this.options.format);
    const meta: FrameMeta = {
      roomId,
      version,
      model: model.id,
      style: style.id,
      quality,
      renderMs: Math.round((performance.now() - started) * 10) / 10,
      width,
      height,
      mime: FRAME_MIME[this.options.format],
      bytes: bytes.byteLength,
      at: Date.now(),
    };
    if (supersedes(meta, state.latest?.meta ?? null)) state.latest = { meta, bytes };
    this.deps.channel.emit(roomId, EVENTS.frame, meta, bytes);
    this.emitStatus(roomId, { state: 'idle', version });
    return quality;
  }

  /** The latest frame of a room, if any (download and gallery). */
  latestFrame(roomId: string): { meta: FrameMeta; bytes: Buffer } | null {
    return this.deps.registry.get(roomId)?.get(RENDER_STATE)?.latest ?? null;
  }

  async close(): Promise<void> {
    await this.scheduler.idle();
    for (const g of this.generators.values()) await g.close();
  }
}
