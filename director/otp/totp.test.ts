import { describe, expect, test } from 'bun:test';
import { generate } from 'otplib';
import { FakeClock } from '../../shared/clock.ts';
import { ApiError } from '../../shared/errors.ts';
import { openDatabase } from '../store/db.ts';
import { createTotpVerifier } from './totp.ts';
import { createSqliteTotpStore } from './totp-store.ts';

const codeAt = (secret: string, ms: number) => generate({ secret, epoch: Math.floor(ms / 1000) });

function setup() {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 12, 0, 5));
  const totp = createTotpVerifier(createSqliteTotpStore(openDatabase(':memory:')), clock, { issuer: 'dcvix', window: 1 });
  return { clock, totp };
}

describe('built-in TOTP', () => {
  test('ok: enrol, confirm, verify; a replayed code is rejected', async () => {
    const { clock, totp } = setup();
    expect(await totp.needsEnrolment!('alice')).toBe(true);
    const { secret, otpauthUri } = await totp.beginEnrolment('alice');
    expect(otpauthUri).toStartWith('otpauth://totp/dcvix:alice?');
    expect(otpauthUri).toContain(`secret=${secret}`);
    expect(await totp.verify('alice', await codeAt(secret, clock.now()))).toBe(false); // not confirmed yet
    expect(await totp.confirmEnrolment('alice', await codeAt(secret, clock.now()))).toBe(true);
    expect(await totp.needsEnrolment!('alice')).toBe(false);

    // The confirming code's step is used up; the next step's code works once.
    expect(await totp.verify('alice', await codeAt(secret, clock.now()))).toBe(false);
    clock.advance(30_000);
    const code = await codeAt(secret, clock.now());
    expect(await totp.verify('alice', code)).toBe(true);
    expect(await totp.verify('alice', code)).toBe(false);
  });

  test('ok: one step of clock skew is accepted, two are not', async () => {
    const { clock, totp } = setup();
    const { secret } = await totp.beginEnrolment('bob');
    expect(await totp.confirmEnrolment('bob', await codeAt(secret, clock.now()))).toBe(true);
    clock.advance(5 * 60_000);
    expect(await totp.verify('bob', await codeAt(secret, clock.now() - 30_000))).toBe(true);
    expect(await totp.verify('bob', await codeAt(secret, clock.now() + 90_000))).toBe(false);
  });

  test('rejects: malformed codes, unknown users, re-enrolment without reset', async () => {
    const { clock, totp } = setup();
    const { secret } = await totp.beginEnrolment('carol');
    await totp.confirmEnrolment('carol', await codeAt(secret, clock.now()));
    expect(await totp.verify('carol', '12345')).toBe(false);
    expect(await totp.verify('carol', 'abcdef')).toBe(false);
    expect(await totp.verify('nobody', '123456')).toBe(false);
    await expect(totp.beginEnrolment('carol')).rejects.toBeInstanceOf(ApiError);
    await totp.reset('carol');
    expect(await totp.needsEnrolment!('carol')).toBe(true);
    expect((await totp.beginEnrolment('carol')).secret).not.toBe(secret);
  });

  test('ok: restarting an unconfirmed enrolment replaces the pending secret', async () => {
    const { clock, totp } = setup();
    const first = await totp.beginEnrolment('dave');
    const second = await totp.beginEnrolment('dave');
    expect(await totp.confirmEnrolment('dave', await codeAt(first.secret, clock.now()))).toBe(false);
    expect(await totp.confirmEnrolment('dave', await codeAt(second.secret, clock.now()))).toBe(true);
  });
});
