import { treaty } from '@elysiajs/eden/treaty2';
import type { DirectorApp } from '../director/app.ts';
import type { ErrorCode } from '../shared/api/error-codes.ts';
import { reportReachable } from './connectivity.ts';

/** Codes the app gives failures the director did not describe: no answer, or one without our envelope. */
export type ClientErrorCode = 'SERVER_UNAVAILABLE' | `HTTP_${number}`;

/**
 * Every failure of a call to the director, with its stable code, so pages switch on codes and show
 * words, never raw JSON. `code` is typed with the director's codes (a newer director's new code still
 * arrives here at run time, and describeError falls back to its message).
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
  /** When `expected` names "passkey": the sign-in options to answer with one (web/components/passkey-login.ts). */
  readonly passkey?: { challengeId: string; options: Record<string, unknown> };

  constructor(
    readonly status: number,
    readonly code: ErrorCode | ClientErrorCode,
    message: string,
    extra: { expected?: readonly string[]; state?: string; retryAfter?: number; enrolmentRequired?: boolean; requestId?: string; passkey?: ApiError['passkey'] } = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.expected = extra.expected ?? [];
    this.state = extra.state;
    this.retryAfter = extra.retryAfter;
    this.enrolmentRequired = extra.enrolmentRequired ?? false;
    this.requestId = extra.requestId;
    this.passkey = extra.passkey;
  }
}

/** Codes that mean "your sign-in is gone": the app goes back to the login page. */
const SIGNED_OUT_CODES: ReadonlySet<ApiError['code']> = new Set<ErrorCode>(['SESSION_EXPIRED', 'SESSION_REVOKED', 'UNAUTHENTICATED']);

export const isSignedOut = (err: unknown): boolean => err instanceof ApiError && err.status === 401 && SIGNED_OUT_CODES.has(err.code);

let onSignedOut: (err: ApiError) => void = () => {};
/** main.ts routes to the login page from here. */
export function setSignedOutHandler(fn: (err: ApiError) => void): void {
  onSignedOut = fn;
}

/**
 * A client of the director's routes, typed from the director's own route declarations (Eden Treaty
 * over the app's type): each call's path, params, query, body and answer come from the route, so no
 * call site names an answer type. Same origin (relative URLs), the session cookie sent, dates left as
 * the strings the models declare. Path params are not escaped by the client: pass them through
 * encodeURIComponent. Wrap every call in `call()`.
 */
export function directorClient(fetcher?: typeof fetch) {
  return treaty<DirectorApp>('', {
    keepDomain: true,
    parseDate: false,
    fetch: { credentials: 'include' },
    headers: { accept: 'application/json' },
    ...(fetcher ? { fetcher } : {}),
  });
}

/** The one client the app uses. */
export const director = directorClient();

/** What a route answers with 2xx, from the client's typed result. */
export type Answer<Result> = Result extends { error: null; data: infer Data } ? Data : never;

export interface CallOptions {
  /** Login calls: a 401 there is a wrong password, not an expired session. */
  noSignOut?: boolean;
}

const unavailable = () => new ApiError(0, 'SERVER_UNAVAILABLE', 'The server is unavailable. Check your connection and try again in a moment.');

/**
 * Settles one director call: resolves with the route's 2xx answer or rejects with an ApiError, tells
 * the connectivity state whether the director answered, and sends a lost sign-in to the login page.
 */
export async function call<Result extends { data: unknown; error: unknown }>(request: Promise<Result>, opts: CallOptions = {}): Promise<Answer<Result>> {
  let result: Result & { response?: Response };
  try {
    result = await request;
  } catch (err) {
    // An answer the client could not read (e.g. "JSON" that is not): no usable answer.
    if ((err as Error)?.name === 'AbortError') throw err;
    reportReachable(false);
    throw unavailable();
  }
  if (!result.response) {
    // The fetch itself threw (no connection, or aborted): the client hands back what it threw as the value.
    const thrown = (result.error as { value?: unknown } | null)?.value;
    if ((thrown as Error | undefined)?.name === 'AbortError') throw thrown;
    reportReachable(false);
    throw unavailable();
  }
  if (result.error === null) {
    reportReachable(true);
    return result.data as Answer<Result>;
  }
  const err = toApiError(result.response, (result.error as { value?: unknown }).value);
  reportReachable(err.code !== 'SERVER_UNAVAILABLE');
  if (!opts.noSignOut && isSignedOut(err)) onSignedOut(err);
  throw err;
}

