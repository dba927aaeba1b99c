import type { FrameQuality } from '../../lib/protocol';
import type { ModelEntry } from '../models/modelRegistry';
import type { FrameFormat } from './encode';

/** One render: everything a generator needs, taken from the room when the render starts. */
export interface RenderRequest {
  roomId: string;
  modelId: string;
  /** The document version the label map was rasterised from. */
  version: number;
  /** Label ids at the model's resolution, row-major. */
  labels: Uint8Array;
  /** The room's style latent. */
  z: Float32Array;
  quality: FrameQuality;
  format: FrameFormat;
}

export interface RenderedFrame {
  /** The encoded image in the request's format. */
  bytes: Buffer;
  /** The quality rendered ('full' where the model has no draft graph). */
  quality: FrameQuality;
}

/**
 * Where RenderService's frames come from: generators in this process (LocalRenderer) or render
 * workers behind a queue on Redis (QueueRenderer). The scheduler above it is the same for both.
 */
export interface FrameRenderer {
  start(models: ModelEntry[]): Promise<void>;
  /** Why a model cannot render here, or null when it can (or when workers decide). */
  failure(modelId: string): string | null;
  /**
   * `generated`, when given, is called once the generator is free for the next render and only
   * this frame's encoding is left (renderers that cannot tell never call it).
   */
  render(request: RenderRequest, generated?: () => void): Promise<RenderedFrame>;
  close(): Promise<void>;
}
