import { expect, test } from 'bun:test';
import { decideRenewal, renewalDueAt } from './schedule.ts';

const H = 3_600_000;
const D = 24 * H;
const t0 = Date.UTC(2026, 0, 1);
const cert = { obtainedAt: t0, notBefore: t0 - 5 * 60_000, notAfter: t0 + 14 * D };

test('ok: renew on the 12 h interval, with at most 10 % jitter earlier', () => {
  expect(renewalDueAt(cert, 12 * H, 0)).toBe(t0 + 12 * H);
  expect(renewalDueAt(cert, 12 * H, 1)).toBe(t0 + 12 * H - 1.2 * H);
  expect(decideRenewal(t0 + 11 * H, cert, 12 * H, 0)).toEqual({ action: 'wait', dueAt: t0 + 12 * H });
  expect(decideRenewal(t0 + 12 * H, cert, 12 * H, 0)).toEqual({ action: 'renew' });
});

test('ok: never later than two thirds of the lifetime, whatever the interval', () => {
  const lifetime = cert.notAfter - cert.notBefore;
  expect(renewalDueAt(cert, 30 * D, 0)).toBe(cert.notBefore + (lifetime * 2) / 3);
});

test('ok: an expired certificate sends the agent back to registration', () => {
  expect(decideRenewal(cert.notAfter, cert, 12 * H, 0)).toEqual({ action: 'register' });
  expect(decideRenewal(cert.notAfter + D, cert, 12 * H, 0.5)).toEqual({ action: 'register' });
});
