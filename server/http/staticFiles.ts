import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import serveStatic from 'serve-static';
import { sendJson } from './json';

/** Browser-facing model artifacts only: manifests, weights, thumbnails; never ONNX or training files. */
const MODEL_EXTENSIONS = new Set(['.json', '.bin', '.png', '.webp', '.jpg']);

type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

function mount(
  prefix: string,
  root: string,
  allowed: (file: string) => boolean,
  maxAge: string,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  // ETag + a short max-age: browsers cache the files and revalidate cheaply when models change.
  const serve = serveStatic(root, {
    index: false,
    dotfiles: 'deny',
    fallthrough: false,
    maxAge,
    etag: true,
    redirect: false,
  }) as unknown as Middleware;
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith(prefix)) return false;
    const rest = url.pathname.slice(prefix.length - 1);
    if (!allowed(rest) || (req.method !== 'GET' && req.method !== 'HEAD')) {
      sendJson(res, 404, { error: 'no such file' });
      return true;
    }
    req.url = rest + url.search;
    serve(req, res, (err) => {
      const status = (err as { status?: number } | undefined)?.status ?? 500;
      sendJson(res, status === 404 ? 404 : status, { error: status === 404 ? 'no such file' : 'cannot read file' });
    });
    return true;
  };
}

/** Static routes: /models/** (preview weights, preset thumbnails) and /vendor/tfjs-wasm/*.wasm. */
export function createStaticRoutes(modelsDir: string): (req: IncomingMessage, res: ServerResponse) => boolean {
  const require = createRequire(import.meta.url);
  const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  const routes = [
    mount('/models/', modelsDir, (p) => MODEL_EXTENSIONS.has(path.extname(p).toLowerCase()), '5m'),
    mount('/vendor/tfjs-wasm/', wasmDir, (p) => /^\/tfjs-backend-wasm(-simd|-threaded-simd)?\.wasm$/.test(p), '1d'),
  ];
  return (req, res) => routes.some((route) => route(req, res));
}
