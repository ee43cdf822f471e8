import { expect, test } from 'bun:test';
import { DirectorError } from '../director-client.ts';
import { MAX_BACKOFF_MS, nextDelay } from './registrator.ts';

test('ok: after a 429 the agent waits Retry-After plus jitter, capped at 5 min', () => {
  const busy = (s?: number) => new DirectorError(429, 'TOO_MANY_REGISTRATIONS', 'slow down', s);
  expect(nextDelay(30_000, busy(120), () => 0)).toBe(120_000);
  expect(nextDelay(30_000, busy(120), () => 1)).toBe(180_000);
  expect(nextDelay(30_000, busy(), () => 0.5)).toBe(37_500);
  expect(nextDelay(30_000, busy(3600), () => 0)).toBe(MAX_BACKOFF_MS);
  // Two agents refused together come back at different times.
  expect(nextDelay(30_000, busy(60), () => 0.1)).not.toBe(nextDelay(30_000, busy(60), () => 0.9));
});

test('ok: other failures keep the plain interval', () => {
  expect(nextDelay(30_000, new DirectorError(503, 'X', 'y', 120))).toBe(30_000);
  expect(nextDelay(30_000, new Error('network'))).toBe(30_000);
});
