import { describe, expect, test } from 'bun:test';
import { FakeClock } from '../../shared/clock.ts';
import type { ApiError } from '../../shared/errors.ts';
import { silentLogger } from '../../shared/log.ts';
import { createSqliteAuditLog } from '../audit/sqlite.ts';
import { openDatabase } from '../store/db.ts';
import { ChallengeError } from './challenge-error.ts';
import { createLoginService, type LoginInput, type PasskeyFactor } from './login-service.ts';
import { createThrottle } from './throttle.ts';
import type { AuthResult, Authenticator, Credentials, OtpVerifier } from './types.ts';

/** A backend that knows a fixed set of users; records the credentials it saw. */
function fakeBackend(name: string, users: Record<string, string>, groups: string[] = [], seen: Credentials[] = []): Authenticator {
  return {
    name,
    async authenticate(credentials): Promise<AuthResult> {
      seen.push(credentials);
      if (!(credentials.username in users)) return { kind: 'unknown', backend: name };
      return users[credentials.username] === credentials.password ? { kind: 'ok', backend: name, username: credentials.username, groups } : { kind: 'reject', backend: name, reason: 'bad password' };
    },
    health: async () => ({ ok: name !== 'down', detail: name }),
  };
}

/** A RADIUS-like backend: password, then a challenge answered with OTP 424242 and state "c3RhdGU=". */
const challenger: Authenticator = {
  name: 'radius',
  async authenticate(credentials) {
    if (credentials.challengeState)
      return credentials.challengeState === 'c3RhdGU=' && credentials.otp === '424242'
        ? { kind: 'ok', backend: 'radius', username: credentials.username }
        : { kind: 'reject', backend: 'radius', reason: 'rejected' };
    return credentials.password === 'carol-pw'
      ? { kind: 'challenge', backend: 'radius', expected: ['otp'], message: 'Enter OTP', state: 'c3RhdGU=' }
      : { kind: 'reject', backend: 'radius', reason: 'rejected' };
  },
};

const otpVerifier = (enrolled = true): OtpVerifier => ({ name: 'fake-otp', verify: async (_u, otp) => otp === '111111', needsEnrolment: async () => !enrolled });

/** Passkeys as the second factor: alice has one; the answer "good" for her challenge is accepted. */
const passkeyFactor: PasskeyFactor = {
  offer: async (user) => (user === 'alice' ? { challengeId: `c-${user}`, options: { challenge: 'x' } } : undefined),
  verify: async (user, answer) => user === 'alice' && answer.challengeId === 'c-alice' && (answer.response as { id?: string }).id === 'good',
};

function setup(authenticators: Authenticator[], extra: { otp?: OtpVerifier; otpRequired?: boolean; passkeys?: PasskeyFactor } = {}) {
  const clock = new FakeClock();
  const audit = createSqliteAuditLog(openDatabase(':memory:'), clock);
  const service = createLoginService({
    authenticators,
    otp: extra.otp,
    otpRequired: extra.otpRequired ?? false,
    passkeys: extra.passkeys,
    throttle: createThrottle({ enabled: true, max_failures: 3, window: 60_000 }, clock),
    audit,
    isAdmin: (_user, groups) => groups.includes('admins'),
    clock,
    log: silentLogger,
  });
  return { service, audit, clock };
}

const input = (over: Partial<LoginInput>): LoginInput => ({ username: 'alice', password: 'alice-pw', clientAddress: '10.0.0.1', role: 'user', ...over });

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (err) {
    return err as ApiError;
  }
  throw new Error('expected a failure');
}

