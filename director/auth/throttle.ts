/**
 * Login throttling: a sliding window of failures per (user name, client address) pair (the name
 * case-folded, so "Alice" and "alice" share a budget) and per client address. After `maxFailures`
 * failures inside `windowMs` the key is locked until the oldest of those failures leaves the window.
 * The user key includes the address so that failures from one address never lock the right password
 * out from another (anyone could otherwise lock out anyone, the admin included). Addresses get a larger
 * budget (addressFactor x maxFailures) because many users may share one (NAT). A success clears that
 * (user, address) pair's failures, not the address's. State is served from memory; the caller may pass
 * in the failures map (auth/throttle-persistence.ts writes it behind to the store so a restart keeps it).
 * The number of tracked keys is capped so a flood of names cannot exhaust memory.
 */
import type { Clock } from '../../shared/clock.ts';
import { ApiError } from '../../shared/errors.ts';

export interface ThrottleConfig {
  readonly enabled: boolean;
  readonly max_failures: number;
  /** Milliseconds. */
  readonly window: number;
}

export interface Throttle {
  /** Throws ApiError 429 TOO_MANY_ATTEMPTS with a retry-after header when either key is locked. */
  check(username: string, clientAddress: string): void;
  failure(username: string, clientAddress: string): void;
  success(username: string, clientAddress: string): void;
}

const MAX_KEYS = 100_000;

/** The in-memory sliding-window throttle. */
export function createThrottle(cfg: ThrottleConfig, clock: Clock, addressFactor = 4, failures = new Map<string, number[]>()): Throttle {
  const limitOf = (key: string) => (key.startsWith('a:') ? cfg.max_failures * addressFactor : cfg.max_failures);
  const userKey = (user: string, addr: string) => `u:${user.toLowerCase()}|${addr}`;
  const keys = (user: string, addr: string) => [userKey(user, addr), `a:${addr}`];

  function recent(key: string, now: number): number[] {
    const list = (failures.get(key) ?? []).filter((t) => t > now - cfg.window);
    if (list.length === 0) failures.delete(key);
    else failures.set(key, list);
    return list;
  }

  function prune(now: number): void {
    for (const key of failures.keys()) recent(key, now);
    // Still full of live keys: drop the oldest entries (Map keeps insertion order).
    for (const key of failures.keys()) {
      if (failures.size < MAX_KEYS) break;
      failures.delete(key);
    }
  }

  return {
    check(username, clientAddress) {
      if (!cfg.enabled) return;
      const now = clock.now();
      let retryAfterMs = 0;
      for (const key of keys(username, clientAddress)) {
        const list = recent(key, now);
        const limit = limitOf(key);
        if (list.length >= limit) retryAfterMs = Math.max(retryAfterMs, list[list.length - limit]! + cfg.window - now);
      }
      if (retryAfterMs > 0) {
        const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
        const at = new Date(now + seconds * 1000).toISOString();
        throw new ApiError(429, 'TOO_MANY_ATTEMPTS', `too many failed logins from this address; try again in ${seconds} s (at ${at})`, undefined, { 'retry-after': String(seconds) });
      }
    },
    failure(username, clientAddress) {
      if (!cfg.enabled) return;
      const now = clock.now();
      if (failures.size >= MAX_KEYS) prune(now);
      for (const key of keys(username, clientAddress)) {
        const list = recent(key, now);
        list.push(now);
        // Keep only what the limit needs.
        failures.set(key, list.slice(-limitOf(key)));
      }
    },
    success(username, clientAddress) {
      failures.delete(userKey(username, clientAddress));
    },
  };
}
