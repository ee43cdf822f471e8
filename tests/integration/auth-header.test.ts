import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { callFrom } from '../helpers/bound-client.ts';
import { startDirector, type DirectorHandle } from '../helpers/dcvix.ts';
import { call, login } from '../helpers/https.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';

/**
 * Header sign-in ([auth.header]) through a real director: the proxy's header counts on connections from
 * auth.header.trusted (127.0.0.1 here) and is refused and audited from any other address (127.0.0.2).
 */
let director: DirectorHandle;
const cookieOf = (setCookie: string | string[] | undefined) =>
  [setCookie ?? []]
    .flat()
    .join(';')
    .match(/dcvix_session=[^;]+/)?.[0];

const signIn = (from: string, headers: Record<string, string>, json: unknown = {}) => callFrom(from, `${director.url}/v1/auth/header`, director.caPem, { method: 'POST', json, headers });

describe('header sign-in behind an authenticating proxy', () => {
  beforeAll(async () => {
    director = await startDirector({
      config: { auth: { header: { user_header: 'X-Forwarded-User', groups_header: 'X-Forwarded-Groups', trusted: ['127.0.0.1/32'] } } },
    });
  }, 30_000);
  afterAll(async () => {
    await director?.stop();
    cleanupTempDirs();
  });

  test('ok: from the trusted proxy address the header signs the user in, with the header groups', async () => {
    const answer = await signIn('127.0.0.1', { 'x-forwarded-user': 'alice', 'x-forwarded-groups': 'staff, gpu-users ,' });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ user: 'alice', role: 'user', groups: ['staff', 'gpu-users'] });
    const cookie = cookieOf(answer.headers['set-cookie']);
    expect(cookie).toBeDefined();
    const me = await callFrom('127.0.0.1', `${director.url}/v1/me`, director.caPem, { cookie });
    expect(me.json).toMatchObject({ user: 'alice', role: 'user' });
    const probe = (from: string, headers: Record<string, string>) => callFrom(from, `${director.url}/v1/auth/header`, director.caPem, { headers });
    expect((await probe('127.0.0.1', { 'x-forwarded-user': 'alice' })).json).toEqual({ enabled: true, available: true });
    expect((await probe('127.0.0.1', {})).json).toEqual({ enabled: true, available: false });
    expect((await probe('127.0.0.2', { 'x-forwarded-user': 'alice' })).json).toEqual({ enabled: true, available: false });
  });

  test('rejects: the same header from another address signs no one in, and is audited', async () => {
    const answer = await signIn('127.0.0.2', { 'x-forwarded-user': 'admin' }, { role: 'admin' });
    expect(answer.status).toBe(403);
    expect(answer.json.error.code).toBe('HEADER_AUTH_UNTRUSTED');
    expect(cookieOf(answer.headers['set-cookie'])).toBeUndefined();
    const admin = await login(director.url, director.caPem, 'admin', 'admin-pw', 'admin');
    const events = (await call(`${director.url}/v1/admin/audit?type=login&outcome=failure&limit=50`, { ca: director.caPem, cookie: admin })).json.events;
    expect(events).toContainEqual(
      expect.objectContaining({ backend: 'header', clientAddress: '127.0.0.2', outcome: 'failure', detail: expect.stringContaining('not from a trusted proxy; header named "admin"') }),
    );
  });

  test('rejects: no user header from the proxy, or an admin sign-in for a user the policy does not make admin', async () => {
    const none = await signIn('127.0.0.1', {});
    expect([none.status, none.json.error.code]).toEqual([401, 'HEADER_AUTH_MISSING']);
    const notAdmin = await signIn('127.0.0.1', { 'x-forwarded-user': 'alice' }, { role: 'admin' });
    expect([notAdmin.status, notAdmin.json.error.code]).toEqual([403, 'NOT_ADMIN']);
    const admin = await signIn('127.0.0.1', { 'x-forwarded-user': 'admin' }, { role: 'admin' });
    expect(admin.json).toMatchObject({ user: 'admin', role: 'admin' });
  });
});
