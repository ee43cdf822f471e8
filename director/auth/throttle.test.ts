import { describe, expect, test } from 'bun:test';
import { FakeClock } from '../../shared/clock.ts';
import { ApiError } from '../../shared/errors.ts';
import { createThrottle } from './throttle.ts';

const cfg = { enabled: true, max_failures: 3, window: 60_000 };

function caught(fn: () => void): ApiError | undefined {
  try {
    fn();
  } catch (err) {
    return err as ApiError;
  }
  return undefined;
}

describe('throttle', () => {
  test('rejects: after max_failures for a user, 429 with retry-after', () => {
    const clock = new FakeClock();
    const throttle = createThrottle(cfg, clock);
    for (let attempt = 0; attempt < 3; attempt++) {
      throttle.check('alice', '10.0.0.1');
      throttle.failure('alice', '10.0.0.1');
      clock.advance(1000);
    }
    expect(caught(() => throttle.check('alice', '10.0.0.9'))).toBeUndefined();
    const err = caught(() => throttle.check('alice', '10.0.0.1'));
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 429, code: 'TOO_MANY_ATTEMPTS' });
    // Oldest failure at t0; now t0 + 3 s; the window frees it at t0 + 60 s.
    expect(err?.headers).toEqual({ 'retry-after': '57' });
  });

  test('ok: the user is let back in once the window passes, and a success resets the count', () => {
    const clock = new FakeClock();
    const throttle = createThrottle(cfg, clock);
    for (let attempt = 0; attempt < 3; attempt++) throttle.failure('Alice', '10.0.0.1');
    expect(caught(() => throttle.check('alice', '10.0.0.1'))).toBeDefined(); // case-folded
    expect(caught(() => throttle.check('alice', '10.0.0.2'))).toBeUndefined(); // another address is not locked out
    clock.advance(60_001);
    expect(caught(() => throttle.check('alice', '10.0.0.2'))).toBeUndefined();
    throttle.failure('alice', '10.0.0.2');
    throttle.failure('alice', '10.0.0.2');
    throttle.success('alice', '10.0.0.2');
    throttle.failure('alice', '10.0.0.2');
    expect(caught(() => throttle.check('alice', '10.0.0.2'))).toBeUndefined();
  });

  test('rejects: an address spraying many names is limited at 4x max_failures', () => {
    const clock = new FakeClock();
    const throttle = createThrottle(cfg, clock);
    for (let userNumber = 0; userNumber < 12; userNumber++) throttle.failure(`user${userNumber}`, '203.0.113.5');
    expect(caught(() => throttle.check('fresh-user', '203.0.113.5'))?.status).toBe(429);
    expect(caught(() => throttle.check('fresh-user', '203.0.113.6'))).toBeUndefined();
  });

  test('ok: disabled throttle never blocks', () => {
    const throttle = createThrottle({ ...cfg, enabled: false }, new FakeClock());
    for (let attempt = 0; attempt < 10; attempt++) throttle.failure('alice', '10.0.0.1');
    expect(caught(() => throttle.check('alice', '10.0.0.1'))).toBeUndefined();
  });
});
