import { describe, expect, test } from 'bun:test';
import { api, ApiError, describeError, formatWait, isSignedOut, setSignedOutHandler } from './api.ts';
import { connectivity } from './connectivity.ts';
import { bytes } from './format.ts';
import { parseHash } from './router.ts';

const reply = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  (async () => new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers })) as unknown as typeof fetch;
const fail = async (p: Promise<unknown>) => p.then(() => { throw new Error('expected a rejection'); }, (e: unknown) => e as ApiError);

describe('api', () => {
  test('ok: sends JSON with credentials and returns the parsed body', async () => {
    let seen: RequestInit | undefined;
    const f = (async (_u: string, init: RequestInit) => ((seen = init), new Response('{"a":1}'))) as unknown as typeof fetch;
    expect(await api('/v1/x', { method: 'POST', body: { b: 2 } }, f)).toEqual({ a: 1 });
    expect(seen).toMatchObject({ method: 'POST', credentials: 'include', body: '{"b":2}' });
    expect((seen!.headers as Record<string, string>)['content-type']).toBe('application/json');
  });

  test('ok: the error envelope becomes an ApiError with expected, state, enrolment and Retry-After', async () => {
    const e = await fail(api('/v1/user/login', { noSignOut: true }, reply(401, { error: { code: 'INSUFFICIENT_CREDENTIALS', message: 'Enter OTP', expected: ['otp'], state: 's1', enrolmentRequired: true } })));
    expect(e).toBeInstanceOf(ApiError);
    expect([e.status, e.code, e.message, e.expected, e.state, e.enrolmentRequired]).toEqual([401, 'INSUFFICIENT_CREDENTIALS', 'Enter OTP', ['otp'], 's1', true]);
    const t = await fail(api('/x', {}, reply(429, { error: { code: 'TOO_MANY_ATTEMPTS', message: 'slow down' } }, { 'retry-after': '90' })));
    expect(t.retryAfter).toBe(90);
    expect(describeError(t)).toBe('Too many attempts. Try again in 2 minutes.');
  });

  test('rejects: network failures and 5xx without an envelope read as "server unavailable"', async () => {
    const down = (async () => { throw new TypeError('fetch failed'); }) as unknown as typeof fetch;
    expect((await fail(api('/x', {}, down))).code).toBe('SERVER_UNAVAILABLE');
    expect((await fail(api('/x', {}, reply(502, '<html>bad gateway</html>')))).code).toBe('SERVER_UNAVAILABLE');
  });

  test('ok: 401 SESSION_EXPIRED calls the signed-out handler, except on login calls', async () => {
    const seen: string[] = [];
    setSignedOutHandler((e) => seen.push(e.code));
    const expired = reply(401, { error: { code: 'SESSION_EXPIRED', message: 'log in again' } });
    expect(isSignedOut(await fail(api('/v1/me', {}, expired)))).toBe(true);
    await fail(api('/v1/user/login', { noSignOut: true }, expired));
    await fail(api('/v1/me', {}, reply(401, { error: { code: 'INVALID_CREDENTIALS', message: 'no' } })));
    expect(seen).toEqual(['SESSION_EXPIRED']);
    setSignedOutHandler(() => {});
  });

  test('ok: errors are said in words; DCV text is kept', () => {
    expect(describeError(new ApiError(502, 'DCV_FAILED', 'All licenses in use'))).toBe('DCV could not start the session: All licenses in use.');
    expect(describeError(new ApiError(400, 'SOMETHING_NEW', 'field "x" is required'))).toBe('Field "x" is required.');
    expect(describeError(new Error('boom'))).toBe('Something went wrong. Please try again.');
    expect([formatWait(1), formatWait(42), formatWait(61)]).toEqual(['1 second', '42 seconds', '2 minutes']);
  });

  test('ok: hash routes parse into path and params', () => {
    expect(parseHash('')).toMatchObject({ path: '/' });
    const r = parseHash('#/admin/agents?state=pending');
    expect([r.path, r.params.get('state')]).toEqual(['/admin/agents', 'pending']);
  });
  test('ok: the director counts as unreachable only on a failed fetch or a bare 5xx; any answer brings it back', async () => {
    const down = (async () => { throw new TypeError('Failed to fetch'); }) as unknown as typeof fetch;
    await fail(api('/v1/user/servers', {}, down));
    expect(connectivity().reachable).toBe(false);
    await fail(api('/v1/user/servers', {}, reply(502, '<html>Bad gateway</html>')));
    expect(connectivity().reachable).toBe(false);
    await fail(api('/v1/user/servers', { noSignOut: true }, reply(401, { error: { code: 'UNAUTHENTICATED', message: 'x' } })));
    expect(connectivity().reachable).toBe(true);
    const before = connectivity().lastAnswer;
    await api('/v1/health', {}, reply(200, { status: 'ok' }));
    expect(connectivity().lastAnswer).toBeGreaterThanOrEqual(before);
  });

  test('ok: SESSION_REVOKED signs out like SESSION_EXPIRED', async () => {
    const seen: string[] = [];
    setSignedOutHandler((e) => seen.push(e.code));
    await fail(api('/v1/me', {}, reply(401, { error: { code: 'SESSION_REVOKED', message: 'signed out' } })));
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