function toApiError(res: Response, data: unknown): ApiError {
  const errorBody = (data as { error?: Record<string, unknown> } | undefined)?.error;
  if (!errorBody || typeof errorBody.code !== 'string') {
    // A proxy's HTML error page or a 5xx without our envelope.
    if (res.status >= 500 || res.status === 0) return unavailable();
    return new ApiError(res.status, `HTTP_${res.status}`, `The server answered ${res.status} ${res.statusText}`.trim());
  }
  const retry = Number(res.headers.get('retry-after'));
  // The envelope's code is one of ErrorCode (or a newer director's): passed on as it is.
  const code = errorBody.code as ErrorCode;
  return new ApiError(res.status, code, typeof errorBody.message === 'string' ? errorBody.message : code, {
    expected: Array.isArray(errorBody.expected) ? errorBody.expected.filter((x): x is string => typeof x === 'string') : [],
    state: typeof errorBody.state === 'string' ? errorBody.state : undefined,
    retryAfter: Number.isFinite(retry) && retry > 0 ? retry : undefined,
    enrolmentRequired: errorBody.enrolmentRequired === true,
    requestId: typeof errorBody.requestId === 'string' ? errorBody.requestId : undefined,
    passkey: isPasskeyOffer(errorBody.passkey) ? errorBody.passkey : undefined,
  });
}

function isPasskeyOffer(value: unknown): value is ApiError['passkey'] {
  const offer = value as ApiError['passkey'];
  return typeof offer?.challengeId === 'string' && typeof offer.options === 'object' && offer.options !== null;
}

const FRIENDLY: Partial<Record<ApiError['code'], string>> = {
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
  INVALID_SHARE_USER: 'Enter another user’s name: letters, digits, dots, dashes or underscores, with an optional @domain.',
  SHARE_LIMIT_REACHED: 'This session is shared with as many users as it may be. Stop sharing with someone first.',
  SHARE_NOT_FOUND: 'This session is no longer shared with that user.',
  NO_SERVER_AVAILABLE: 'No server in this pool can take a new session right now. Try again in a few minutes.',
  NO_HEALTHY_SERVER: 'Every server in this pool is having trouble right now. Try again in a few minutes.',
  SERVER_UNHEALTHY: 'This server cannot start desktops right now. Try again later or use another one.',
  SERVER_DRAINED: 'This server is in maintenance: it takes no new sessions for now. Use another one, or try again later.',
  FINGERPRINT_MISMATCH: 'The agent’s request changed after you opened it. Look at it again before you approve.',
  INVALID_HOSTNAME_PATTERN: 'Host names: letters, digits, dots and hyphens, with * for any run of characters and ? for one (for example gpu-*.example.com).',
  CODE_REJECTED: 'That code does not match. Check the time on your phone and try the next code.',
  INVALID_CODE: 'Enter the six-digit code from your authenticator app.',
  ENROLMENT_EXPIRED: 'The time to set up your authenticator app ran out. Sign in again to start over.',
  ALREADY_ENROLLED: 'An authenticator app is already set up for you. To replace it, ask an administrator to reset it.',
  TOTP_DISABLED: 'Authenticator apps are not used on this server.',
  PASSKEY_REJECTED: 'That passkey was not accepted. Try again, or use another way to sign in.',
  PASSKEY_CHALLENGE_EXPIRED: 'That took too long. Start again.',
  PASSKEY_EXISTS: 'This passkey is registered already.',
  INVALID_PASSKEY_NAME: 'Give the passkey a name of 1 to 64 characters.',
  HEADER_AUTH_UNTRUSTED: 'Single sign-on is not available from this address. Sign in with your user name and password.',
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
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

const sentence = (text: string) => {
  const trimmed = text.trim();
  if (!trimmed) return 'Something went wrong.';
  return trimmed[0]!.toUpperCase() + trimmed.slice(1) + (/[.!?]$/.test(trimmed) ? '' : '.');
};
