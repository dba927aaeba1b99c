import * as ort from 'onnxruntime-node';
import type { Logger } from '../log';

export interface SessionOptions {
  /** Execution providers in order of preference, e.g. ['cuda', 'cpu']. */
  providers: string[];
  threads: number;
}

export interface OpenedSession {
  session: ort.InferenceSession;
  provider: string;
}

/**
 * Opens an ONNX session with the first provider that works. onnxruntime-node throws (rather than
 * falling back) when a requested provider such as CUDA is not installed, so each is tried in
 * turn and the reason for skipping it is logged.
 */
export async function openSession(modelPath: string, options: SessionOptions, log: Logger): Promise<OpenedSession> {
  const providers = options.providers.length > 0 ? options.providers : ['cpu'];
  let lastError: unknown = null;
  for (const provider of providers) {
    try {
      const session = await ort.InferenceSession.create(modelPath, {
        executionProviders: [provider],
        intraOpNumThreads: options.threads,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
      });
      return { session, provider };
    } catch (error) {
      lastError = error;
      log.warn({ model: modelPath, provider, reason: (error as Error).message.split('\n')[0] }, `execution provider "${provider}" unavailable; trying the next one`);
    }
  }
  throw new Error(`No execution provider could open ${modelPath}: ${(lastError as Error)?.message}`);
}
