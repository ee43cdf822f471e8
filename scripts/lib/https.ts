/** HTTPS calls from tests and the benchmarks (Bun's fetch, as the agent uses), verifying the director against its CA. */
export interface Call {
  status: number;
  json: any;
  text: string;
  headers: Headers;
}

export async function call(url: string, init: RequestInit & { ca?: string; cert?: string; key?: string; cookie?: string; json?: unknown; checkServerIdentity?: (host: string, cert: any) => Error | undefined } = {}): Promise<Call> {
  const headers = new Headers(init.headers);
  if (init.cookie) headers.set('cookie', init.cookie);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(init.json);
  }
  const res = await fetch(url, {
    ...init,
    headers,
    body,
    tls: { ca: init.ca, cert: init.cert, key: init.key, rejectUnauthorized: !!init.ca, ...(init.checkServerIdentity ? { checkServerIdentity: init.checkServerIdentity } : {}) },
  } as RequestInit);
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

/** Logs in and returns the cookie header value to send back. */
export async function login(base: string, ca: string, user: string, password: string, role: 'user' | 'admin' = 'user', extra: Record<string, string> = {}): Promise<string> {
  const response = await call(`${base}/v1/${role}/login`, { method: 'POST', ca, json: { userID: user, password, ...extra } });
  if (response.status !== 200) throw new Error(`login ${user} failed: ${response.status} ${response.text}`);
  const setCookie = response.headers.get('set-cookie') ?? '';
  return setCookie.split(';')[0]!;
}

/** Polls `fn` until it returns a truthy value. */
export async function eventually<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const value = await fn();
      if (value) return value as T;
    } catch (err) {
      last = err;
    }
    await Bun.sleep(100);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}
