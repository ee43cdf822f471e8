/** Injected time, so renewal, expiry and reaping are tested with a fake clock instead of waiting. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests move by hand. */
export class FakeClock implements Clock {
  constructor(private t = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
  set(ms: number): void {
    this.t = ms;
  }
}

/**
 * A clock whose offset comes from the environment variable DCVIX_TEST_CLOCK_OFFSET_MS; only used by
 * integration tests that need a process to believe it is later than it is (certificate expiry).
 */
export function offsetClock(offsetMs: number): Clock {
  return { now: () => Date.now() + offsetMs };
}
