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
import type { RenderThreadOptions } from './renderThread';
import { FRAME_MIME, type FrameFormat } from './encode';
import type { FrameRenderer } from './renderer';
import { LocalRenderer } from './localRenderer';
import { RenderScheduler } from './scheduler';

interface RoomRenderState {
  rasterizer: IncrementalRasterizer;
  latest: LatestFrame | null;
}

/** A room's newest frame and the label map it was rendered from (the understanding check compares them). */
export interface LatestFrame {
  meta: FrameMeta;
  bytes: Buffer;
  labels: Uint8Array;
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
  readonly scheduler: RenderScheduler;
  private readonly renderer: FrameRenderer;

  constructor(
    private readonly deps: {
      models: ModelRegistry;
      registry: RoomRegistry;
      styles: RoomStyles;
      channel: RoomChannel;
      log: Logger;
      /** Where frames are rendered; by default generators in this process. */
      renderer?: FrameRenderer;
    },
    private readonly options: RenderServiceOptions,
  ) {
    this.renderer = deps.renderer ?? new LocalRenderer(options, deps.log);
    this.scheduler = new RenderScheduler({
      concurrency: options.concurrency,
      isWatched: (roomId) => deps.channel.audience(roomId) > 0,
      render: (roomId, quality, generated) => this.render(roomId, quality, generated),
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

  /** Starts the renderer (in process: opens and warms up every model's generator; a model that fails is marked unavailable). */
  async start(): Promise<void> {
    await this.renderer.start(this.deps.models.list());
  }

  private emitStatus(roomId: string, status: RenderStatus): void {
    this.deps.channel.emit(roomId, EVENTS.renderStatus, status);
  }

  private async render(roomId: string, asked: FrameQuality, generated: () => void): Promise<FrameQuality | null> {
    const room = this.deps.registry.get(roomId);
    if (!room) return null;
    const model = room.model;
    const state =
      room.get(RENDER_STATE) ??
      room.set(RENDER_STATE, { rasterizer: new IncrementalRasterizer(model.size[0], model.size[1], model.labels), latest: null });
    const failure = this.renderer.failure(model.id);
    if (failure) {
      this.emitStatus(roomId, { state: 'unavailable', reason: failure });
      return null;
    }
    const started = performance.now();
    // Take the state synchronously: edits arriving during inference mark the room dirty again.
    const version = room.version;
    const { map } = state.rasterizer.update(room.strokes.toArray());
    const labels = map.slice();
    const painted = labels.slice(); // kept with the frame: a renderer may transfer `labels` away
    this.emitStatus(roomId, { state: 'rendering', version });
    const style = await this.deps.styles.get(roomId, model);
    const { bytes, quality } = await this.renderer.render(
      { roomId, modelId: model.id, version, labels, z: style.z, quality: asked, format: this.options.format },
      generated,
    );
    const [width, height] = model.size;
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
    if (supersedes(meta, state.latest?.meta ?? null)) state.latest = { meta, bytes, labels: painted };
    this.deps.channel.emit(roomId, EVENTS.frame, meta, bytes);
    this.emitStatus(roomId, { state: 'idle', version });
    return quality;
  }

  /** The latest frame of a room, if any (download and gallery). */
  latestFrame(roomId: string): LatestFrame | null {
    return this.deps.registry.get(roomId)?.get(RENDER_STATE)?.latest ?? null;
  }

  async close(): Promise<void> {
    await this.scheduler.idle();
    await this.renderer.close();
  }
}
