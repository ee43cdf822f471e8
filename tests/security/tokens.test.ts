import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { DEFAULT_POLICY, startDirector, TEST_USERS, type DirectorHandle } from '../helpers/dcvix.ts';
import { callFrom } from '../helpers/bound-client.ts';
import { call, eventually, login } from '../helpers/https.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';

/** Sign-out that signs out, policy-checked admin rights, lock-outs only per (user, address), wire hygiene. */
let director: DirectorHandle;
const api = (path: string, init: Parameters<typeof call>[1] = {}) => call(`${director.url}${path}`, { ca: director.caPem, ...init });
const as = (user: string, role: 'user' | 'admin' = 'user') => login(director.url, director.caPem, user, TEST_USERS[user]!, role);

beforeAll(async () => {
  const users = structuredClone(DEFAULT_POLICY.users) as any;
  users.admins = ['admin', 'carol'];
  director = await startDirector({ policy: { ...DEFAULT_POLICY, users }, config: { throttle: { max_failures: 3, window: '10m' } } });
}, 60_000);

afterAll(async () => {
  await director?.stop();
  cleanupTempDirs();
});

describe('session tokens', () => {
  test('rejects: a copied cookie after logout answers 401 SESSION_REVOKED', async () => {
    const alice = await as('alice');
    const copy = alice;
    expect((await api('/v1/me', { cookie: copy })).status).toBe(200);
    const out = await api('/v1/logout', { method: 'POST', cookie: alice });
    expect(out.status).toBe(200);
    expect(out.headers.getSetCookie()[0]).toContain('Max-Age=0');
    const response = await api('/v1/me', { cookie: copy });
    expect([response.status, response.json.error.code]).toEqual([401, 'SESSION_REVOKED']);
    // Kept until the token's own expiry, in the store.
    const db = new Database(`${director.dataDir}/agents.db`, { readonly: true });
    expect(db.query<{ n: number }, []>('SELECT count(*) AS n FROM revoked_tokens WHERE expires_at > unixepoch() * 1000').get()!.n).toBeGreaterThanOrEqual(1);
    db.close();
    expect((await api('/v1/me', { cookie: await as('alice') })).status).toBe(200);
  });

  test('rejects: a cookie copied before a renewal, after logout with the renewed one; other logins stay', async () => {
    const copied = await as('alice');
    const other = await as('alice');
    const renewed = await api('/v1/renew', { method: 'POST', cookie: copied });
    expect(renewed.status).toBe(200);
    const fresh = renewed.headers.get('set-cookie')!.split(';')[0]!;
    expect(fresh).not.toBe(copied);
    expect((await api('/v1/logout', { method: 'POST', cookie: fresh })).status).toBe(200);
    for (const cookie of [fresh, copied]) {
      const response = await api('/v1/me', { cookie });
      expect([response.status, response.json.error.code]).toEqual([401, 'SESSION_REVOKED']);
    }
    // Nor can the copied cookie renew itself back to life; another browser's login is untouched.
    expect((await api('/v1/renew', { method: 'POST', cookie: copied })).json.error.code).toBe('SESSION_REVOKED');
    expect((await api('/v1/me', { cookie: other })).status).toBe(200);
  });

  test('ok: tokens carry authTime; the cookie outlives the token by an hour', async () => {
    const response = await api('/v1/user/login', { method: 'POST', json: { userID: 'bob', password: TEST_USERS.bob } });
    expect(response.headers.get('cache-control')).toBe('no-store');
    const maxAge = Number(response.headers.get('set-cookie')!.match(/Max-Age=(\d+)/)![1]);
    const lifetime = (Date.parse(response.json.expiresAt) - Date.now()) / 1000;
    expect(maxAge - lifetime).toBeGreaterThan(3590);
    expect(maxAge - lifetime).toBeLessThan(3610);
    const me = await api('/v1/me', { cookie: response.headers.get('set-cookie')!.split(';')[0] });
    expect(Math.abs(Date.parse(me.json.authTime) - Date.now())).toBeLessThan(60_000);
  });

  test('ok: an admin signs a user out everywhere (audited); tokens from earlier logins are refused', async () => {
    const a1 = await as('alice');
    const a2 = await as('alice');
    const bob = await as('bob');
    const admin = await as('admin', 'admin');
    const denied = await api('/v1/admin/users/alice/signout', { method: 'POST', cookie: bob });
    expect(denied.status).toBe(403);
    // A name neither the policy nor a past login knows is a typo, not a success.
    const typo = await api('/v1/admin/users/alcie/signout', { method: 'POST', cookie: admin });
    expect([typo.status, typo.json.error.code]).toEqual([404, 'USER_NOT_FOUND']);
    const response = await api('/v1/admin/users/alice/signout', { method: 'POST', cookie: admin });
    expect(response.status).toBe(200);
    expect(response.json.user).toBe('alice');
    await Bun.sleep(5);
    for (const revokedCookie of [a1, a2]) expect((await api('/v1/user/servers', { cookie: revokedCookie })).json.error.code).toBe('SESSION_REVOKED');
    expect((await api('/v1/user/servers', { cookie: bob })).status).toBe(200);
    expect((await api('/v1/user/servers', { cookie: await as('alice') })).status).toBe(200);
    const audit = await api('/v1/admin/audit?type=user.signout', { cookie: admin });
    expect(audit.json.events[0]).toMatchObject({ type: 'user.signout', actor: 'admin', target: 'alice', outcome: 'success' });
  });

  test('rejects: an admin demoted in the policy loses admin rights once the new version is in force, with the same token', async () => {
    const carol = await as('carol', 'admin');
    expect((await api('/v1/admin/agents', { cookie: carol })).status).toBe(200);
    // Admin rights on user routes too: configuring a server carol has no entitlement to gets past the
    // permission check (the server does not exist) while she is an admin, and is refused after.
    const configure = () => api('/v1/user/servers/ws-none/config', { method: 'POST', cookie: carol, json: { config: [{ section: 'display', key: 'quality', value: '(30,80)' }] } });
    expect((await configure()).json.error.code).not.toBe('NOT_PERMITTED');
    expect((await director.importPolicy({ users: DEFAULT_POLICY.users })).code).toBe(0);
    const response = await eventually(
      async () => {
        const response = await api('/v1/admin/agents', { cookie: carol });
        return response.status === 403 ? response : undefined;
      },
      5000,
      'carol loses admin',
    );
    expect(response.json.error.code).toBe('NOT_ADMIN');
    expect([(await configure()).status, (await configure()).json.error.code]).toEqual([403, 'NOT_PERMITTED']);
    expect((await api('/v1/admin/agents', { cookie: await as('admin', 'admin') })).status).toBe(200);
  });
});

