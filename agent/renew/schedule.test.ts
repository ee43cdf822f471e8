import { expect, test } from 'bun:test';
import { decideRenewal, renewalDueAt } from './schedule.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const t0 = Date.UTC(2026, 0, 1);
const cert = { obtainedAt: t0, notBefore: t0 - 5 * 60_000, notAfter: t0 + 14 * DAY };

test('ok: renew on the 12 h interval, with at most 10 % jitter earlier', () => {
  expect(renewalDueAt(cert, 12 * HOUR, 0)).toBe(t0 + 12 * HOUR);
  expect(renewalDueAt(cert, 12 * HOUR, 1)).toBe(t0 + 12 * HOUR - 1.2 * HOUR);
  expect(decideRenewal(t0 + 11 * HOUR, cert, 12 * HOUR, 0)).toEqual({ action: 'wait', dueAt: t0 + 12 * HOUR });
  expect(decideRenewal(t0 + 12 * HOUR, cert, 12 * HOUR, 0)).toEqual({ action: 'renew' });
});

test('ok: never later than two thirds of the lifetime, whatever the interval', () => {
  const lifetime = cert.notAfter - cert.notBefore;
  expect(renewalDueAt(cert, 30 * DAY, 0)).toBe(cert.notBefore + (lifetime * 2) / 3);
});

test('ok: an expired certificate sends the agent back to registration', () => {
  expect(decideRenewal(cert.notAfter, cert, 12 * HOUR, 0)).toEqual({ action: 'register' });
  expect(decideRenewal(cert.notAfter + DAY, cert, 12 * HOUR, 0.5)).toEqual({ action: 'register' });
});
