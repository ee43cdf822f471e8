import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { call, login } from '../helpers/https.ts';
import { CookieJar, finishAtDirector, signInAtProvider, startSsoScene, visit, type SsoScene } from '../helpers/sso-scene.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';

/**
 * Single sign-on against a real OpenID provider (oidc-provider over TLS) and a real director process:
 * the flow, the session it gives (the same as a password login's, groups from the provider), the
 * provider's sign-out, and every bad case answering the sign-in page with its code and issuing nothing.
 */
let scene: SsoScene;

const failurePage = (code: string, provider = 'corp', page = 'login') => `/#/${page}?sso_error=${code}&provider=${provider}`;

async function me(session: string) {
  return call(`${scene.director.url}/v1/me`, { ca: scene.director.caPem, cookie: `dcvix_session=${session}` });
}

describe('single sign-on (OpenID Connect)', () => {
  beforeAll(async () => {
    scene = await startSsoScene();
  }, 30_000);

  afterAll(async () => {
    await scene?.stop();
    cleanupTempDirs();
  });

  test('ok: a provider user signs in; the session carries the groups claim and the provider auth_time', async () => {
    const { jar, callback } = await signInAtProvider(scene, 'erin');
    const before = Date.now();
    const done = await finishAtDirector(callback, jar);
    expect(done).toMatchObject({ status: 302, location: '/#/' });
    expect(jar.cookies.has('dcvix_oidc_tx')).toBe(false);
    const answer = await me(done.session!);
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ user: 'erin', role: 'user', groups: ['engineers'] });
    expect(Date.parse(answer.json.authTime)).toBeLessThanOrEqual(before);
    const servers = await call(`${scene.director.url}/v1/user/servers`, { ca: scene.director.caPem, cookie: `dcvix_session=${done.session}` });
    expect(servers.json.pools.map((p: { id: string }) => p.id)).toEqual(['workstations']);
  }, 20_000);

  test('ok: the session cookie is the one a password login sets; an admin group signs in at the admin sign-in and returns to the page it came from', async () => {
    const password = await fetch(`${scene.director.url}/v1/user/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userID: 'alice', password: 'alice-pw' }),
      tls: { rejectUnauthorized: false },
    } as RequestInit);
    const attributes = (line: string) => line.split('; ').slice(1).join('; ');
    const { jar, callback } = await signInAtProvider(scene, 'oscar', 'admin', '/admin/servers');
    const response = await visit(callback, jar);
    expect(response.headers.get('location')).toBe('/#/admin/servers');
    const sso = response.headers.getSetCookie().find((line) => line.startsWith('dcvix_session='))!;
    expect(attributes(sso)).toBe(attributes(password.headers.getSetCookie()[0]!));
    const answer = await me(jar.cookies.get('dcvix_session')!);
    expect(answer.json).toMatchObject({ user: 'oscar', role: 'admin', groups: ['dcv-ops'] });
    const agents = await call(`${scene.director.url}/v1/admin/agents`, { ca: scene.director.caPem, cookie: `dcvix_session=${jar.cookies.get('dcvix_session')}` });
    expect(agents.status).toBe(200);
  }, 20_000);

  test('ok: sign-out answers the provider end-session URL with the ID token as hint, once', async () => {
    const { jar, callback } = await signInAtProvider(scene, 'erin');
    await finishAtDirector(callback, jar);
    expect(jar.cookies.has('dcvix_oidc_signout')).toBe(true);
    expect((await visit(`${scene.director.url}/v1/logout`, jar, { method: 'POST' })).status).toBe(200);
    const first = await visit(`${scene.director.url}/v1/auth/oidc/signout`, jar, { method: 'POST' });
    const url = new URL(((await first.json()) as { url: string }).url);
    expect(url.origin).toBe(scene.provider.issuer);
    expect(url.searchParams.get('post_logout_redirect_uri')).toBe(`${scene.publicUrl}/`);
    expect(url.searchParams.get('id_token_hint')?.split('.')).toHaveLength(3);
    expect(await (await visit(`${scene.director.url}/v1/auth/oidc/signout`, jar, { method: 'POST' })).json()).toEqual({});
  }, 20_000);

  test('rejects: a hint left by an earlier single sign-on does not end the provider session when a later password sign-in signs out', async () => {
    // oscar: erin's sign-ins of this second were signed out above (a login is its user and auth_time, in seconds).
    const { jar, callback } = await signInAtProvider(scene, 'oscar');
    await finishAtDirector(callback, jar);
    expect(jar.cookies.has('dcvix_oidc_signout')).toBe(true);
    // The same browser signs in with a password (its session cookie replaced), then signs out of that.
    const password = await call(`${scene.director.url}/v1/user/login`, { method: 'POST', ca: scene.director.caPem, json: { userID: 'alice', password: 'alice-pw' } });
    jar.cookies.set('dcvix_session', password.headers.get('set-cookie')!.split(';')[0]!.slice('dcvix_session='.length));
    expect((await visit(`${scene.director.url}/v1/logout`, jar, { method: 'POST' })).status).toBe(200);
    const signout = await visit(`${scene.director.url}/v1/auth/oidc/signout`, jar, { method: 'POST' });
    expect(await signout.json()).toEqual({});
    expect(jar.cookies.has('dcvix_oidc_signout')).toBe(false);
  }, 20_000);

  test('rejects: a tampered state, or a callback without the transaction cookie, gets OIDC_STATE_MISMATCH and no session', async () => {
    const { jar, callback } = await signInAtProvider(scene, 'erin');
    const tampered = new URL(callback);
    tampered.searchParams.set('state', `${tampered.searchParams.get('state')}x`);
    expect(await finishAtDirector(tampered.href, jar)).toEqual({ status: 302, location: failurePage('OIDC_STATE_MISMATCH'), session: undefined });
    // The transaction cookie is gone with the failed attempt: the genuine callback is refused too.
    expect(await finishAtDirector(callback, jar)).toEqual({ status: 302, location: failurePage('OIDC_STATE_MISMATCH'), session: undefined });
    const other = await signInAtProvider(scene, 'erin');
    expect(await finishAtDirector(other.callback, new CookieJar())).toEqual({ status: 302, location: failurePage('OIDC_STATE_MISMATCH'), session: undefined });
  }, 20_000);

  test('rejects: a code used twice (same callback, same transaction cookie) gets OIDC_CODE_REJECTED the second time', async () => {
    const { jar, callback } = await signInAtProvider(scene, 'erin');
    const copy = new CookieJar();
    for (const [name, value] of jar.cookies) copy.cookies.set(name, value);
    expect((await finishAtDirector(callback, jar)).session).toBeDefined();
    expect(await finishAtDirector(callback, copy)).toEqual({ status: 302, location: failurePage('OIDC_CODE_REJECTED'), session: undefined });
  }, 20_000);

  test('rejects: an ID token for another audience, from another issuer, expired, unsigned or with another nonce gets OIDC_TOKEN_INVALID', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases = {
      audience: (c: Record<string, unknown>) => ({ ...c, aud: 'someone-else' }),
      issuer: (c: Record<string, unknown>) => ({ ...c, iss: 'https://evil.example' }),
      expired: (c: Record<string, unknown>) => ({ ...c, iat: now - 7200, exp: now - 3600 }),
      unsigned: () => 'unsigned' as const,
      nonce: (c: Record<string, unknown>) => ({ ...c, nonce: 'replayed-nonce' }),
    };
    try {
      // The control: the same token re-signed unchanged is accepted (the rewriting itself breaks nothing).
      const control = await signInAtProvider(scene, 'erin');
      scene.provider.tamper = (c) => c;
      expect((await finishAtDirector(control.callback, control.jar)).location).toBe('/#/');
      for (const [name, tamper] of Object.entries(cases)) {
        const { jar, callback } = await signInAtProvider(scene, 'erin');
        scene.provider.tamper = tamper;
        expect({ name, ...(await finishAtDirector(callback, jar)) }).toEqual({ name, status: 302, location: failurePage('OIDC_TOKEN_INVALID'), session: undefined });
        scene.provider.tamper = undefined;
      }
    } finally {
      scene.provider.tamper = undefined;
    }
  }, 30_000);

  test('rejects: a user the policy does not know, and a non-admin at the admin sign-in, get no session', async () => {
    const mallory = await signInAtProvider(scene, 'mallory');
    expect(await finishAtDirector(mallory.callback, mallory.jar)).toEqual({ status: 302, location: failurePage('OIDC_USER_UNKNOWN'), session: undefined });
    const erin = await signInAtProvider(scene, 'erin', 'admin');
    expect(await finishAtDirector(erin.callback, erin.jar)).toEqual({ status: 302, location: failurePage('NOT_ADMIN', 'corp', 'admin/login'), session: undefined });
  }, 20_000);

  test('rejects: a provider that is down or does not answer fails only its own button, within its timeout', async () => {
    for (const name of ['down', 'slow']) {
      const jar = new CookieJar();
      const started = Date.now();
      const response = await visit(`${scene.director.url}/v1/auth/oidc/${name}/start`, jar);
      expect({ name, status: response.status, location: response.headers.get('location') }).toEqual({ name, status: 302, location: failurePage('OIDC_PROVIDER_UNAVAILABLE', name) });
      expect(Date.now() - started).toBeLessThan(8_000);
      expect(jar.cookies.size).toBe(0);
    }
    const unknown = await visit(`${scene.director.url}/v1/auth/oidc/nope/start`, new CookieJar());
    expect(unknown.headers.get('location')).toBe(failurePage('OIDC_UNKNOWN_PROVIDER', 'nope'));
    const providers = await call(`${scene.director.url}/v1/auth/oidc/providers`, { ca: scene.director.caPem });
    expect(providers.json).toEqual({
      providers: [
        { name: 'corp', displayName: 'Corp' },
        { name: 'down', displayName: 'down' },
        { name: 'slow', displayName: 'slow' },
      ],
      passwordForm: true,
    });
  }, 30_000);

  test('ok: every outcome is a login.oidc audit event with its reason', async () => {
    const admin = await login(scene.director.url, scene.director.caPem, 'admin', 'admin-pw', 'admin');
    const events = (await call(`${scene.director.url}/v1/admin/audit?type=login.oidc&limit=100`, { ca: scene.director.caPem, cookie: admin })).json.events as {
      actor?: string;
      outcome: string;
      detail: string;
      backend: string;
    }[];
    const details = events.map((e) => `${e.outcome} ${e.backend} ${e.actor ?? '-'} ${e.detail.split(':')[0]}`);
    expect(details).toContain('success oidc:corp erin role=user; groups=engineers');
    expect(details).toContain('success oidc:corp oscar role=admin; groups=dcv-ops');
    expect(details).toContain('failure oidc:corp - role=user; OIDC_STATE_MISMATCH');
    expect(details).toContain('failure oidc:corp - role=user; OIDC_CODE_REJECTED');
    expect(details).toContain('failure oidc:corp - role=user; OIDC_TOKEN_INVALID');
    expect(details).toContain('failure oidc:corp mallory role=user; OIDC_USER_UNKNOWN');
    expect(details).toContain('failure oidc:down - role=user; OIDC_PROVIDER_UNAVAILABLE');
    // The reasons name what failed; the ID token itself is never in them.
    const reasons = events.filter((e) => e.detail.includes('OIDC_TOKEN_INVALID')).map((e) => e.detail);
    for (const what of ['"aud"', '"iss"', '"exp"', 'nonce']) expect(reasons.some((r) => r.includes(what))).toBe(true);
    expect(events.some((e) => /eyJ[\w-]+\.eyJ/.test(e.detail))).toBe(false);
  }, 20_000);

  // Last: it stops the provider.
  test('rejects: the provider stopped mid-login gets OIDC_PROVIDER_UNAVAILABLE and no session', async () => {
    const { jar, callback } = await signInAtProvider(scene, 'erin');
    await scene.provider.stop();
    expect(await finishAtDirector(callback, jar)).toEqual({ status: 302, location: failurePage('OIDC_PROVIDER_UNAVAILABLE'), session: undefined });
  }, 20_000);
});
