import { HOST_NAME_MAX } from '../../shared/api/host-name.ts';

/** Letters, digits, '-' and '.', with the wildcards '*', '?', '[a-z]' and '{a,b}'; no '!' (negation). */
const PATTERN_RE = /^[A-Za-z0-9.*?[\]{},-]+$/;

/** True if `pattern` is a host-name glob a join token may carry. */
export const isHostnamePattern = (pattern: string): boolean => pattern.length <= HOST_NAME_MAX && PATTERN_RE.test(pattern);

/** Longest pattern a join token takes, and the rule its model states. */
export const HOSTNAME_PATTERN = { maxLength: HOST_NAME_MAX, pattern: PATTERN_RE.source } as const;

/**
 * Whether `hostname` matches the glob `pattern`, case-insensitively (host names are): `*` matches any
 * run of characters, dots included (`gpu-*.example.com` takes `gpu-1.rack2.example.com`), `?` one.
 * Bun's glob matcher does the matching; host names hold no '/', the only character its `*` stops at.
 */
export function hostnameMatches(pattern: string, hostname: string): boolean {
  return new Bun.Glob(pattern.toLowerCase()).match(hostname.toLowerCase());
}
