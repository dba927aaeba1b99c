// tfjs wasm's Emscripten factory as published (unminified), for the pthread workers of the
// preview's threaded build: the bundled copy is minified into a form they cannot run
// (app/preview/preview.worker.ts, threadsLoadTheFactoryFromTheApp). Read once at build time.
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export const dynamic = 'force-static';

export async function GET(): Promise<Response> {
  const file = path.join(process.cwd(), 'node_modules/@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
  return new Response(await readFile(file), { headers: { 'content-type': 'text/javascript; charset=utf-8' } });
}
