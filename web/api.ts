import { reportReachable } from './connectivity.ts';

/**
 * The one way the web app talks to the director: same origin, cookie credentials, JSON both ways.
 * Every failure becomes an ApiError with the director's stable code, so pages switch on codes and
 * show words, never raw JSON.
 */
export class ApiError extends Error {
  /** Fields a multi-step login still needs (e.g. ["otp"]). */
  readonly expected: readonly string[];
  /** Opaque login state to echo back with the next step. */
  readonly state?: string;
  /** Seconds to wait (429 Retry-After). */
  readonly retryAfter?: number;
  /** The password was right but no second factor is enrolled yet: enrol first (built-in TOTP). */
  readonly enrolmentRequired: boolean;
  readonly requestId?: string;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    extra: { expected?: readonly string[]; state?: string; retryAfter?: number; enrolmentRequired?: boolean; requestId?: string } = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.expected = extra.expected ?? [];
    this.state = extra.state;
    this.retryAfter = extra.retryAfter;
    this.enrolmentRequired = extra.enrolmentRequired ?? false;
    this.requestId = extra.requestId;
  }
}

/** Codes that mean "your sign-in is gone": the app goes back to the login page. */
export const SIGNED_OUT_CODES = new Set(['SESSION_EXPIRED', 'SESSION_REVOKED', 'UNAUTHENTICATED']);

export const isSignedOut = (err: unknown): boolean => err instanceof ApiError && err.status === 401 && SIGNED_OUT_CODES.has(err.code);

let onSignedOut: (err: ApiError) => void = () => {};
/** main.ts routes to the login page from here. */
export function setSignedOutHandler(fn: (err: ApiError) => void): void {
  onSignedOut = fn;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
  /** Login calls: a 401 there is a wrong password, not an expired session. */
  noSignOut?: boolean;
}

const unavailable = () => new ApiError(0, 'SERVER_UNAVAILABLE', 'The server is unavailable. Check your connection and try again in a moment.');

/** Calls the director; resolves with the parsed JSON body or rejects with an ApiError. */
export async function api<T>(path: string, opts: RequestOptions = {}, fetchImpl: typeof fetch = fetch): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetchImpl(path, {
      method: opts.method ?? 'GET',
      credentials: 'include',
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    });
  } catch (err) {
    if ((err as Error)?.name === 'AbortError') throw err;
    reportReachable(false);
    throw unavailable();
  }
  const data = await res.json().catch(() => undefined);
  if (res.ok) {
    reportReachable(true);
    return data as T;
  }
  const err = toApiError(res, data);
  reportReachable(err.code !== 'SERVER_UNAVAILABLE');
  if (!opts.noSignOut && isSignedOut(err)) onSignedOut(err);
  throw err;
}

function toApiError(res: Response, data: unknown): ApiError {
  const e = (data as { error?: Record<string, unknown> } | undefined)?.error;
  if (!e || typeof e.code !== 'string') {
    // A proxy's HTML error page or a 5xx without our envelope.
    if (res.status >= 500 || res.status === 0) return unavailable();
    return new ApiError(res.status, `HTTP_${res.status}`, `The server answered ${res.status} ${res.statusText}`.trim());
  }
  const retry = Number(res.headers.get('retry-after'));
  return new ApiError(res.status, e.code, typeof e.message === 'string' ? e.message : e.code, {
    expected: Array.isArray(e.expected) ? e.expected.filter((x): x is string => typeof x === 'string') : [],
    state: typeof e.state === 'string' ? e.state : undefined,
    retryAfter: Number.isFinite(retry) && retry > 0 ? retry : undefined,
    enrolmentRequired: e.enrolmentRequired === true,
    requestId: typeof e.requestId === 'string' ? e.requestId : undefined,
  });
}

const FRIENDLY: Record<string, string> = {
  SERVER_UNAVAILABLE: 'The server is unavailable. Check your connection and try again in a moment.',
  INVALID_CREDENTIALS: 'The user name or password is not right.',
  SESSION_EXPIRED: 'Your sign-in expired. Please sign in again.',
  SESSION_REVOKED: 'You were signed out. Please sign in again.',
  AGENT_HAS_SESSIONS: 'This agent still has live sessions.',
  UNAUTHENTICATED: 'Please sign in.',
  NOT_ADMIN: 'This account is not an administrator.',
  NOT_PERMITTED: 'You are not allowed to do that. Ask your administrator for access.',
  SERVER_NOT_FOUND: 'That server is no longer available.',
  POOL_NOT_FOUND: 'That pool is no longer available.',
  SESSION_NOT_FOUND: 'That session no longer exists.',
  NO_SERVER_AVAILABLE: 'No server in this pool can take a new session right now. Try again in a few minutes.',
  NO_HEALTHY_SERVER: 'Every server in this pool is having trouble right now. Try again in a few minutes.',
  SERVER_UNHEALTHY: 'This server cannot start desktops right now. Try again later or use another one.',
  FINGERPRINT_MISMATCH: 'The agent’s request changed after you opened it. Look at it again before you approve.',
  CODE_REJECTED: 'That code does not match. Check the time on your phone and try the next code.',
  INVALID_CODE: 'Enter the six-digit code from your authenticator app.',
  ENROLMENT_EXPIRED: 'The time to set up your authenticator app ran out. Sign in again to start over.',
  ALREADY_ENROLLED: 'An authenticator app is already set up for you. To replace it, ask an administrator to reset it.',
  TOTP_DISABLED: 'Authenticator apps are not used on this server.',
  CSRF_REJECTED: 'The request was refused for security reasons. Reload the page and try again.',
  INTERNAL: 'Something went wrong on the server. If it keeps happening, tell your administrator.',
};

/** Words for an error: a friendly sentence for known codes, the server's message otherwise. */
export function describeError(err: unknown): string {
  if (!(err instanceof ApiError)) return 'Something went wrong. Please try again.';
  if (err.code === 'TOO_MANY_ATTEMPTS') {
    return err.retryAfter ? `Too many attempts. Try again in ${formatWait(err.retryAfter)}.` : 'Too many attempts. Please wait a while and try again.';
  }
  // DCV's own text is the useful part of these (e.g. "All licenses in use").
  if (err.code === 'AGENT_UNREACHABLE') return `The server could not be reached. ${sentence(err.message)}`;
  if (err.code === 'DCV_FAILED') return `DCV could not start the session: ${sentence(err.message)}`;
  return FRIENDLY[err.code] ?? sentence(err.message);
}

/** "90" -> "2 minutes", "20" -> "20 seconds". */
export function formatWait(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} second${Math.ceil(seconds) === 1 ? '' : 's'}`;
  const m = Math.ceil(seconds / 60);
  return `${m} minute${m === 1 ? '' : 's'}`;
}

const sentence = (s: string) => {
  const t = s.trim();
  if (!t) return 'Something went wrong.';
  return t[0]!.toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? '' : '.');
};
