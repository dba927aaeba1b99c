// One model's generator on its own thread: onnxruntime-node's run() is synchronous, and on the
// main thread every frame would stall the sync loop (Yjs, socket.io) for its whole duration.
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { log } from '../log';
import { rasterize } from '../../lib/raster';
import { Generator, HiresGenerator } from './generator';
import type { FromRenderThread, RenderThreadData, ToRenderThread } from './renderThreadProtocol';

const port = parentPort!;
const data = workerData as RenderThreadData;
const post = (message: FromRenderThread, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

try {
  // Rendering is background work: people painting (the main thread, browsers on this host) come
  // first. Set before the sessions exist, so their thread pools inherit it.
  os.setPriority(data.nice);
} catch (error) {
  log.warn({ nice: data.nice, reason: (error as Error).message }, 'render thread priority unchanged');
}

try {
  const generator = data.hires
    ? await HiresGenerator.open(data.model, data.hires, data.options, log)
    : await Generator.open(data.model, data.options, log);
  const run = async (message: ToRenderThread) => {
    if (message.type === 'run' && generator instanceof Generator) return generator.run(message.labels, message.z, message.quality);
    if (message.type === 'render' && generator instanceof HiresGenerator) {
      const { strokes, z, width, height } = message;
      const labels = rasterize(strokes, width, height, data.model.labels);
      return { rgb: await generator.run(labels, z, width, height), quality: 'full' as const };
    }
    throw new Error(`this render thread does not serve '${String(message?.type)}' messages`);
  };
  port.on('message', (message: ToRenderThread) => {
    // Every run is answered, a malformed one with an error: a throw here would end the thread.
    Promise.resolve()
      .then(() => run(message))
      .then(
        ({ rgb, quality }) => post({ type: 'frame', id: message.id, rgb, quality }, [rgb.buffer as ArrayBuffer]),
        (error: unknown) => post({ type: 'error', id: message?.id, message: error instanceof Error ? error.message : String(error) }),
      );
  });
  post({ type: 'ready', provider: generator.provider });
} catch (error) {
  post({ type: 'failed', reason: (error as Error).message });
}
