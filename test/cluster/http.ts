/**
 * Real HTTP (fetch) to a cluster API, with a client-side timeout on every
 * request: a request that hangs comes back as `status: 0, error: 'timeout'`
 * instead of blocking the test.
 */
export interface CallResult<T = any> {
  /** HTTP status; 0 when no response arrived (connection refused/reset, timeout). */
  status: number;
  body: T;
  headers: Headers;
  /** Milliseconds from send to the complete response (or the failure). */
  ms: number;
  /** 'timeout', or the network error's code/message, when status is 0. */
  error?: string;
  /** The API base URL the request went to. */
  via: string;
  /** Wall-clock start (epoch ms). */
  at: number;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 5_000;

export async function call<T = any>(baseUrl: string, method: string, path: string, options: CallOptions = {}): Promise<CallResult<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const at = Date.now();
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const res = await fetch(baseUrl + path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: body as T, headers: res.headers, ms: elapsed(), via: baseUrl, at };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const error = e.name === 'TimeoutError' || e.name === 'AbortError' ? 'timeout' : (e.cause?.code ?? e.cause?.message ?? e.message);
    return { status: 0, body: null as T, headers: new Headers(), ms: elapsed(), error, via: baseUrl, at };
  }
}

/** Throws with the response when the status is not the expected one (fixture set-up). */
export async function expectStatus<T = any>(expected: number, result: Promise<CallResult<T>>, what: string): Promise<T> {
  const res = await result;
  if (res.status !== expected) {
    throw new Error(`${what}: expected ${expected}, got ${res.status} ${res.error ?? ''} ${JSON.stringify(res.body)} (via ${res.via})`);
  }
  return res.body;
}
