import type { Socket } from 'socket.io';
import { IncrementalRasterizer } from '../../lib/raster';
import { SOCKET_EVENTS, type FrameMeta, type FrameQuality, type RenderStatus } from '../../lib/protocol';
import { supersedes } from '../../lib/frameOrder';
import type { ModelEntry, ModelRegistry } from '../models/modelRegistry';
import type { RoomRegistry } from '../sync/roomRegistry';
import type { RoomService } from '../rooms/roomService';
import type { RoomStyles } from '../styles/roomStyles';
import type { Realtime } from '../realtime';
import type { Logger } from '../log';
import { RenderThread, type RenderThreadOptions } from './renderThread';
import { encodeFrame, FRAME_MIME, type FrameFormat } from './encode';
import { RenderScheduler } from './scheduler';

interface RoomRenderState {
  model: ModelEntry;
  rasterizer: IncrementalRasterizer;
  latest: { meta: FrameMeta; bytes: Buffer } | null;
}

export interface RenderServiceOptions extends RenderThreadOptions {
  concurrency: number;
  format: FrameFormat;
}

/**
 * The Render loop: rooms' documents -> label map at model resolution -> SPADE generator ->
 * encoded frame -> everyone in the room over socket.io. Latest state wins (RenderScheduler);
 * a client that joins gets the latest frame at once.
 */
export class RenderService {
  private readonly generators = new Map<string, RenderThread>();
  private readonly unavailable = new Map<string, string>();
  private readonly states = new Map<string, RoomRenderState>();
  readonly scheduler: RenderScheduler;

  constructor(
    private readonly deps: {
      models: ModelRegistry;
      registry: RoomRegistry;
      rooms: RoomService;
      styles: RoomStyles;
      realtime: Realtime;
      log: Logger;
    },
    private readonly options: RenderServiceOptions,
  ) {
    this.scheduler = new RenderScheduler({
      concurrency: options.concurrency,
      isWatched: (roomId) => deps.realtime.audience(roomId) > 0,
      render: (roomId, quality) => this.render(roomId, quality),
      onError: (roomId, error) => deps.log.error({ err: error, room: roomId }, 'render failed'),
    });
    deps.registry.listen({
      onRoomChange: (room) => this.scheduler.markDirty(room.id),
      onRoomUnloaded: (roomId) => {
        this.states.delete(roomId);
        this.scheduler.forget(roomId);
      },
    });
    deps.styles.onChange((roomId) => this.scheduler.markDirty(roomId));
    deps.realtime.listen({ onJoin: (roomId, socket) => void this.welcome(roomId, socket) });
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

  private async welcome(roomId: string, socket: Socket): Promise<void> {
    const state = this.states.get(roomId);
    if (state?.latest) socket.emit(SOCKET_EVENTS.frame, state.latest.meta, state.latest.bytes);
    // The room may not be loaded yet (nobody on Yjs): load it so it can render.
    const room = await this.deps.registry.open(roomId);
    const latest = state?.latest?.meta;
    if (!latest || latest.version !== room.version || latest.quality === 'draft') this.scheduler.markDirty(roomId);
  }

  private async stateFor(roomId: string): Promise<RoomRenderState> {
    let state = this.states.get(roomId);
    if (!state) {
      const record = await this.deps.rooms.find(roomId);
      const model = this.deps.models.forRoom(record);
      state = { model, rasterizer: new IncrementalRasterizer(model.size[0], model.size[1], model.labels), latest: null };
      this.states.set(roomId, state);
    }
    return state;
  }

  private emitStatus(roomId: string, status: RenderStatus): void {
    this.deps.realtime.io.to(roomId).emit(SOCKET_EVENTS.renderStatus, status);
  }

  private async render(roomId: string, asked: FrameQuality): Promise<FrameQuality | null> {
    const room = this.deps.registry.get(roomId);
    if (!room) return null;
    const state = await this.stateFor(roomId);
    const generator = this.generators.get(state.model.id);
    if (!generator || generator.failure) {
      this.emitStatus(roomId, {
        state: 'unavailable',
        reason: generator?.failure ?? this.unavailable.get(state.model.id) ?? 'model not loaded',
      });
      return null;
    }
    const started = performance.now();
    // Take the state synchronously: edits arriving during inference mark the room dirty again.
    const version = room.version;
    const { map } = state.rasterizer.update(room.strokes.toArray());
    const labels = map.slice();
    this.emitStatus(roomId, { state: 'rendering', version });
    const style = await this.deps.styles.get(roomId, state.model);
    const { rgb, quality } = await generator.run(labels, style.z, asked);
    const [width, height] = state.model.size;
    const bytes = await encodeFrame(rgb, width, height, this.options.format);
    const meta: FrameMeta = {
      roomId,
      version,
      model: state.model.id,
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
    this.deps.realtime.io.to(roomId).emit(SOCKET_EVENTS.frame, meta, bytes);
    this.emitStatus(roomId, { state: 'idle', version });
    return quality;
  }

  /** The latest frame of a room, if any (download and gallery). */
  latestFrame(roomId: string): { meta: FrameMeta; bytes: Buffer } | null {
    return this.states.get(roomId)?.latest ?? null;
  }

  async close(): Promise<void> {
    await this.scheduler.idle();
    for (const g of this.generators.values()) await g.close();
  }
}
