import { describe, expect, test } from 'bun:test';
import type { Static } from 'elysia';
import type { DirectorApp } from '../director/app.ts';
import type { UserServers } from '../director/servers/models.ts';
import type { ConnectionAnswer } from '../director/sessions/models.ts';
import type { ErrorCode } from '../shared/api/error-codes.ts';
import { type Answer, ApiError, call, describeError, director, directorClient, formatWait, isSignedOut, setSignedOutHandler } from './api.ts';
import { connectivity } from './connectivity.ts';
import { bytes } from './format.ts';
import { parseHash } from './router.ts';

const JSON_TYPE = { 'content-type': 'application/json' };
/** A client whose every call gets this answer; `seen` collects what it was asked. */
const answering = (status: number, body: unknown, headers: Record<string, string> = JSON_TYPE) => {
  const seen: { url: string; init: RequestInit }[] = [];
  const fakeFetch = (async (url: string, init: RequestInit) => {
    seen.push({ url, init });
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers });
  }) as unknown as typeof fetch;
  return { client: directorClient(fakeFetch), seen };
};
const down = (name = 'TypeError') =>
  directorClient((async () => {
    throw Object.assign(new Error('fetch failed'), { name });
  }) as unknown as typeof fetch);
const fail = async (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e as ApiError,
  );

/** True only when A and B are the same type (any is equal to nothing but any). */
type Equal<A, B> = (<G>() => G extends A ? 1 : 2) extends <G>() => G extends B ? 1 : 2 ? true : false;
const sameType = <A, B>(same: Equal<A, B>) => same;
/** True only for any (nothing else is both 0 and 1 & T). */
type IsAny<T> = 0 extends 1 & T ? true : false;

