/// <reference lib="webworker" />
// Runs the quantised SPADE preview off the main thread, so painting never waits for it.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { BlockCache, PreviewGenerator, type PreviewModelJson } from '@/lib/preview/forward';
import type { BackendTimings, FromWorker, PreviewBackend, ToWorker } from './protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (message: FromWorker, transfer: Transferable[] = []) => scope.postMessage(message, transfer);

let generator: PreviewGenerator | null = null;
/** The last picture's block outputs (null: every run from scratch, `reuse: false`). */
let cache: BlockCache | null = null;

/** Fetches a file, reporting bytes as they arrive (the progress bar). */
async function fetchBytes(url: string, onBytes: (n: number) => void): Promise<ArrayBuffer> {
  const res = await fetch(url);
  if (!res.ok || !res.body) throw new Error(`${url}: HTTP ${res.status}`);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    onBytes(value.byteLength);
  }
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out.buffer;
}

/**
 * tfjs's webgpu backend, once registered, logs "Initialization of backend webgpu failed" wherever
 * navigator.gpu is missing or has no adapter (headless or blocklisted GPUs): it is loaded only
 * after an adapter is found.
 */
let webgpu: Promise<boolean> | null = null;
function registerWebGPU(): Promise<boolean> {
  webgpu ??= (async () => {
    const gpu = (navigator as { gpu?: { requestAdapter(): Promise<object | null> } }).gpu;
    if (!gpu || !(await gpu.requestAdapter().catch(() => null))) return false;
    await import('@tensorflow/tfjs-backend-webgpu');
    return true;
  })();
  return webgpu;
}

async function timeBackend(name: PreviewBackend, json: PreviewModelJson, files: Map<string, ArrayBuffer>): Promise<number | null> {
  try {
    if (name === 'webgpu' && !(await registerWebGPU())) return null;
    if (!(await tf.setBackend(name))) return null;
    await tf.ready();
  } catch {
    return null;
  }
  const g = await PreviewGenerator.load(json, async (p) => files.get(p)!);
  const [h, w] = json.config.size;
  const labels = new Uint8Array(h * w);
  const z = new Float32Array(json.config.zDim);
  try {
    await g.render(labels, z); // first run compiles kernels/shaders: not what a stroke costs
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      await g.render(labels, z);
      times.push(performance.now() - t);
    }
    return times.sort((a, b) => a - b)[1];
  } catch {
    return null;
  } finally {
    g.dispose();
  }
}

/**
 * V8 first runs wasm on its baseline compiler and optimises the hot functions while they run, so
 * the first few dozen previews are up to twice as slow as the rest. Running the model for a
 * short while before announcing it ready takes that cost at load instead of on the first strokes.
 */
const WARM_UP_MS = 400;

async function warmUp(g: PreviewGenerator): Promise<void> {
  const [h, w] = g.config.size;
  const labels = new Uint8Array(h * w);
  const z = new Float32Array(g.config.zDim);
  const until = performance.now() + WARM_UP_MS;
  while (performance.now() < until) await g.render(labels, z);
}

/** WebGL through a software rasteriser (SwiftShader, llvmpipe) is far slower than wasm: not worth timing. */
function softwareWebGL(): boolean {
  try {
    const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
    if (!gl) return false;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    return /swiftshader|llvmpipe|software/i.test(renderer);
  } catch {
    return false;
  }
}

async function load(message: Extract<ToWorker, { type: 'load' }>): Promise<void> {
  const { url, wasmPath, force } = message;
  const started = performance.now();
  setWasmPaths(wasmPath);
  const manifestBytes = await fetchBytes(url, () => undefined);
  const json = JSON.parse(new TextDecoder().decode(manifestBytes)) as PreviewModelJson;
  const paths = json.weightsManifest.flatMap((g) => g.paths);
  const base = url.slice(0, url.lastIndexOf('/') + 1);
  // HEAD requests give the total for the progress bar before the bodies arrive.
  const sizes = await Promise.all(
    paths.map(async (p) => Number((await fetch(base + p, { method: 'HEAD' })).headers.get('content-length') ?? 0)),
  );
  const total = sizes.reduce((a, b) => a + b, 0) + manifestBytes.byteLength;
  let loaded = manifestBytes.byteLength;
  post({ type: 'progress', loaded, total });
  const files = new Map<string, ArrayBuffer>();
  for (const p of paths) {
    files.set(
      p,
      await fetchBytes(base + p, (n) => {
        loaded += n;
        post({ type: 'progress', loaded, total });
      }),
    );
  }
  const loadMs = Math.round(performance.now() - started);
  const use = async (backend: PreviewBackend, settled: boolean) => {
    generator?.dispose();
    await tf.setBackend(backend);
    generator = await PreviewGenerator.load(json, async (p) => files.get(p)!);
    cache?.dispose();
    cache = message.reuse === false ? null : new BlockCache();
    await warmUp(generator);
    post({ type: 'ready', backend, timings: { ...timings }, loadMs, bytes: loaded, size: json.config.size, settled });
  };
  const timings: BackendTimings = {};
  if (force) {
    const ms = await timeBackend(force, json, files);
    if (ms === null) throw new Error(`the ${force} backend does not work in this browser`);
    timings[force] = Math.round(ms * 10) / 10;
    return use(force, true);
  }
  // wasm works everywhere and is quick to start: preview with it at once, then time the GPU
  // backends and switch if one is faster.
  const measured: Array<[PreviewBackend, number]> = [];
  const wasmMs = await timeBackend('wasm', json, files);
  timings.wasm = wasmMs === null ? 'failed' : Math.round(wasmMs * 10) / 10;
  if (wasmMs !== null) {
    measured.push(['wasm', wasmMs]);
    await use('wasm', false);
  }
  for (const name of ['webgpu', 'webgl'] as const) {
    if (name === 'webgl' && softwareWebGL()) {
      timings.webgl = 'software renderer, skipped';
      continue;
    }
    const ms = await timeBackend(name, json, files);
    timings[name] = ms === null ? 'unavailable' : Math.round(ms * 10) / 10;
    if (ms !== null) measured.push([name, ms]);
  }
  measured.sort((a, b) => a[1] - b[1]);
  if (measured.length === 0) throw new Error('no tfjs backend works in this browser');
  const best = measured[0][0];
  if (best !== 'wasm' || wasmMs === null) await use(best, true);
  else {
    await tf.setBackend('wasm'); // timing the others switched the global backend
    post({ type: 'ready', backend: 'wasm', timings, loadMs, bytes: loaded, size: json.config.size, settled: true });
  }
}

// Messages are handled strictly in order: a run never overlaps a backend switch.
let queue: Promise<void> = Promise.resolve();
scope.onmessage = (event: MessageEvent<ToWorker>) => {
  queue = queue.then(() => handle(event.data));
};

async function handle(message: ToWorker): Promise<void> {
  try {
    if (message.type === 'load') await load(message);
    else if (message.type === 'run') {
      if (!generator) throw new Error('preview model not loaded');
      const t = performance.now();
      const { rgba, width, height } = await generator.render(message.labels, message.z, cache ?? undefined);
      post({ type: 'frame', id: message.id, rgba, width, height, ms: performance.now() - t }, [rgba.buffer]);
    }
  } catch (error) {
    post({ type: 'error', message: (error as Error).message });
  }
}
