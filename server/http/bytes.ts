import type { ServerResponse } from 'node:http';

/** Answers 200 with binary content (images): its type, length and caching policy. */
export function sendBytes(res: ServerResponse, type: string, bytes: Buffer, cache = 'public, max-age=3600'): void {
  res.writeHead(200, { 'content-type': type, 'content-length': bytes.length, 'cache-control': cache });
  res.end(bytes);
}
