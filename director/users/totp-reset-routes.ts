import { Elysia } from 'elysia';
import { isUserName } from '../../shared/api/agent-wire.ts';
import { badRequest, notFound } from '../../shared/errors.ts';
import type { AuditLog } from '../audit/types.ts';
import { requireAdmin } from '../http/guards.ts';
import { ADMIN, errorAnswers, OkAnswer } from '../http/models.ts';
import type { TotpVerifier } from '../otp/totp.ts';
import type { TokenService } from '../tokens/token-service.ts';
import { UserParams } from './models.ts';

/** POST /v1/admin/users/{user}/totp/reset: an admin removes a user's TOTP secret (lost phone). */
export const totpAdminRoutes = (d: { tokens: TokenService; totp?: TotpVerifier; audit: AuditLog }) =>
  new Elysia({ name: 'director.users.totp-reset', prefix: '/v1/admin/users' }).use(requireAdmin(d.tokens)).post(
    '/:user/totp/reset',
    async ({ params, session }) => {
      if (!d.totp) throw notFound('TOTP_DISABLED', 'built-in TOTP is not enabled on this director');
      if (!isUserName(params.user)) throw badRequest('INVALID_USER', 'not a valid user name');
      await d.totp.reset(params.user);
      d.audit.record({ type: 'totp.reset', actor: session.sub, target: params.user, outcome: 'success' });
      return { ok: true as const };
    },
    { params: UserParams, response: { 200: OkAnswer, ...errorAnswers(400, 401, 403, 404) }, detail: { summary: "Remove a user's TOTP secret so they enrol again", ...ADMIN } },
  );
