import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { generate } from 'otplib';
import { startDirector, TEST_USERS, type DirectorHandle } from '../helpers/dcvix.ts';
import { call } from '../helpers/https.ts';
import { cleanupTempDirs } from '../helpers/temp.ts';

/** Login over HTTP with built-in TOTP and throttling: the envelope, cookies and audit trail. */
let director: DirectorHandle;
const api = (path: string, init: Parameters<typeof call>[1] = {}) => call(`${director.url}${path}`, { ca: director.caPem, ...init });
const cookieOf = (r: { headers: Headers }, name: string) => r.headers.getSetCookie().find((c) => c.startsWith(`${name}=`))?.split(';')[0];

beforeAll(async () => {
  director = await startDirector({ config: { otp: { backend: 'totp' }, throttle: { max_failures: 3, window: '2s' } } });
}, 60_000);

afterAll(async () => {
  await director?.stop();
  cleanupTempDirs();
});

describe('login with built-in TOTP', () => {
  let secret: string;

  test('ok: right password, no TOTP yet -> INSUFFICIENT_CREDENTIALS asking to enrol, enrolment cookie only', async () => {
    const r = await api('/v1/user/login', { method: 'POST', json: { userID: 'alice', password: TEST_USERS.alice } });
    expect(r.status).toBe(401);
    expect(r.json.error).toMatchObject({ code: 'INSUFFICIENT_CREDENTIALS', expected: ['otp'], enrolmentRequired: true });
    expect(cookieOf(r, 'dcvix_session')).toBeUndefined();
    const enrol = cookieOf(r, 'dcvix_enrol')!;
    expect(r.headers.getSetCookie().join()).toContain('HttpOnly; Secure; SameSite=Strict');
    // It carries a token: no cache may keep it; nor the TOTP secret below.
    expect(r.headers.get('cache-control')).toBe('no-store');
    // The enrolment cookie opens the TOTP routes and nothing else.
    expect((await api('/v1/user/servers', { cookie: enrol })).status).toBe(401);
    const start = await api('/v1/user/totp/enrol', { method: 'POST', cookie: enrol });
    expect(start.status).toBe(200);
    expect(start.json.otpauthUri).toStartWith('otpauth://totp/');
    expect(start.headers.get('cache-control')).toBe('no-store');
    secret = start.json.secret;
    const wrong = await api('/v1/user/totp/confirm', { method: 'POST', cookie: enrol, json: { code: '000000' } });
    expect(wrong.json.error.code).toBe('CODE_REJECTED');
    const ok = await api('/v1/user/totp/confirm', { method: 'POST', cookie: enrol, json: { code: await generate({ secret }) } });
    expect(ok.status).toBe(200);
  });

  test('ok: enrolled -> the OTP field is asked for only when missing, then login works', async () => {
    const noOtp = await api('/v1/user/login', { method: 'POST', json: { userID: 'alice', password: TEST_USERS.alice } });
    expect(noOtp.json.error).toMatchObject({ code: 'INSUFFICIENT_CREDENTIALS', expected: ['otp'] });
    expect(noOtp.json.error.enrolmentRequired).toBeUndefined();
    // The confirm code's time step is spent (no replay): use the next step's code, inside the window.
    const replay = await api('/v1/user/login', { method: 'POST', json: { userID: 'alice', password: TEST_USERS.alice, otp: await generate({ secret }) } });
    expect(replay.status).toBe(401);
    const next = await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });
    const r = await api('/v1/user/login', { method: 'POST', json: { userID: 'alice', password: TEST_USERS.alice, otp: next } });
    expect(r.status).toBe(200);
    const session = cookieOf(r, 'dcvix_session')!;
    expect((await api('/v1/user/totp', { cookie: session })).json).toEqual({ enabled: true, enrolled: true });
  });

  test('rejects: a wrong OTP is a plain INVALID_CREDENTIALS', async () => {
    const r = await api('/v1/user/login', { method: 'POST', json: { userID: 'alice', password: TEST_USERS.alice, otp: '123456' } });
    expect([r.status, r.json.error.code]).toEqual([401, 'INVALID_CREDENTIALS']);
  });
  test('ok: an admin resets a user\'s TOTP (lost phone); the user must enrol again', async () => {
    const adminLogin = await api('/v1/admin/login', { method: 'POST', json: { userID: 'admin', password: TEST_USERS.admin } });
    const enrol = cookieOf(adminLogin, 'dcvix_enrol')!;
    const start = await api('/v1/user/totp/enrol', { method: 'POST', cookie: enrol });
    await api('/v1/user/totp/confirm', { method: 'POST', cookie: enrol, json: { code: await generate({ secret: start.json.secret }) } });
    const next = await generate({ secret: start.json.secret, epoch: Math.floor(Date.now() / 1000) + 30 });
    const ok = await api('/v1/admin/login', { method: 'POST', json: { userID: 'admin', password: TEST_USERS.admin, otp: next } });
    const admin = cookieOf(ok, 'dcvix_session')!;
    expect((await api('/v1/admin/users/bob;x/totp/reset', { method: 'POST', cookie: admin })).status).toBe(400);
    expect((await api('/v1/admin/users/alice/totp/reset', { method: 'POST', cookie: admin })).status).toBe(200);
    const r = await api('/v1/user/login', { method: 'POST', json: { userID: 'alice', password: TEST_USERS.alice } });
    expect(r.json.error.enrolmentRequired).toBe(true);
  });

});

describe('throttling over HTTP', () => {
  test('ok: 429 with Retry-After after repeated failures; the right user gets back in after the window', async () => {
    let last;
    for (let i = 0; i < 4; i++) last = await api('/v1/user/login', { method: 'POST', json: { userID: 'bob', password: 'wrong' } });
    expect(last!.status).toBe(429);
    expect(last!.json.error.code).toBe('TOO_MANY_ATTEMPTS');
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    await Bun.sleep(2100);
    const r = await api('/v1/user/login', { method: 'POST', json: { userID: 'bob', password: TEST_USERS.bob } });
    // bob has no TOTP: the password is right, enrolment is asked for (not a throttle).
    expect(r.json.error.code).toBe('INSUFFICIENT_CREDENTIALS');
  });

  test('ok: every attempt is in the audit log, without the password', async () => {
    const adminLogin = await api('/v1/admin/login', { method: 'POST', json: { userID: 'admin', password: TEST_USERS.admin } });
    expect(adminLogin.json.error.code).toBe('INSUFFICIENT_CREDENTIALS');
    const db = new (await import('bun:sqlite')).Database(`${director.dataDir}/agents.db`, { readonly: true });
    const rows = db.query<{ type: string; actor: string; outcome: string }, []>("SELECT * FROM audit_events WHERE type = 'login'").all();
    expect(rows.length).toBeGreaterThanOrEqual(6);
    expect(JSON.stringify(rows)).not.toContain(TEST_USERS.alice);
    expect(JSON.stringify(rows)).not.toContain('wrong');
    db.close();
  });
});
