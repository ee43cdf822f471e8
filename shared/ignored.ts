import type { Logger } from './log.ts';

/** How many errors each site let go since start (metrics export them as dcvix_ignored_errors_total{site}). */
const counts = new Map<string, number>();

/**
 * An error a site deliberately does not pass on (a best-effort clean-up, a refresh the next tick
 * repeats, a malformed notice): logged with the site and why it is let go, and counted, so nothing is
 * dropped silently. `level` warn for what an operator should see; debug for the expected.
 */
export function ignoredError(log: Logger, site: string, why: string, error: unknown, level: 'debug' | 'warn' = 'debug'): void {
  counts.set(site, (counts.get(site) ?? 0) + 1);
  log[level](`error let go: ${why}`, { site, error });
}

/** The counts so far, by site. */
export function ignoredErrorCounts(): ReadonlyMap<string, number> {
  return counts;
}
