import type { IncomingMessage } from 'node:http';

/**
 * The request's path and query, or null when the request target is not a valid URL (`GET //`
 * makes `new URL` throw): callers answer 400 or drop that connection instead of throwing.
 */
export function requestUrl(req: Pick<IncomingMessage, 'url'>): URL | null {
  try {
    return new URL(req.url ?? '/', 'http://localhost');
  } catch {
    return null;
  }
}

/** decodeURIComponent that answers null for malformed percent-encoding (`%ZZ`) instead of throwing. */
export function decodePathPart(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}