describe('login service', () => {
  test('ok: the first backend that knows the user decides, in order', async () => {
    const seenB: Credentials[] = [];
    const { service } = setup([fakeBackend('a', { alice: 'alice-pw' }), fakeBackend('b', { alice: 'other', bob: 'bob-pw' }, ['admins'], seenB)]);
    expect(await service.login(input({}))).toEqual({ username: 'alice', groups: [], backend: 'a' });
    expect(seenB).toHaveLength(0);
    expect(await service.login(input({ username: 'bob', password: 'bob-pw' }))).toEqual({ username: 'bob', groups: ['admins'], backend: 'b' });
    // A rejection by "a" is final: "b" is not asked.
    expect(await failure(service.login(input({ password: 'other' })))).toMatchObject({ status: 401, code: 'INVALID_CREDENTIALS' });
    expect(seenB.map((c) => c.username)).toEqual(['bob']);
  });

  test('rejects: unknown user and wrong password look the same', async () => {
    const { service } = setup([fakeBackend('a', { alice: 'alice-pw' })]);
    const unknown = await failure(service.login(input({ username: 'mallory' })));
    const wrong = await failure(service.login(input({ password: 'nope' })));
    expect([unknown.status, unknown.code, unknown.message]).toEqual([wrong.status, wrong.code, wrong.message]);
  });

  test('rejects: a backend that throws is a rejection, not "unknown"', async () => {
    const broken: Authenticator = { name: 'broken', authenticate: () => Promise.reject(new Error('boom')) };
    const { service } = setup([broken, fakeBackend('b', { alice: 'alice-pw' })]);
    expect(await failure(service.login(input({})))).toMatchObject({ status: 401, code: 'INVALID_CREDENTIALS' });
  });

  test('rejects: missing or oversized fields are 400 INVALID_BODY', async () => {
    const { service } = setup([fakeBackend('a', { alice: 'alice-pw' })]);
    for (const bad of [{ username: '' }, { username: 'x'.repeat(257) }, { username: 'a\nb' }, { password: '' }, { password: 'p'.repeat(1025) }, { otp: '1'.repeat(65) }, { state: 'no-colon' }]) {
      expect(await failure(service.login(input(bad)))).toMatchObject({ status: 400, code: 'INVALID_BODY' });
    }
  });

  test('rejects: OTP required -> INSUFFICIENT_CREDENTIALS expected ["otp"], then a wrong and a right OTP', async () => {
    const { service } = setup([fakeBackend('a', { alice: 'alice-pw' })], { otp: otpVerifier(), otpRequired: true });
    const err = await failure(service.login(input({})));
    expect(err).toBeInstanceOf(ChallengeError);
    expect(err).toMatchObject({ status: 401, code: 'INSUFFICIENT_CREDENTIALS', expected: ['otp'], enrolmentRequired: false });
    expect(await failure(service.login(input({ otp: '999999' })))).toMatchObject({ status: 401, code: 'INVALID_CREDENTIALS' });
    expect(await service.login(input({ otp: '111111' }))).toMatchObject({ username: 'alice' });
    // A wrong password never reveals that an OTP would be needed.
    expect(await failure(service.login(input({ password: 'nope' })))).toMatchObject({ code: 'INVALID_CREDENTIALS' });
  });

  test('rejects: OTP required but not enrolled -> challenge flagged enrolmentRequired', async () => {
    const { service } = setup([fakeBackend('a', { alice: 'alice-pw' })], { otp: otpVerifier(false), otpRequired: true });
    expect(await failure(service.login(input({ otp: '111111' })))).toMatchObject({ code: 'INSUFFICIENT_CREDENTIALS', expected: ['otp'], enrolmentRequired: true });
  });

  test('ok: a user with passkeys is offered one beside the code; an accepted passkey stands in for it', async () => {
    const { service } = setup([fakeBackend('a', { alice: 'alice-pw', bob: 'bob-pw' })], { otp: otpVerifier(), otpRequired: true, passkeys: passkeyFactor });
    expect(await failure(service.login(input({})))).toMatchObject({ code: 'INSUFFICIENT_CREDENTIALS', expected: ['otp', 'passkey'], details: { passkey: { challengeId: 'c-alice' } } });
    expect(await failure(service.login(input({ username: 'bob', password: 'bob-pw' })))).toMatchObject({ expected: ['otp'] });
    expect(await service.login(input({ passkey: { challengeId: 'c-alice', response: { id: 'good' } } }))).toMatchObject({ username: 'alice' });
  });

  test('rejects: a refused passkey is a wrong second factor; a passkey never skips the password', async () => {
    const { service } = setup([fakeBackend('a', { alice: 'alice-pw' })], { otp: otpVerifier(false), otpRequired: true, passkeys: passkeyFactor });
    expect(await failure(service.login(input({ passkey: { challengeId: 'c-alice', response: { id: 'bad' } } })))).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(await failure(service.login(input({ password: 'nope', passkey: { challengeId: 'c-alice', response: { id: 'good' } } })))).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    // No code enrolled yet: the passkey is the way in, not enrolment.
    expect(await failure(service.login(input({})))).toMatchObject({ expected: ['passkey'], enrolmentRequired: false });
    expect(await failure(service.login(input({ passkey: { challengeId: 'c-alice', response: 'x' } as never })))).toMatchObject({ code: 'INVALID_BODY' });
  });

  test('ok: a backend challenge carries message and state; the follow-up reaches that backend', async () => {
    const { service } = setup([fakeBackend('a', {}), challenger]);
    const err = (await failure(service.login(input({ username: 'carol', password: 'carol-pw' })))) as ChallengeError;
    expect(err).toMatchObject({ status: 401, code: 'INSUFFICIENT_CREDENTIALS', expected: ['otp'], message: 'Enter OTP', state: 'radius:c3RhdGU=' });
    expect(await service.login(input({ username: 'carol', password: '', otp: '424242', state: err.state }))).toEqual({ username: 'carol', groups: [], backend: 'radius' });
    expect(await failure(service.login(input({ username: 'carol', password: '', otp: '000000', state: err.state })))).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(await failure(service.login(input({ username: 'carol', password: '', otp: '424242', state: 'nosuch:abc=' })))).toMatchObject({ status: 400 });
  });

  test('rejects: admin login without the admin flag is 403 NOT_ADMIN', async () => {
    const { service } = setup([fakeBackend('a', { alice: 'alice-pw' }), fakeBackend('b', { bob: 'bob-pw' }, ['admins'])]);
    expect(await failure(service.login(input({ role: 'admin' })))).toMatchObject({ status: 403, code: 'NOT_ADMIN' });
    expect(await service.login(input({ username: 'bob', password: 'bob-pw', role: 'admin' }))).toMatchObject({ username: 'bob' });
  });

  test('rejects: throttled after repeated failures with retry-after; back in after the window', async () => {
    const { service, clock } = setup([fakeBackend('a', { alice: 'alice-pw' })]);
    for (let attempt = 0; attempt < 3; attempt++) await failure(service.login(input({ password: 'nope' })));
    const err = await failure(service.login(input({})));
    expect(err).toMatchObject({ status: 429, code: 'TOO_MANY_ATTEMPTS' });
    expect(Number(err.headers?.['retry-after'])).toBeGreaterThan(0);
    clock.advance(60_001);
    expect(await service.login(input({}))).toMatchObject({ username: 'alice' });
  });

  test('ok: every attempt is audited with who, where, backend and outcome, never the password', async () => {
    const { service, audit } = setup([fakeBackend('a', { alice: 'alice-pw' })], { otp: otpVerifier(), otpRequired: true });
    await failure(service.login(input({ password: 'secret-wrong-pw' })));
    await failure(service.login(input({})));
    await service.login(input({ otp: '111111', role: 'user' }));
    const rows = await audit.list({ type: 'login' });
    expect(rows.map((r) => [r.outcome, r.actor, r.clientAddress, r.backend])).toEqual([
      ['success', 'alice', '10.0.0.1', 'a'],
      ['failure', 'alice', '10.0.0.1', 'a'],
      ['failure', 'alice', '10.0.0.1', 'a'],
    ]);
    const dump = JSON.stringify(rows);
    for (const secret of ['alice-pw', 'secret-wrong-pw', '111111']) expect(dump).not.toContain(secret);
  });

  test('ok: health aggregates backends and the OTP verifier', async () => {
    const { service } = setup([fakeBackend('a', {}), fakeBackend('down', {})], { otp: otpVerifier(), otpRequired: true });
    expect(await service.health()).toEqual({
      ok: false,
      backends: [
        { name: 'a', ok: true, detail: 'a' },
        { name: 'down', ok: false, detail: 'down' },
        { name: 'otp:fake-otp', ok: true },
      ],
    });
  });
});

describe('login service: second factor cannot be skipped', () => {
  test('rejects: a forged challenge state does not bypass a required OTP', async () => {
    // A RADIUS server that accepts the password whatever State it gets.
    const lax: Authenticator = {
      name: 'radius',
      authenticate: async (c) => ((c.otp ?? c.password) === 'pw' ? { kind: 'ok', backend: 'radius', username: c.username } : { kind: 'reject', backend: 'radius', reason: 'x' }),
    };
    const { service } = setup([lax], { otp: otpVerifier(), otpRequired: true });
    expect(await failure(service.login(input({ password: '', otp: 'pw', state: 'radius:Zm9v' })))).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(await failure(service.login(input({ password: 'pw' })))).toMatchObject({ code: 'INSUFFICIENT_CREDENTIALS' });
  });
});
