import { Elysia } from 'elysia';
import { ApiError, forbidden, unauthorized } from '../../shared/errors.ts';
import { connectionInfo } from '../../shared/http/connection-info.ts';
import type { SessionClaims, TokenService } from '../tokens/token-service.ts';
import { readSessionCookie } from './cookies.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Cookie-authenticated, state-changing requests must come from our own origin. SameSite=Strict keeps
 * the cookie off cross-site requests already; this second line refuses any request a browser marks as
 * cross-origin (Origin or Sec-Fetch-Site), while curl and other non-browser clients send neither.
 */
export function checkSameOrigin(request: Request): void {
  if (SAFE_METHODS.has(request.method)) return;
  const site = request.headers.get('sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') throw forbidden('CSRF_REJECTED', 'cross-site request refused');
  const origin = request.headers.get('origin');
  if (origin) {
    const host = request.headers.get('host') ?? new URL(request.url).host;
    let originHost = '';
    try {
      originHost = new URL(origin).host;
    } catch {
      // "null" or garbage: not our origin
    }
    if (originHost !== host) throw forbidden('CSRF_REJECTED', 'cross-origin request refused');
  }
}

/** Verifies the dcvix_session cookie (or a Bearer token) and the role; throws 401/403. */
export async function authenticateSession(request: Request, tokens: TokenService, role: 'user' | 'admin'): Promise<SessionClaims> {
  const bearer = request.headers.get('authorization')?.match(/^Bearer (\S+)$/)?.[1];
  const token = readSessionCookie(request.headers.get('cookie')) ?? bearer;
  if (!token) throw unauthorized('UNAUTHENTICATED', 'not logged in');
  if (!bearer) checkSameOrigin(request);
  let claims: SessionClaims;
  try {
    claims = await tokens.verifySession(token);
  } catch (err) {
    if (err instanceof ApiError) throw new ApiError(401, err.code === 'TOKEN_EXPIRED' ? 'SESSION_EXPIRED' : 'UNAUTHENTICATED', 'session is not valid; log in again');
    throw err;
  }
  const checks = tokens.sessionChecks;
  if (checks?.isRevoked(claims)) throw unauthorized('SESSION_REVOKED', 'this session was signed out; log in again');
  if (role === 'admin' && !holdsAdminRights(tokens, claims)) {
    throw forbidden('NOT_ADMIN', 'administrator login required');
  }
  return claims;
}

/**
 * Whether a token's holder has admin rights now: an admin login and the current policy (not only the
 * token's claim), so a demoted admin loses the rights at once, on admin routes and user routes alike.
 */
export function holdsAdminRights(tokens: TokenService, claims: SessionClaims): boolean {
  const checks = tokens.sessionChecks;
  return claims.role === 'admin' && (!checks || checks.isAdmin(claims.sub, claims.groups));
}

// The guards derive (transform stage), not resolve: they run before the route's models are checked,
// so a caller who may not use a route learns nothing about what its body or query should be.

/** Routes after `.use(requireUser(tokens))` get `session` (any logged-in user, admins included). */
export const requireUser = (tokens: TokenService) =>
  new Elysia({ name: 'director.guard.user' }).derive({ as: 'scoped' }, async ({ request }) => ({
    session: await authenticateSession(request, tokens, 'user'),
  }));

/** Routes after `.use(requireAdmin(tokens))` get `session` with role admin. */
export const requireAdmin = (tokens: TokenService) =>
  new Elysia({ name: 'director.guard.admin' }).derive({ as: 'scoped' }, async ({ request }) => ({
    session: await authenticateSession(request, tokens, 'admin'),
  }));

/** The verified agent behind an mTLS request. */
export interface AgentIdentity {
  guid: string;
  hostname: string;
}

/** Something that turns a verified peer certificate into an active agent, or refuses it. */
export interface AgentAuthority {
  authenticateAgent(certDer: Uint8Array, subjectCn: string | undefined): Promise<AgentIdentity>;
}

/**
 * mTLS guard: the client certificate must chain to our CA (checked in the TLS layer), name an agent,
 * and belong to an agent that is registered right now with that key (so revocation bites at once).
 */
export const requireAgent = (agents: AgentAuthority) =>
  new Elysia({ name: 'director.guard.agent' }).derive({ as: 'scoped' }, async ({ request }) => {
    const { peer } = connectionInfo(request);
    if (!peer.raw) throw unauthorized('CLIENT_CERT_REQUIRED', 'this route requires an agent client certificate');
    if (!peer.authorized) throw unauthorized('CLIENT_CERT_UNTRUSTED', 'client certificate is not issued by this director or has expired');
    return { agent: await agents.authenticateAgent(peer.raw, peer.subjectCn) };
  });
