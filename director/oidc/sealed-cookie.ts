/**
 * The sign-in flow's two cookies, sealed (PASETO v4.local under the token key: encrypted and
 * authenticated) so any director behind a load balancer can read them and nothing is stored:
 * - the login transaction (state, nonce, PKCE verifier, provider, role, return path), ten minutes,
 *   sent only to the callback (SameSite=Lax: the provider's redirect back is a cross-site navigation);
 * - the provider sign-out hint (provider, ID token, and the sign-in it came with), for ending the
 *   provider's session when that sign-in is signed out.
 * Each has its own implicit assertion, so neither opens as the other or as a session token.
 */
import { decryptV4Local, encryptV4Local } from '../tokens/paseto-v4-local.ts';

export const TRANSACTION_COOKIE = 'dcvix_oidc_tx';
export const SIGNOUT_COOKIE = 'dcvix_oidc_signout';
const PATH = '/v1/auth/oidc';

const PURPOSES = {
  transaction: 'dcvix-director/oidc-transaction/v1',
  signout: 'dcvix-director/oidc-signout/v1',
} as const;
type Purpose = keyof typeof PURPOSES;

/** What the callback needs from the start of the sign-in. */
export interface LoginTransaction {
  provider: string;
  role: 'user' | 'admin';
  state: string;
  nonce: string;
  verifier: string;
  next: string;
}

/** What sign-out needs to end the provider's session, and which sign-in (user, authTime) it belongs to. */
export interface SignoutHint {
  provider: string;
  idToken: string;
  sub: string;
  authTime: string;
}

/** Seals `value` for `ttlMs` (epoch ms `now`). */
export function seal(key: Uint8Array, purpose: Purpose, value: LoginTransaction | SignoutHint, now: number, ttlMs: number): Promise<string> {
  return encryptV4Local(key, { ...value, exp: new Date(now + ttlMs).toISOString() }, { implicit: PURPOSES[purpose] });
}

type Unsealed<T extends Purpose> = T extends 'transaction' ? LoginTransaction : SignoutHint;
const FIELDS: Record<Purpose, readonly string[]> = { transaction: ['provider', 'role', 'state', 'nonce', 'verifier', 'next'], signout: ['provider', 'idToken', 'sub', 'authTime'] };

/** The sealed value, or undefined when it is missing, expired, tampered with or sealed for another purpose. */
export async function unseal<T extends Purpose>(key: Uint8Array, purpose: T, token: string | undefined, now: number): Promise<Unsealed<T> | undefined> {
  if (!token) return undefined;
  try {
    const claims = await decryptV4Local(key, token, { implicit: PURPOSES[purpose], now: new Date(now) });
    if (!FIELDS[purpose].every((field) => typeof claims[field] === 'string')) return undefined;
    if (purpose === 'transaction' && claims.role !== 'user' && claims.role !== 'admin') return undefined;
    return claims as unknown as Unsealed<T>;
  } catch {
    return undefined;
  }
}

/** Set-Cookie for a sealed value; an empty value with ttl 0 clears it. */
export function sealedCookie(name: typeof TRANSACTION_COOKIE | typeof SIGNOUT_COOKIE, value: string, ttlMs: number): string {
  return `${name}=${value}; Path=${PATH}; Max-Age=${Math.floor(ttlMs / 1000)}; HttpOnly; Secure; SameSite=Lax`;
}
