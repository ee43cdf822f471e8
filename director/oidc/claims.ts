/**
 * What the director takes from a validated ID token: the user name, the groups and whether the
 * provider's rules (allowed domains, required claims) admit the user. Pure functions over the claims.
 */
import { hasControlChars } from '../auth/username.ts';
import type { OidcProvider } from './settings.ts';

type Claims = Readonly<Record<string, unknown>>;
type Rules = Pick<OidcProvider, 'usernameClaim' | 'usernameFallbackClaim' | 'groupsClaim' | 'allowedDomains' | 'requiredClaims'>;

const MAX_NAME = 128;
const MAX_GROUPS = 256;

const usable = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= MAX_NAME && !hasControlChars(value) && value.trim() === value;

/** The user name: the username claim, else the fallback claim; undefined when neither holds a usable name. */
export function usernameOf(claims: Claims, rules: Rules): string | undefined {
  for (const claim of [rules.usernameClaim, rules.usernameFallbackClaim]) {
    if (claim && usable(claims[claim])) return claims[claim];
  }
  return undefined;
}

/** The groups claim as a list of names (a single string counts as one group); unusable entries are dropped. */
export function claimedGroups(claims: Claims, rules: Rules): string[] {
  if (!rules.groupsClaim) return [];
  const value = claims[rules.groupsClaim];
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
  return [...new Set(list.filter(usable))].slice(0, MAX_GROUPS);
}

/** Why the provider's rules refuse these claims, or undefined when they admit them. */
export function refusalOf(claims: Claims, rules: Rules): string | undefined {
  if (rules.allowedDomains.length > 0) {
    const email = typeof claims.email === 'string' ? claims.email.toLowerCase() : '';
    const domain = email.includes('@') ? email.slice(email.lastIndexOf('@') + 1) : '';
    if (!domain || !rules.allowedDomains.includes(domain)) return `email domain "${domain}" not allowed`;
    if (claims.email_verified === false) return 'email not verified';
  }
  for (const [claim, expected] of Object.entries(rules.requiredClaims)) {
    const value = claims[claim];
    const holds = Array.isArray(value) ? value.includes(expected) : String(value) === expected && value !== undefined;
    if (!holds) return `claim "${claim}" is not "${expected}"`;
  }
  return undefined;
}
