import { Elysia } from 'elysia';
import { isUserName } from '../../shared/api/agent-wire.ts';
import { badRequest, notFound } from '../../shared/errors.ts';
import { connectionInfo } from '../../shared/http/connection-info.ts';
import { requireAdmin } from '../http/guards.ts';
import { ADMIN, errorAnswers } from '../http/models.ts';
import { PasskeyInfo, ResetAnswer } from '../passkeys/models.ts';
import type { Passkeys } from '../passkeys/service.ts';
import type { TokenService } from '../tokens/token-service.ts';
import { UserParams } from './models.ts';
import { t } from 'elysia';

/**
 * GET /v1/admin/users/{user}/passkeys (what a user has registered) and POST
 * /v1/admin/users/{user}/passkeys/reset: an admin removes them all (a lost device; audited passkey.reset).
 */
export const passkeyAdminRoutes = (deps: { tokens: TokenService; passkeys?: Passkeys }) => {
  const checked = (user: string) => {
    if (!deps.passkeys) throw notFound('PASSKEYS_DISABLED', 'passkeys are not enabled on this director');
    if (!isUserName(user)) throw badRequest('INVALID_USER', 'not a valid user name');
    return deps.passkeys;
  };
  return new Elysia({ name: 'director.users.passkeys', prefix: '/v1/admin/users' })
    .use(requireAdmin(deps.tokens))
    .get('/:user/passkeys', async ({ params }) => ({ passkeys: await checked(params.user).list(params.user) }), {
      params: UserParams,
      response: { 200: t.Object({ passkeys: t.Array(PasskeyInfo) }), ...errorAnswers(400, 401, 403, 404) },
      detail: { summary: "A user's passkeys", ...ADMIN },
    })
    .post(
      '/:user/passkeys/reset',
      async ({ params, session, request }) => ({ ok: true as const, removed: await checked(params.user).reset(session.sub, params.user, connectionInfo(request).remoteAddress) }),
      {
        params: UserParams,
        response: { 200: ResetAnswer, ...errorAnswers(400, 401, 403, 404) },
        detail: { summary: "Remove all of a user's passkeys (audited passkey.reset); 404 PASSKEY_NOT_FOUND when they have none", ...ADMIN },
      },
    );
};