describe('api', () => {
  test('ok: answers are typed from the route declarations of the director (a wrong type fails tsc)', () => {
    // A plugin typed as Elysia<any, ...> anywhere in the app would make every route `any`.
    const routesAreAny: IsAny<DirectorApp['~Routes']> = false;
    expect(routesAreAny).toBe(false);
    expect(sameType<Answer<Awaited<ReturnType<typeof director.v1.user.servers.get>>>, Static<typeof UserServers>>(true)).toBe(true);
    const connection = director.v1.user.sessions({ id: 's1' }).connection.get;
    expect(sameType<Answer<Awaited<ReturnType<typeof connection>>>, Static<typeof ConnectionAnswer>>(true)).toBe(true);
  });

  test('ok: sends JSON with credentials to the same origin and returns the parsed body', async () => {
    const { client, seen } = answering(200, { ok: true });
    expect(await call(client.v1.user.totp.confirm.post({ code: '123456' }))).toEqual({ ok: true });
    expect(seen[0]!.url).toBe('/v1/user/totp/confirm');
    expect(seen[0]!.init).toMatchObject({ method: 'POST', credentials: 'include', body: '{"code":"123456"}' });
    expect(seen[0]!.init.headers).toMatchObject({ 'content-type': 'application/json', accept: 'application/json' });
  });

  test('ok: path params arrive escaped once, queries encoded, dates stay strings', async () => {
    const expiresAt = '2030-01-02T03:04:05.000Z';
    const { client, seen } = answering(200, { expiresAt });
    const answer = await call(client.v1.user.sessions({ id: encodeURIComponent('a/b c') }).connection.get());
    expect(answer.expiresAt).toBe(expiresAt);
    await call(client.v1.admin.audit.get({ query: { type: 'agent.approve', actor: 'a b' } }));
    expect(seen.map((s) => [s.init.method, s.url])).toEqual([
      ['GET', '/v1/user/sessions/a%2Fb%20c/connection'],
      ['GET', '/v1/admin/audit?type=agent.approve&actor=a%20b'],
    ]);
  });

  test('ok: the error envelope becomes an ApiError with expected, state, enrolment and Retry-After', async () => {
    const challenge = answering(401, { error: { code: 'INSUFFICIENT_CREDENTIALS', message: 'Enter OTP', expected: ['otp'], state: 's1', enrolmentRequired: true, requestId: 'r1' } });
    const failure = await fail(call(challenge.client.v1.user.login.post({ userID: 'u', password: 'p' }), { noSignOut: true }));
    expect(failure).toBeInstanceOf(ApiError);
    expect([failure.status, failure.code, failure.message, failure.expected, failure.state, failure.enrolmentRequired, failure.requestId]).toEqual([
      401,
      'INSUFFICIENT_CREDENTIALS',
      'Enter OTP',
      ['otp'],
      's1',
      true,
      'r1',
    ]);
    const slow = answering(429, { error: { code: 'TOO_MANY_ATTEMPTS', message: 'slow down' } }, { ...JSON_TYPE, 'retry-after': '90' });
    const throttled = await fail(call(slow.client.v1.user.login.post({ userID: 'u', password: 'p' })));
    expect(throttled.retryAfter).toBe(90);
    expect(describeError(throttled)).toBe('Too many attempts. Try again in 2 minutes.');
    const bare = await fail(call(answering(404, 'no', { 'content-type': 'text/plain' }).client.v1.me.get()));
    expect([bare.status, bare.code]).toEqual([404, 'HTTP_404']);
  });

  test('rejects: network failures and 5xx without an envelope read as "server unavailable"; an abort stays an abort', async () => {
    expect((await fail(call(down().v1.user.servers.get()))).code).toBe('SERVER_UNAVAILABLE');
    expect((await fail(call(answering(502, '<html>bad gateway</html>', { 'content-type': 'text/html' }).client.v1.user.servers.get()))).code).toBe('SERVER_UNAVAILABLE');
    const aborted = await fail(call(down('AbortError').v1.user.servers.get()));
    expect([aborted instanceof ApiError, (aborted as Error).name]).toEqual([false, 'AbortError']);
  });

  test('ok: 401 SESSION_EXPIRED calls the signed-out handler, except on login calls', async () => {
    const seen: string[] = [];
    setSignedOutHandler((e) => seen.push(e.code));
    const expired = answering(401, { error: { code: 'SESSION_EXPIRED', message: 'log in again' } }).client;
    expect(isSignedOut(await fail(call(expired.v1.me.get())))).toBe(true);
    await fail(call(expired.v1.user.login.post({ userID: 'u', password: 'p' }), { noSignOut: true }));
    await fail(call(answering(401, { error: { code: 'INVALID_CREDENTIALS', message: 'no' } }).client.v1.me.get()));
    expect(seen).toEqual(['SESSION_EXPIRED']);
    setSignedOutHandler(() => {});
  });

  test('ok: errors are said in words; DCV text is kept', () => {
    expect(describeError(new ApiError(502, 'DCV_FAILED', 'All licenses in use'))).toBe('DCV could not start the session: All licenses in use.');
    // A code this app does not know yet (a newer director's) is said in the director's words.
    expect(describeError(new ApiError(400, 'SOMETHING_NEW' as ErrorCode, 'field "x" is required'))).toBe('Field "x" is required.');
    expect(describeError(new Error('boom'))).toBe('Something went wrong. Please try again.');
    expect([formatWait(1), formatWait(42), formatWait(61)]).toEqual(['1 second', '42 seconds', '2 minutes']);
  });

  test('ok: hash routes parse into path and params', () => {
    expect(parseHash('')).toMatchObject({ path: '/' });
    const route = parseHash('#/admin/agents?state=pending');
    expect([route.path, route.params.get('state')]).toEqual(['/admin/agents', 'pending']);
  });
  test('ok: the director counts as unreachable only on a failed fetch or a bare 5xx; any answer brings it back', async () => {
    await fail(call(down().v1.user.servers.get()));
    expect(connectivity().reachable).toBe(false);
    await fail(call(answering(502, '<html>Bad gateway</html>', { 'content-type': 'text/html' }).client.v1.user.servers.get()));
    expect(connectivity().reachable).toBe(false);
    await fail(call(answering(401, { error: { code: 'UNAUTHENTICATED', message: 'x' } }).client.v1.user.servers.get(), { noSignOut: true }));
    expect(connectivity().reachable).toBe(true);
    const before = connectivity().lastAnswer;
    await call(answering(200, { status: 'ok' }).client.v1.health.get());
    expect(connectivity().lastAnswer).toBeGreaterThanOrEqual(before);
  });

  test('ok: SESSION_REVOKED signs out like SESSION_EXPIRED', async () => {
    const seen: string[] = [];
    setSignedOutHandler((e) => seen.push(e.code));
    await fail(call(answering(401, { error: { code: 'SESSION_REVOKED', message: 'signed out' } }).client.v1.me.get()));
    expect(seen).toEqual(['SESSION_REVOKED']);
    expect(describeError(new ApiError(401, 'SESSION_REVOKED', 'x'))).toBe('You were signed out. Please sign in again.');
    setSignedOutHandler(() => {});
  });

  test('ok: memory is shown in GiB', () => {
    expect(bytes(64 * 2 ** 30)).toBe('64 GiB');
    expect(bytes(1.5 * 2 ** 30)).toBe('1.5 GiB');
    expect(bytes(0)).toBe('0 GiB');
  });
});
