import { Elysia } from 'elysia';
import { ApiError, notFound, unauthorized } from '../../shared/errors.ts';
import type { TotpVerifier } from '../otp/totp.ts';
import { ENROLMENT_COOKIE, readCookie } from '../http/cookies.ts';
import { authenticateSession, checkSameOrigin } from '../http/guards.ts';
import { errorAnswers, jsonBody, OkAnswer, USER } from '../http/models.ts';
import { TotpConfirmBody, TotpEnrolment, TotpStatus } from './models.ts';
import type { TokenService } from '../tokens/token-service.ts';

/** A logged-in user, or the short-lived dcvix_enrol cookie of a login that asked for enrolment. */
const ENROLLING = { security: [...USER.security, { enrolment: [] }] };

/**
 * Built-in TOTP enrolment: GET /v1/user/totp, POST /v1/user/totp/enrol, POST /v1/user/totp/confirm.
 * Callers are logged-in users, or users whose password was right but who have no TOTP yet (the
 * dcvix_enrol cookie from the login that asked for enrolment).
 */
export const totpRoutes = (deps: { tokens: TokenService; totp?: TotpVerifier }) => {
  async function who(request: Request): Promise<string> {
    const enrol = readCookie(request.headers.get('cookie'), ENROLMENT_COOKIE);
    if (enrol) {
      checkSameOrigin(request);
      try {
        return await deps.tokens.verifyEnrolment(enrol);
      } catch {
        throw unauthorized('ENROLMENT_EXPIRED', 'the enrolment window closed; log in again');
      }
    }
    return (await authenticateSession(request, deps.tokens, 'user')).sub;
  }
  const totp = () => {
    if (!deps.totp) throw notFound('TOTP_DISABLED', 'built-in TOTP is not enabled on this director');
    return deps.totp;
  };
  return new Elysia({ name: 'director.totp', prefix: '/v1/user/totp' })
    .get(
      '',
      async ({ request }) => {
        const user = await who(request);
        return { enabled: !!deps.totp, enrolled: deps.totp ? !(await deps.totp.needsEnrolment(user)) : false };
      },
      { response: { 200: TotpStatus, ...errorAnswers(401, 403) }, detail: { summary: 'Built-in TOTP status for the caller', ...ENROLLING } },
    )
    .post(
      '/enrol',
      async ({ request, set }) => {
        const enrolment = await totp().beginEnrolment(await who(request));
        set.headers['cache-control'] = 'no-store';
        return enrolment;
      },
      { response: { 200: TotpEnrolment, ...errorAnswers(401, 403, 404, 409) }, detail: { summary: 'Start TOTP enrolment: otpauth URI and secret', ...ENROLLING } },
    )
    .post(
      '/confirm',
      async ({ request, body }) => {
        const user = await who(request);
        if (!(await totp().confirmEnrolment(user, body.code))) throw new ApiError(400, 'CODE_REJECTED', 'that code does not match; check the app and try again');
        return { ok: true as const };
      },
      {
        ...jsonBody,
        body: TotpConfirmBody,
        response: { 200: OkAnswer, ...errorAnswers(400, 401, 403, 404) },
        detail: { summary: 'Confirm TOTP enrolment with a code', ...ENROLLING },
      },
    );
};
