import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { systemClock } from '../../shared/clock.ts';
import { TokenService } from '../../director/tokens/token-service.ts';
import { startDirector, TEST_USERS, type DirectorHandle } from '../helpers/dcvix.ts';
import { call } from '../helpers/https.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';

/** POST /v1/renew against a real director: a fresh cookie keeping authTime, refused past session_absolute_max. */
const KEY = 'c3'.repeat(32);
const tokens = new TokenService({ key: new Uint8Array(Buffer.from(KEY, 'hex')), clock: systemClock });
let director: DirectorHandle;
const api = (path: string, init: Parameters<typeof call>[1] = {}) => call(`${director.url}${path}`, { ca: director.caPem, ...init });
const sessionOf = (r: { headers: Headers }) => r.headers.getSetCookie().find((c) => c.startsWith('dcvix_session='))?.split(';')[0];

beforeAll(async () => {
  director = await startDirector({ config: { token_key: KEY, session_token_ttl: '10m', session_absolute_max: '1h' } });
}, 60_000);

afterAll(async () => {
  await director?.stop();
  cleanupTempDirs();
});

describe('POST /v1/renew', () => {
  test('ok: a signed-in user and an admin get a fresh token that keeps authTime', async () => {
    for (const [user, role] of [['alice', 'user'], ['admin', 'admin']] as const) {
      const login = await api(`/v1/${role}/login`, { method: 'POST', json: { userID: user, password: TEST_USERS[user] } });
      expect(login.status).toBe(200);
      const first = sessionOf(login)!;
      const before = await tokens.verifySession(first.slice('dcvix_session='.length));
      await Bun.sleep(1100); // a later iat, so the fresh token differs in time too
      const r = await api('/v1/renew', { method: 'POST', cookie: first });
      expect(r.status).toBe(200);
      expect(r.headers.get('cache-control')).toBe('no-store');
      expect(r.json).toMatchObject({ user, role });
      const fresh = sessionOf(r)!;
      expect(fresh).not.toBe(first);
      const after = await tokens.verifySession(fresh.slice('dcvix_session='.length));
      expect(after.authTime).toBe(before.authTime);
      expect(Date.parse(after.exp)).toBeGreaterThan(Date.parse(before.exp));
      expect(r.json.expiresAt).toBe(new Date(Date.parse(after.exp)).toISOString());
      expect((await api('/v1/me', { cookie: fresh })).json.expiresAt).toBe(r.json.expiresAt);
    }
  });

  test('rejects: past session_absolute_max since the password login -> 401 SESSION_EXPIRED, no cookie', async () => {
    const old = await tokens.issueSession({ sub: 'alice', role: 'user', ttlMs: 5 * 60_000, authTime: new Date(Date.now() - 61 * 60_000).toISOString() });
    const r = await api('/v1/renew', { method: 'POST', cookie: `dcvix_session=${old.token}` });
    expect([r.status, r.json.error.code]).toEqual([401, 'SESSION_EXPIRED']);
    expect(sessionOf(r)).toBeUndefined();
  });

  test('rejects: no cookie, an expired token or a cross-site request', async () => {
    expect((await api('/v1/renew', { method: 'POST' })).json.error.code).toBe('UNAUTHENTICATED');
    const expired = await new TokenService({ key: new Uint8Array(Buffer.from(KEY, 'hex')), clock: { now: () => Date.now() - 3_600_000 } }).issueSession({ sub: 'alice', role: 'user', ttlMs: 60_000 });
    expect((await api('/v1/renew', { method: 'POST', cookie: `dcvix_session=${expired.token}` })).json.error.code).toBe('SESSION_EXPIRED');
    const fresh = await tokens.issueSession({ sub: 'alice', role: 'user', ttlMs: 60_000 });
    const cross = await api('/v1/renew', { method: 'POST', cookie: `dcvix_session=${fresh.token}`, headers: { origin: 'https://evil.example' } });
    expect([cross.status, cross.json.error.code]).toEqual([403, 'CSRF_REJECTED']);
  });
});
