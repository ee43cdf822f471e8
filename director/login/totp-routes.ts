import { Elysia } from 'elysia';
import { ApiError, badRequest, notFound, unauthorized } from '../../shared/errors.ts';
import type { TotpVerifier } from '../otp/totp.ts';
import { ENROLMENT_COOKIE, readCookie } from '../http/cookies.ts';
import { authenticateSession, checkSameOrigin, requireAdmin } from '../http/guards.ts';
import { isUserName } from '../../shared/api/agent-wire.ts';
import type { AuditLog } from '../audit/types.ts';
import { jsonObject } from '../http/json-body.ts';
import type { TokenService } from '../tokens/token-service.ts';

/**
 * Built-in TOTP enrolment: GET /v1/user/totp, POST /v1/user/totp/enrol, POST /v1/user/totp/confirm.
 * Callers are logged-in users, or users whose password was right but who have no TOTP yet (the
 * dcvix_enrol cookie from the login that asked for enrolment).
 */
export const totpRoutes = (d: { tokens: TokenService; totp?: TotpVerifier }) => {
  async function who(request: Request): Promise<string> {
    const enrol = readCookie(request.headers.get('cookie'), ENROLMENT_COOKIE);
    if (enrol) {
      checkSameOrigin(request);
      try {
        return await d.tokens.verifyEnrolment(enrol);
      } catch {
        throw unauthorized('ENROLMENT_EXPIRED', 'the enrolment window closed; log in again');
      }
    }
    return (await authenticateSession(request, d.tokens, 'user')).sub;
  }
  const totp = () => {
    if (!d.totp) throw notFound('TOTP_DISABLED', 'built-in TOTP is not enabled on this director');
    return d.totp;
  };
  return new Elysia({ name: 'director.totp', prefix: '/v1/user/totp' })
    .get('', async ({ request }) => {
      const user = await who(request);
      return { enabled: !!d.totp, enrolled: d.totp ? !(await d.totp.needsEnrolment(user)) : false };
    })
    .post('/enrol', async ({ request, set }) => {
      const enrolment = await totp().beginEnrolment(await who(request));
      set.headers['cache-control'] = 'no-store';
      return enrolment;
    })
    .post(
      '/confirm',
      async ({ request, body }) => {
        const user = await who(request);
        const code = jsonObject(body).code;
        if (typeof code !== 'string' || !/^\d{6}$/.test(code)) throw badRequest('INVALID_CODE', 'code must be 6 digits');
        if (!(await totp().confirmEnrolment(user, code))) throw new ApiError(400, 'CODE_REJECTED', 'that code does not match; check the app and try again');
        return { ok: true };
      },
      { parse: 'text' },
    );
};

/** POST /v1/admin/users/{user}/totp/reset: an admin removes a user's TOTP secret (lost phone). */
export const totpAdminRoutes = (d: { tokens: TokenService; totp?: TotpVerifier; audit: AuditLog }) =>
  new Elysia({ name: 'director.totp.admin', prefix: '/v1/admin/users' }).use(requireAdmin(d.tokens)).post('/:user/totp/reset', async ({ params, session }) => {
    if (!d.totp) throw notFound('TOTP_DISABLED', 'built-in TOTP is not enabled on this director');
    if (!isUserName(params.user)) throw badRequest('INVALID_USER', 'not a valid user name');
    await d.totp.reset(params.user);
    d.audit.record({ type: 'totp.reset', actor: session.sub, target: params.user, outcome: 'success' });
    return { ok: true };
  });
