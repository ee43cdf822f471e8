/** The session cookie: HttpOnly, Secure, SameSite=Strict (docs/api.md). */
export const SESSION_COOKIE = 'dcvix_session';

/**
 * The cookie outlives its token by this much, so the browser still sends an expired token and the web
 * app hears SESSION_EXPIRED (not a bare "not logged in") and can tell expiry from revocation.
 */
export const SESSION_COOKIE_GRACE_MS = 3_600_000;

/** The session cookie for a token living `tokenTtlMs`; Max-Age = token lifetime + SESSION_COOKIE_GRACE_MS. */
export function sessionCookie(token: string, tokenTtlMs: number): string {
  return `${SESSION_COOKIE}=${token}; Path=/; Max-Age=${Math.floor((tokenTtlMs + SESSION_COOKIE_GRACE_MS) / 1000)}; HttpOnly; Secure; SameSite=Strict`;
}

/** Proof of a right password while TOTP is not enrolled; only the TOTP enrolment routes read it. */
export const ENROLMENT_COOKIE = 'dcvix_enrol';

export function enrolmentCookie(token: string, maxAgeMs: number): string {
  return `${ENROLMENT_COOKIE}=${token}; Path=/v1/user/totp; Max-Age=${Math.floor(maxAgeMs / 1000)}; HttpOnly; Secure; SameSite=Strict`;
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict`;
}

/** A cookie's value from the Cookie header, or undefined. */
export function readCookie(header: string | null, cookie: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === cookie) return rest.join('=') || undefined;
  }
  return undefined;
}

export const readSessionCookie = (header: string | null) => readCookie(header, SESSION_COOKIE);
