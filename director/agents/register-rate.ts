import type { Clock } from '../../shared/clock.ts';
import { ApiError } from '../../shared/errors.ts';

const WINDOW_MS = 60_000;
const MAX_ADDRESSES = 100_000;

/**
 * New registrations (GUIDs the director has never seen) per client address in a sliding minute. One
 * address flooding random GUIDs is refused with 429 and Retry-After long before it fills the pending
 * list, so real agents elsewhere still get in. In memory: a restart forgets it, as a rate limit may.
 */
export function createRegisterRate(perMinute: number, clock: Clock): (address: string) => void {
  const seen = new Map<string, number[]>();
  return (address) => {
    const now = clock.now();
    const recent = (seen.get(address) ?? []).filter((t) => t > now - WINDOW_MS);
    if (recent.length >= perMinute) {
      seen.set(address, recent);
      const seconds = Math.max(1, Math.ceil((recent[0]! + WINDOW_MS - now) / 1000));
      throw new ApiError(429, 'TOO_MANY_REGISTRATIONS', `too many new registrations from this address; try again in ${seconds} s`, undefined, { 'retry-after': String(seconds) });
    }
    if (seen.size >= MAX_ADDRESSES && !seen.has(address)) seen.delete(seen.keys().next().value!);
    recent.push(now);
    seen.set(address, recent);
  };
}
