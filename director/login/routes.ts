import { Elysia } from 'elysia';
import { ApiError } from '../../shared/errors.ts';
import { connectionInfo } from '../../shared/http/connection-info.ts';
import { ChallengeError } from '../auth/challenge-error.ts';
import { clearedSessionCookie, enrolmentCookie, readSessionCookie, sessionCookie } from '../http/cookies.ts';
import { authenticateSession } from '../http/guards.ts';
import { firstOf, jsonObject, optionalString } from '../http/json-body.ts';
import type { Revocations } from '../tokens/revocations.ts';
import type { TokenService } from '../tokens/token-service.ts';

/** The part of the login service these routes need (director/auth/login-service.ts). */
export interface LoginPort {
  login(input: { username: string; password: string; otp?: string; state?: string; clientAddress: string; role: 'user' | 'admin' }): Promise<{ username: string; groups: string[]; backend: string }>;
  health(): Promise<{ ok: boolean; backends: { name: string; ok: boolean; detail?: string }[] }>;
}

const ENROLMENT_TTL_MS = 10 * 60_000;

export interface LoginDeps {
  login: LoginPort;
  tokens: TokenService;
  revocations: Revocations;
  sessionTtlMs: number;
  /** How long after the password login a sign-in may be renewed (session_absolute_max). */
  sessionAbsoluteMaxMs?: number;
}

const DEFAULT_ABSOLUTE_MAX_MS = 12 * 3_600_000;

/**
 * POST /v1/user/login and /v1/admin/login (body: userID | userId | username, password, otp?, state?),
 * POST /v1/logout, POST /v1/renew, GET /v1/auth-health, GET /v1/me. The session token travels in the dcvix_session cookie.
 */
export const loginRoutes = ({ login, tokens, revocations, sessionTtlMs, sessionAbsoluteMaxMs = DEFAULT_ABSOLUTE_MAX_MS }: LoginDeps) => {
  const handle = (role: 'user' | 'admin') => async ({ body, request, set }: { body: unknown; request: Request; set: { headers: Record<string, unknown> } }) => {
    const b = jsonObject(body);
    const username = firstOf(b, ['userID', 'userId', 'username', 'user']);
    const password = b.password;
    if (typeof username !== 'string' || username.length === 0 || username.length > 256) {
      throw new ApiError(400, 'INVALID_BODY', 'field "userID" is required');
    }
    if (typeof password !== 'string' || password.length > 1024) throw new ApiError(400, 'INVALID_BODY', 'field "password" is required');
    let result;
    try {
      result = await login.login({
        username,
        password,
        otp: optionalString(b, 'otp', 64),
        state: optionalString(b, 'state', 1024),
        clientAddress: connectionInfo(request).remoteAddress,
        role,
      });
    } catch (err) {
      // Right password, no second factor yet: a short-lived cookie lets this user enrol TOTP, nothing else.
      if (err instanceof ChallengeError && err.enrolmentRequired && err.subject) {
        const { token } = await tokens.issueEnrolment({ sub: err.subject, ttlMs: ENROLMENT_TTL_MS });
        throw new ApiError(err.status, err.code, err.message, err.expected, { 'set-cookie': enrolmentCookie(token, ENROLMENT_TTL_MS), 'cache-control': 'no-store' }, err.details);
      }
      throw err;
    }
    const { token, expiresAt } = await tokens.issueSession({ sub: result.username, role, groups: result.groups, ttlMs: sessionTtlMs });
    set.headers['set-cookie'] = sessionCookie(token, sessionTtlMs);
    set.headers['cache-control'] = 'no-store';
    // The token travels only in the HttpOnly cookie: never in a body script could read.
    return { user: result.username, role, groups: result.groups, expiresAt: new Date(expiresAt).toISOString() };
  };

  return new Elysia({ name: 'director.login' })
    .post('/v1/user/login', handle('user'), { parse: 'text' })
    .post('/v1/admin/login', handle('admin'), { parse: 'text' })
    .post('/v1/logout', async ({ request, set }) => {
      // Revoke the token itself, not only the cookie: a copied cookie must stop working too.
      const token = readSessionCookie(request.headers.get('cookie'));
      const claims = token ? await tokens.verifySession(token).catch(() => undefined) : undefined;
      // Renewals of this login (copied before or after a renewal) die with it, up to the renewal limit.
      if (claims) await revocations.revoke(claims, Date.parse(claims.authTime) + sessionAbsoluteMaxMs);
      set.headers['set-cookie'] = clearedSessionCookie();
      return { ok: true };
    })
    // A fresh token for a valid one (the web app's "Stay signed in"), keeping authTime; users and admins.
    .post('/v1/renew', async ({ request, set }) => {
      const s = await authenticateSession(request, tokens, 'user');
      const { token, expiresAt, ttlMs } = await tokens.renewSession(s, { ttlMs: sessionTtlMs, absoluteMaxMs: sessionAbsoluteMaxMs });
      set.headers['set-cookie'] = sessionCookie(token, ttlMs);
      set.headers['cache-control'] = 'no-store';
      return { user: s.sub, role: s.role, groups: s.groups ?? [], expiresAt: new Date(expiresAt).toISOString() };
    })
    .get('/v1/me', async ({ request }) => {
      const s = await authenticateSession(request, tokens, 'user');
      return { user: s.sub, role: s.role, groups: s.groups ?? [], expiresAt: new Date(s.exp).toISOString(), authTime: s.authTime };
    })
    .get('/v1/auth-health', async ({ request }) => {
      const s = await authenticateSession(request, tokens, 'user');
      return { status: 'ok', user: s.sub, role: s.role, auth: await login.health() };
    });
};
