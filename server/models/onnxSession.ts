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
        // A spinning pool keeps its cores busy for a while after each run, slowing whatever runs
        // next: the other sessions (full, draft, style encoder) and the rest of the process.
        // Measured on 2 cores: a full frame right after a draft 95 ms spinning, 62 ms without.
        extra: { session: { intra_op: { allow_spinning: '0' } } },
      });
      return { session, provider };
    } catch (error) {
      lastError = error;
      log.warn(
        { model: modelPath, provider, reason: (error as Error).message.split('\n')[0] },
        `execution provider "${provider}" unavailable; trying the next one`,
      );
    }
  }
  throw new Error(`No execution provider could open ${modelPath}: ${(lastError as Error)?.message}`);
}
