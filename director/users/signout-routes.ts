import { Elysia } from 'elysia';
import { isUserName } from '../../shared/api/agent-wire.ts';
import { badRequest, notFound } from '../../shared/errors.ts';
import { connectionInfo } from '../../shared/http/connection-info.ts';
import type { AuditLog } from '../audit/types.ts';
import type { Policy } from '../policy/schema.ts';
import { requireAdmin } from '../http/guards.ts';
import { ADMIN, errorAnswers } from '../http/models.ts';
import type { Revocations } from '../tokens/revocations.ts';
import type { TokenService } from '../tokens/token-service.ts';
import { SignoutAnswer, UserParams } from './models.ts';

/** POST /v1/admin/users/{user}/signout: every session token of that user from an earlier login is refused. */
export const signoutRoutes = (d: { tokens: TokenService; revocations: Revocations; audit: AuditLog; policy: () => Policy }) =>
  new Elysia({ name: 'director.users.signout', prefix: '/v1/admin/users' }).use(requireAdmin(d.tokens)).post(
    '/:user/signout',
    async ({ params, session, request }) => {
      if (!isUserName(params.user)) throw badRequest('INVALID_USER', 'not a valid user name');
      // Login backends cannot list their users: a name neither the policy nor a past login knows is
      // most likely a typo, which must not look like a successful sign-out.
      if (!(await knownUser(d.policy(), d.audit, params.user))) throw notFound('USER_NOT_FOUND', `${params.user} is not in the policy and has never logged in here`);
      const at = await d.revocations.signOutEverywhere(params.user);
      const validAfter = new Date(at).toISOString();
      d.audit.record({ type: 'user.signout', actor: session.sub, target: params.user, clientAddress: connectionInfo(request).remoteAddress, outcome: 'success', detail: `validAfter=${validAfter}` });
      return { user: params.user, validAfter };
    },
    {
      params: UserParams,
      response: { 200: SignoutAnswer, ...errorAnswers(400, 401, 403, 404) },
      detail: {
        summary: 'Sign a user out everywhere: tokens from earlier logins answer 401 SESSION_REVOKED (audited); 404 USER_NOT_FOUND for a name neither the policy nor a past login knows',
        ...ADMIN,
      },
    },
  );

async function knownUser(policy: Policy, audit: AuditLog, user: string): Promise<boolean> {
  if (policy.users.has(user) || policy.admins.has(user)) return true;
  for (const group of policy.groups.values()) if (group.members.includes(user)) return true;
  return (await audit.list({ type: 'login', actor: user, outcome: 'success', limit: 1 })).length > 0;
}
