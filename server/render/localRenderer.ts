import type { ModelEntry } from '../models/modelRegistry';
import type { Logger } from '../log';
import { encodeFrame } from './encode';
import type { FrameRenderer, RenderedFrame, RenderRequest } from './renderer';
import { RenderThread, type RenderThreadOptions } from './renderThread';

/** Renders in this process: one generator thread per model, opened and warmed up at start. */
export class LocalRenderer implements FrameRenderer {
  private readonly threads = new Map<string, RenderThread>();
  private readonly unavailable = new Map<string, string>();

  constructor(
    private readonly options: RenderThreadOptions,
    private readonly log: Logger,
  ) {}

  /** Opens every model's generator; a model that fails is marked unavailable (logged), the rest still render. */
  async start(models: ModelEntry[]): Promise<void> {
    const { providers, threads, nice } = this.options;
    for (const model of models) {
      try {
        this.threads.set(model.id, await RenderThread.open(model, { providers, threads, nice }));
      } catch (error) {
        const reason = (error as Error).message;
        this.unavailable.set(model.id, reason);
        this.log.warn({ model: model.id, reason }, 'model cannot render; rooms using it get label maps only');
      }
    }
  }

  failure(modelId: string): string | null {
    const thread = this.threads.get(modelId);
    if (thread) return thread.failure;
    return this.unavailable.get(modelId) ?? 'model not loaded';
  }

  async render(request: RenderRequest, generated?: () => void): Promise<RenderedFrame> {
    const failure = this.failure(request.modelId);
    const thread = this.threads.get(request.modelId);
    if (failure || !thread) throw new Error(`model ${request.modelId} cannot render: ${failure}`);
    const { rgb, quality } = await thread.run(request.labels, request.z, request.quality);
    generated?.();
    const [width, height] = thread.model.size;
    return { bytes: await encodeFrame(rgb, width, height, request.format), quality };
  }

  async close(): Promise<void> {
    for (const thread of this.threads.values()) await thread.close();
  }
}
