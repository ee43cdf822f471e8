import { Elysia, type Static } from 'elysia';
import { ApiError } from '../../shared/errors.ts';
import { connectionInfo } from '../../shared/http/connection-info.ts';
import { ChallengeError } from '../auth/challenge-error.ts';
import { clearedSessionCookie, enrolmentCookie, readSessionCookie, sessionCookie } from '../http/cookies.ts';
import { authenticateSession } from '../http/guards.ts';
import { errorAnswers, jsonBody, OkAnswer, USER } from '../http/models.ts';
import { AuthHealthAnswer, LoginAnswer, LoginBody, MeAnswer } from './models.ts';
import type { LoginInput } from '../auth/login-input.ts';
import type { Revocations } from '../tokens/revocations.ts';
import type { TokenService } from '../tokens/token-service.ts';

/** The part of the login service these routes need (director/auth/login-service.ts). */
export interface LoginPort {
  login(input: LoginInput): Promise<{ username: string; groups: string[]; backend: string }>;
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
  const handle =
    (role: 'user' | 'admin') =>
    async ({ body, request, set }: { body: Static<typeof LoginBody>; request: Request; set: { headers: Record<string, unknown> } }) => {
      const username = body.userID ?? body.userId ?? body.username ?? body.user;
      const password = body.password;
      if (!username) throw new ApiError(400, 'INVALID_BODY', 'field "userID" is required');
      let result: Awaited<ReturnType<LoginPort['login']>>;
      try {
        result = await login.login({
          username,
          password,
          otp: body.otp || undefined,
          state: body.state || undefined,
          passkey: body.passkey ?? undefined,
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
  const loginOptions = (summary: string) => ({
    ...jsonBody,
    body: LoginBody,
    response: { 200: LoginAnswer, ...errorAnswers(400, 401, 403, 429, 503) },
    detail: { summary, security: [] },
  });

  return (
    new Elysia({ name: 'director.login' })
      .post('/v1/user/login', handle('user'), loginOptions('User login; sets the dcvix_session cookie. 401 OTP_REQUIRED and the like name the fields still `expected`'))
      .post('/v1/admin/login', handle('admin'), loginOptions('Admin login (policy admin flag required)'))
      .post(
        '/v1/logout',
        async ({ request, set }) => {
          // Revoke the token itself, not only the cookie: a copied cookie must stop working too.
          const token = readSessionCookie(request.headers.get('cookie'));
          // An expired or forged cookie has nothing to revoke: the cookie is cleared all the same.
          const claims = token ? await tokens.verifySession(token).catch(() => undefined) : undefined;
          // Renewals of this login (copied before or after a renewal) die with it, up to the renewal limit.
          if (claims) await revocations.revoke(claims, Date.parse(claims.authTime) + sessionAbsoluteMaxMs);
          set.headers['set-cookie'] = clearedSessionCookie();
          return { ok: true as const };
        },
        { response: { 200: OkAnswer }, detail: { summary: 'Revokes the session token (until its expiry) and clears the cookie', security: [] } },
      )
      // A fresh token for a valid one (the web app's "Stay signed in"), keeping authTime; users and admins.
      .post(
        '/v1/renew',
        async ({ request, set }) => {
          const claims = await authenticateSession(request, tokens, 'user');
          const { token, expiresAt, ttlMs } = await tokens.renewSession(claims, { ttlMs: sessionTtlMs, absoluteMaxMs: sessionAbsoluteMaxMs });
          set.headers['set-cookie'] = sessionCookie(token, ttlMs);
          set.headers['cache-control'] = 'no-store';
          return { user: claims.sub, role: claims.role, groups: claims.groups ?? [], expiresAt: new Date(expiresAt).toISOString() };
        },
        {
          response: { 200: LoginAnswer, ...errorAnswers(401, 403) },
          detail: { summary: 'A fresh session token keeping authTime, up to session_absolute_max (then 401 SESSION_EXPIRED)', ...USER },
        },
      )
      .get(
        '/v1/me',
        async ({ request }) => {
          const claims = await authenticateSession(request, tokens, 'user');
          return { user: claims.sub, role: claims.role, groups: claims.groups ?? [], expiresAt: new Date(claims.exp).toISOString(), authTime: claims.authTime };
        },
        { response: { 200: MeAnswer, ...errorAnswers(401, 403) }, detail: { summary: 'Who is logged in', ...USER } },
      )
      .get(
        '/v1/auth-health',
        async ({ request }) => {
          const claims = await authenticateSession(request, tokens, 'user');
          return { status: 'ok' as const, user: claims.sub, role: claims.role, auth: await login.health() };
        },
        { response: { 200: AuthHealthAnswer, ...errorAnswers(401, 403) }, detail: { summary: 'Health of the login backends', ...USER } },
      )
  );
};
