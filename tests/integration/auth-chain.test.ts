import { afterAll, beforeAll, expect, test } from 'bun:test';
import { generate } from 'otplib';
import { applySchema } from '../../shared/config-schema.ts';
import { FakeClock } from '../../shared/clock.ts';
import { silentLogger } from '../../shared/log.ts';
import { createSqliteAuditLog } from '../../director/audit/sqlite.ts';
import { ChallengeError } from '../../director/auth/challenge-error.ts';
import { createLoginService, type LoginInput } from '../../director/auth/login-service.ts';
import { createAuthenticators } from '../../director/auth/registry.ts';
import { createThrottle } from '../../director/auth/throttle.ts';
import { directorSchema } from '../../director/config/schema.ts';
import { createOtpVerifier } from '../../director/otp/registry.ts';
import type { TotpVerifier } from '../../director/otp/totp.ts';
import { openDatabase } from '../../director/store/db.ts';
import { createSqliteTotpStore } from '../../director/otp/totp-store.ts';
import { startFreeRadius, type FreeRadius } from '../helpers/freeradius.ts';
import { startSlapd, type Slapd } from '../helpers/slapd.ts';
import { describeWith } from '../helpers/system-packages.ts';

describeWith(['slapd', 'freeradius'], 'login chain from a TOML config: ldap, then radius; TOTP', () => {
  let slapd: Slapd;
  let fr: FreeRadius;
  beforeAll(async () => {
    [slapd, fr] = await Promise.all([startSlapd(), startFreeRadius()]);
  }, 30_000);
  afterAll(async () => {
    await Promise.all([slapd?.stop(), fr?.stop()]);
  });

  function build(otpBackend = '') {
    const toml = `
      [auth]
      backends = ["ldap", "radius"]
      [auth.ldap]
      url = "${slapd.url}"
      start_tls = true
      ca_file = "${slapd.caFile}"
      bind_dn = "${slapd.serviceDn}"
      bind_password = "${slapd.servicePassword}"
      user_base = "ou=people,${slapd.baseDn}"
      group_base = "ou=groups,${slapd.baseDn}"
      [auth.radius]
      servers = ["127.0.0.1:${fr.port}"]
      secret = "${fr.secret}"
      timeout = "500ms"
      [otp]
      backend = "${otpBackend}"
      [throttle]
      max_failures = 3
      window = "1m"
    `;
    const cfg = applySchema(directorSchema, Bun.TOML.parse(toml) as Record<string, unknown>, 'dcvix-director.conf');
    const clock = new FakeClock(Date.now());
    const db = openDatabase(':memory:');
    const audit = createSqliteAuditLog(db, clock);
    const otp = createOtpVerifier(cfg.otp, { totpStore: createSqliteTotpStore(db), clock, log: silentLogger });
    const service = createLoginService({
      authenticators: createAuthenticators(cfg.auth, { log: silentLogger }),
      otp,
      otpRequired: !!otp,
      throttle: createThrottle(cfg.throttle, clock),
      audit,
      isAdmin: (_u, groups) => groups.includes('admins'),
      clock,
      log: silentLogger,
    });
    return { service, audit, clock, otp };
  }

  const input = (over: Partial<LoginInput>): LoginInput => ({ username: 'alice', password: 'alice-pw', clientAddress: '127.0.0.1', role: 'user', ...over });

  test('ok: an LDAP user logs in over StartTLS with groups; admin flag from the group', async () => {
    const { service } = build();
    expect(await service.login(input({}))).toEqual({ username: 'alice', groups: ['engineers'], backend: 'ldap' });
    expect(await service.login(input({ username: 'bob', password: 'bob-pw', role: 'admin' }))).toMatchObject({ backend: 'ldap', groups: ['admins'] });
    await expect(service.login(input({ role: 'admin' }))).rejects.toMatchObject({ status: 403, code: 'NOT_ADMIN' });
  });

  test('ok: a user LDAP does not know goes on to RADIUS, through its Access-Challenge', async () => {
    const { service, audit } = build();
    const err = await service.login(input({ username: 'carol', password: 'carol-pw' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChallengeError);
    expect(err).toMatchObject({ expected: ['otp'], message: 'Enter OTP' });
    const state = (err as ChallengeError).state;
    expect(await service.login(input({ username: 'carol', password: '', otp: '123456', state }))).toMatchObject({ username: 'carol', backend: 'radius' });
    expect((await audit.list({ actor: 'carol' })).map((r) => [r.backend, r.outcome])).toEqual([
      ['radius', 'success'],
      ['radius', 'failure'],
    ]);
  });

  test('rejects: wrong LDAP password is final (RADIUS is not asked) and throttles', async () => {
    const { service } = build();
    for (let attempt = 0; attempt < 3; attempt++) await expect(service.login(input({ password: 'wrong' }))).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    await expect(service.login(input({}))).rejects.toMatchObject({ status: 429 });
  });

  test('ok: TOTP required: enrolment hint, enrol, then password + code', async () => {
    const { service, clock, otp } = build('totp');
    const totp = otp as TotpVerifier;
    await expect(service.login(input({}))).rejects.toMatchObject({ code: 'INSUFFICIENT_CREDENTIALS', enrolmentRequired: true });
    const { secret } = await totp.beginEnrolment('alice');
    const code = () => generate({ secret, epoch: Math.floor(clock.now() / 1000) });
    expect(await totp.confirmEnrolment('alice', await code())).toBe(true);
    clock.advance(30_000);
    await expect(service.login(input({}))).rejects.toMatchObject({ code: 'INSUFFICIENT_CREDENTIALS', expected: ['otp'], enrolmentRequired: false });
    const now = await code();
    expect(await service.login(input({ otp: now }))).toMatchObject({ username: 'alice' });
    await expect(service.login(input({ otp: now }))).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' }); // replay
  });
});