describe('login throttling per (user, address)', () => {
  test('ok: failures from 127.0.0.2 do not block the right password from 127.0.0.1; the lock-out says when to retry', async () => {
    const url = `${director.url}/v1/admin/login`;
    let last: Awaited<ReturnType<typeof callFrom>> | undefined;
    for (let attempt = 0; attempt < 4; attempt++) last = await callFrom('127.0.0.2', url, director.caPem, { method: 'POST', json: { userID: 'admin', password: 'wrong' } });
    expect(last!.status).toBe(429);
    expect(last!.json.error.code).toBe('TOO_MANY_ATTEMPTS');
    const retry = Number(last!.headers['retry-after']);
    expect(retry).toBeGreaterThan(500);
    expect(last!.json.error.message).toMatch(/try again in \d+ s \(at \d{4}-\d\d-\d\dT/);
    const ok = await callFrom('127.0.0.1', url, director.caPem, { method: 'POST', json: { userID: 'admin', password: TEST_USERS.admin } });
    expect(ok.status).toBe(200);
    // The attacker's own address stays locked, even with the right password.
    const still = await callFrom('127.0.0.2', url, director.caPem, { method: 'POST', json: { userID: 'admin', password: TEST_USERS.admin } });
    expect(still.status).toBe(429);
  });
});

describe('wire hygiene', () => {
  test('ok: HSTS and nosniff on every answer (success, API error, web page, unknown path, 405, oversized header and body)', async () => {
    const refused = [
      await api('/v1/user/login'),
      await api('/v1/health', { headers: { 'x-big': 'a'.repeat(20_000) } }),
      await api('/v1/user/login', { method: 'POST', body: 'a'.repeat(5 * 1024 * 1024) }),
    ];
    expect(refused.map((r) => r.status)).toEqual([405, 431, 413]);
    for (const response of [await api('/v1/health'), await api('/v1/user/servers'), await api('/'), await api('/nope'), ...refused]) {
      expect(response.headers.get('strict-transport-security')).toStartWith('max-age=');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  test('rejects: TLS 1.2 CBC / SHA-1 suites; ok: ECDHE-ECDSA AES-GCM and ChaCha20 (openssl s_client)', () => {
    const handshake = (cipher: string) =>
      Bun.spawnSync(['openssl', 's_client', '-connect', `127.0.0.1:${director.port}`, '-tls1_2', '-cipher', cipher], { stdin: new TextEncoder().encode('Q\n'), stdout: 'pipe', stderr: 'pipe' });
    for (const weak of ['ECDHE-ECDSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA384', 'AES128-SHA', 'AES128-GCM-SHA256']) {
      const result = handshake(weak);
      expect(result.stdout.toString()).not.toContain(`Cipher is ${weak}`);
    }
    for (const good of ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305']) {
      expect(handshake(good).stdout.toString()).toContain(`Cipher is ${good}`);
    }
  });

  test('rejects: a TLS 1.2 renegotiation (a connection keeps the client certificate it began with; the server reads it once)', async () => {
    const child = Bun.spawn(['openssl', 's_client', '-connect', `127.0.0.1:${director.port}`, '-tls1_2'], { stdin: 'pipe', stdout: 'pipe', stderr: 'pipe' });
    await Bun.sleep(500);
    child.stdin.write('R\n');
    await child.stdin.flush();
    const ended = await Promise.race([child.exited, Bun.sleep(5000).then(() => 'timeout')]);
    child.kill();
    const output = (await new Response(child.stdout).text()) + (await new Response(child.stderr).text());
    expect(ended).not.toBe('timeout');
    expect(output).toContain('RENEGOTIATING');
    expect(output).toContain('no renegotiation');
  });

  test('rejects: a known path with a wrong method answers 405 with Allow; an unknown path stays 404', async () => {
    const response = await api('/v1/user/login');
    expect([response.status, response.json.error.code]).toEqual([405, 'METHOD_NOT_ALLOWED']);
    expect(response.headers.get('allow')).toBe('POST');
    const wrongMethod = await api('/v1/user/sessions/abc', { method: 'PUT' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toContain('DELETE');
    expect((await api('/v1/no-such-thing')).status).toBe(404);
  });
});
