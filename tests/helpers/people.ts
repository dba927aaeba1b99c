/** Someone the server gave an identity cookie (GET /api/me), as a browser keeps it. */
export interface Person {
  cookie: string;
  id: string;
}

/**
 * HTTP calls to the test server as one person or another. `baseUrl` is read at each call:
 * the server starts in `beforeAll`, after the suite's helpers are made.
 */
export function people(baseUrl: () => string) {
  const person = async (): Promise<Person> => {
    const res = await fetch(`${baseUrl()}/api/me`);
    return { cookie: res.headers.get('set-cookie')!.split(';')[0], id: ((await res.json()) as { id: string }).id };
  };
  /** The raw response, for tests of refusals; `who` null calls with no cookie. */
  const call = (who: Person | null, method: string, path: string, body?: unknown) =>
    fetch(`${baseUrl()}${path}`, {
      method,
      headers: { ...(who ? { cookie: who.cookie } : {}), 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  /** The JSON body of a call that must succeed. */
  const api = async <T>(who: Person | null, method: string, path: string, body?: unknown): Promise<T> => {
    const res = await call(who, method, path, body);
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  return { person, call, api };
}
