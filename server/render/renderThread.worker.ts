// One model's generator on its own thread: onnxruntime-node's run() is synchronous, and on the
// main thread every frame would stall the sync loop (Yjs, socket.io) for its whole duration.
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { log } from '../log';
import { Generator } from './generator';
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
  const generator = await Generator.open(data.model, data.options, log);
  port.on('message', (message: ToRenderThread) => {
    // Every run is answered, a malformed one with an error: a throw here would end the thread.
    Promise.resolve()
      .then(() => generator.run(message.labels, message.z, message.quality))
      .then(
        ({ rgb, quality }) => post({ type: 'frame', id: message.id, rgb, quality }, [rgb.buffer as ArrayBuffer]),
        (error: unknown) => post({ type: 'error', id: message?.id, message: error instanceof Error ? error.message : String(error) }),
      );
  });
  post({ type: 'ready', provider: generator.provider });
} catch (error) {
  post({ type: 'failed', reason: (error as Error).message });
}
