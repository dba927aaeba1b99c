// The evaluation segmenter on its own thread: onnxruntime-node's run() is synchronous (~100 ms
// here), and on the main thread it would stall every room's sync loop for that long.
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { log } from '../log';
import { openSession } from '../models/onnxSession';
import type { FromSegmenterThread, SegmenterThreadData, ToSegmenterThread } from './segmenterThread';

const port = parentPort!;
const data = workerData as SegmenterThreadData;
const post = (message: FromSegmenterThread, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

try {
  os.setPriority(data.nice); // a check on request comes after rooms' frames
} catch (error) {
  log.warn({ nice: data.nice, reason: (error as Error).message }, 'segmenter thread priority unchanged');
}

/** Interleaved RGB bytes -> the graph's [1,3,H,W] input in [-1, 1]. */
function toInput(rgb: Uint8Array, width: number, height: number): ort.Tensor {
  const n = width * height;
  const x = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) x[c * n + i] = rgb[i * 3 + c] / 127.5 - 1;
  return new ort.Tensor('float32', x, [1, 3, height, width]);
}

try {
  const { session, provider } = await openSession(data.path, data.options, log);
  port.on('message', (message: ToSegmenterThread) => {
    // Every request is answered, a malformed one with an error: a throw here would end the thread.
    Promise.resolve()
      .then(async () => {
        const { rgb, width, height } = message;
        if (!(rgb instanceof Uint8Array) || rgb.length !== width * height * 3) throw new Error('segmenter input is not width x height RGB');
        const started = performance.now();
        const out = await session.run({ image: toInput(rgb, width, height) });
        const labels = new Uint8Array(out.labels.data as Uint8Array);
        return { labels, ms: performance.now() - started };
      })
      .then(
        ({ labels, ms }) => post({ type: 'labels', id: message.id, labels, ms }, [labels.buffer]),
        (error: unknown) => post({ type: 'error', id: message?.id, message: error instanceof Error ? error.message : String(error) }),
      );
  });
  post({ type: 'ready', provider });
} catch (error) {
  post({ type: 'failed', reason: (error as Error).message });
}
